import type { GdprMail } from '@gdpr-mail/core';
import { GdprMailError } from '@gdpr-mail/core';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { GdprMailModuleOptions, ResolveEmail } from '../module/gdpr-mail-options.js';
import { GDPR_MAIL, GDPR_MAIL_OPTIONS, REQUIRE_CONSENT_METADATA } from '../tokens.js';

/** The default `resolveEmail`: what Passport-style authentication leaves on the request. */
export const emailFromUser: ResolveEmail = (request) => {
  const user = (request as Request & { user?: unknown }).user;
  if (typeof user !== 'object' || user === null) return undefined;
  const email = (user as { email?: unknown }).email;
  return typeof email === 'string' ? email : undefined;
};

/**
 * Lets a request through only when the person behind it (found with the
 * module's `resolveEmail`) holds a current consent to every purpose that
 * `@RequireConsent()` lists on the handler and its controller. A refusal is a
 * `GdprMailError` CONSENT_REQUIRED, which `GdprProblemFilter` answers as a 403 problem.
 */
@Injectable()
export class GdprConsentGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(GDPR_MAIL) private readonly gdpr: GdprMail,
    @Inject(GDPR_MAIL_OPTIONS) private readonly options: GdprMailModuleOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const purposes = this.reflector.getAllAndMerge<string[]>(REQUIRE_CONSENT_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (purposes.length === 0) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const email = await (this.options.resolveEmail ?? emailFromUser)(request);
    if (!email) {
      throw new GdprMailError(
        'CONSENT_REQUIRED',
        'This page is for people who gave their consent.',
        {
          details: { purposes },
        },
      );
    }
    for (const purposeId of new Set(purposes)) {
      const state = await this.gdpr.consent.state(email, purposeId);
      // A grant to an outdated notice is not relied on (REQ-08).
      if (state.status !== 'granted' || state.needsRefresh) {
        throw new GdprMailError(
          'CONSENT_REQUIRED',
          `This page needs your consent to "${purposeId}".`,
          { details: { purposeId, status: state.status, needsRefresh: state.needsRefresh } },
        );
      }
    }
    return true;
  }
}
