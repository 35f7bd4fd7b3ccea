import type { GdprMail } from '@gdpr-mail/core';
import type { OnModuleDestroy } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import type { GdprMailModuleOptions } from '../module/gdpr-mail-options.js';
import { GDPR_MAIL, GDPR_MAIL_OPTIONS } from '../tokens.js';

/**
 * The core `GdprMail` facade as a Nest provider: inject it anywhere the module
 * is visible and call `consent`, `canSend`, `mailer`, `dsar`… exactly as on
 * `createGdprMail()`'s result. It closes the facade when the module is destroyed
 * (`app.close()`), unless `closeOnDestroy: false`.
 */
@Injectable()
export class GdprMailService implements GdprMail, OnModuleDestroy {
  private closing: Promise<void> | undefined;

  constructor(
    @Inject(GDPR_MAIL) readonly gdpr: GdprMail,
    @Inject(GDPR_MAIL_OPTIONS) private readonly options: GdprMailModuleOptions,
  ) {}

  get config(): GdprMail['config'] {
    return this.gdpr.config;
  }
  get store(): GdprMail['store'] {
    return this.gdpr.store;
  }
  get consent(): GdprMail['consent'] {
    return this.gdpr.consent;
  }
  get subjects(): GdprMail['subjects'] {
    return this.gdpr.subjects;
  }
  get suppression(): GdprMail['suppression'] {
    return this.gdpr.suppression;
  }
  get audit(): GdprMail['audit'] {
    return this.gdpr.audit;
  }
  get optIn(): GdprMail['optIn'] {
    return this.gdpr.optIn;
  }
  get links(): GdprMail['links'] {
    return this.gdpr.links;
  }
  get unsubscribe(): GdprMail['unsubscribe'] {
    return this.gdpr.unsubscribe;
  }
  get preferences(): GdprMail['preferences'] {
    return this.gdpr.preferences;
  }
  get mailer(): GdprMail['mailer'] {
    return this.gdpr.mailer;
  }
  get tracking(): GdprMail['tracking'] {
    return this.gdpr.tracking;
  }
  get dsar(): GdprMail['dsar'] {
    return this.gdpr.dsar;
  }
  get retention(): GdprMail['retention'] {
    return this.gdpr.retention;
  }
  get keys(): GdprMail['keys'] {
    return this.gdpr.keys;
  }
  get erasures(): GdprMail['erasures'] {
    return this.gdpr.erasures;
  }
  get tokens(): GdprMail['tokens'] {
    return this.gdpr.tokens;
  }
  get providerEvents(): GdprMail['providerEvents'] {
    return this.gdpr.providerEvents;
  }
  get records(): GdprMail['records'] {
    return this.gdpr.records;
  }
  get outbox(): GdprMail['outbox'] {
    return this.gdpr.outbox;
  }
  get breaches(): GdprMail['breaches'] {
    return this.gdpr.breaches;
  }
  get contacts(): GdprMail['contacts'] {
    return this.gdpr.contacts;
  }
  get repermission(): GdprMail['repermission'] {
    return this.gdpr.repermission;
  }
  get campaigns(): GdprMail['campaigns'] {
    return this.gdpr.campaigns;
  }
  get events(): GdprMail['events'] {
    return this.gdpr.events;
  }

  canSend(...args: Parameters<GdprMail['canSend']>): ReturnType<GdprMail['canSend']> {
    return this.gdpr.canSend(...args);
  }

  audience(...args: Parameters<GdprMail['audience']>): ReturnType<GdprMail['audience']> {
    return this.gdpr.audience(...args);
  }

  /** Closes the facade once, however many times it is called. */
  close(): Promise<void> {
    const closing = this.closing ?? this.gdpr.close();
    this.closing = closing;
    return closing;
  }

  async onModuleDestroy(): Promise<void> {
    if (this.options.closeOnDestroy !== false) await this.close();
  }
}
