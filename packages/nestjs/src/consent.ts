import type { GdprMail } from '@gdpr-mail/core';
import { GdprMailError, isGdprMailError } from '@gdpr-mail/core';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import {
  applyDecorators,
  Inject,
  Injectable,
  SetMetadata,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { GdprMailModuleOptions, ResolveEmail } from './gdpr-mail.module.js';
import { GdprProblemFilter } from './gdpr-problem.filter.js';
import { GDPR_MAIL, GDPR_MAIL_OPTIONS, REQUIRE_CONSENT_METADATA } from './tokens.js';

/** The default `resolveEmail`: what Passport-style authentication leaves on the request. */
export const emailFromUser: ResolveEmail = (request) => {
  const { user } = request as Request & { user?: { email?: unknown } | null };
  return typeof user?.email === 'string' ? user.email : undefined;
};

/**
 * Lets a request through only when the person behind it (`resolveEmail`) currently consents
 * to every purpose `@RequireConsent()` lists on the handler and its controller. Core decides
 * (`gdpr.consent.assertCurrent`); its CONSENT_REQUIRED error becomes a 403 in `GdprProblemFilter`.
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
    try {
      await this.gdpr.consent.assertCurrent(email, purposes);
    } catch (error) {
      // An address that is not one (a user record holding anything) names no one who could
      // have consented: the same refusal as no address, and a 400 would blame the client.
      if (!isGdprMailError(error, 'INVALID_EMAIL')) throw error;
      throw new GdprMailError('CONSENT_REQUIRED', 'This is for people who gave their consent.', {
        details: { purposes: [...new Set(purposes)] },
      });
    }
    return true;
  }
}

/**
 * Guards a route (or a controller) with `GdprConsentGuard`: the person must currently consent
 * to each purpose, else a 403 `application/problem+json` with code CONSENT_REQUIRED.
 *
 * @example
 * ```ts nocheck
 * @Get('recommendations')
 * @RequireConsent('personalisation')
 * recommendations() { … }
 * ```
 */
export function RequireConsent(
  ...purposeIds: [string, ...string[]]
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRE_CONSENT_METADATA, purposeIds),
    UseGuards(GdprConsentGuard),
    UseFilters(GdprProblemFilter),
  );
}
