import type { GdprMail } from '@gdpr-mail/core';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { GdprMailModuleOptions, ResolveEmail } from '../module/gdpr-mail-options.js';
import { GDPR_MAIL, GDPR_MAIL_OPTIONS, REQUIRE_CONSENT_METADATA } from '../tokens.js';

/** The default `resolveEmail`: what Passport-style authentication leaves on the request. */
export const emailFromUser: ResolveEmail = (request) => {
  const { user } = request as Request & { user?: { email?: unknown } | null };
  return typeof user?.email === 'string' ? user.email : undefined;
};

/**
 * Lets a request through only when the person behind it (the module's `resolveEmail`)
 * currently consents to every purpose `@RequireConsent()` lists on the handler and its
 * controller. Core decides (`gdpr.consent.assertCurrent`); a refusal is its `GdprMailError`
 * CONSENT_REQUIRED, which `GdprProblemFilter` answers as a 403 problem.
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
    await this.gdpr.consent.assertCurrent(email, purposes);
    return true;
  }
}
