import { applyDecorators, SetMetadata, UseFilters, UseGuards } from '@nestjs/common';
import { GdprProblemFilter } from '../errors/gdpr-problem.filter.js';
import { REQUIRE_CONSENT_METADATA } from '../tokens.js';
import { GdprConsentGuard } from './gdpr-consent.guard.js';

/**
 * Guards a route (or every route of a controller) with `GdprConsentGuard`:
 * the person must currently consent to each of the purposes. A refusal
 * answers a 403 `application/problem+json` with code CONSENT_REQUIRED.
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
