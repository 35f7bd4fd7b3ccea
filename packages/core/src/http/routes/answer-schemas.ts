import { z } from 'zod';
import { DSAR_TYPES } from '../../dsar/dsar-request.js';
import { DSAR_FORM_TYPES } from '../pages/dsar-pages.js';
import type { ProblemDetails } from '../problem-details.js';

/**
 * The JSON answers of the routes, for clients that ask for JSON. The OpenAPI
 * document is generated from these; the handlers build their answers with
 * `satisfies` one of these types, so a field renamed in one place and not the
 * other does not compile.
 */

/** RFC 9457 problem details with the SDK's stable error code. */
export const problemAnswer = z
  .object({
    type: z.string().describe('A URI naming the problem type'),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    code: z.string().describe('The stable error code, e.g. TOKEN_EXPIRED'),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    retryAfter: z
      .int()
      .min(1)
      .optional()
      .describe('429 only: seconds to wait before trying again, also sent as `Retry-After`'),
  })
  .describe('RFC 9457 problem details with the SDK error code.');

const purpose = z.object({
  id: z.string(),
  title: z.string(),
  noticeText: z.string(),
  noticeVersion: z.string().optional(),
});

export const signupFormAnswer = z.object({
  action: z.string().describe('Where the form posts'),
  csrf: z.string().describe('The `_csrf` field to send back with the cookie set alongside'),
  purposes: z.array(purpose),
});

export const signupAnswer = z.object({ status: z.enum(['check-inbox', 'nothing-recorded']) });

export const confirmPageAnswer = z.object({
  maskedEmail: z.string().describe('`j***@example.com`'),
  purposes: z.array(purpose),
  expiresAt: z.iso.datetime(),
});

export const repermissionPageAnswer = z.object({
  maskedEmail: z.string(),
  purposes: z.array(purpose),
  deadline: z.iso.datetime().optional(),
});

export const confirmedAnswer = z.object({
  status: z.literal('confirmed'),
  purposes: z.array(z.string()).describe('The purpose ids consented to'),
});

export const unsubscribePageAnswer = z.object({
  scope: z.union([z.literal('all'), z.array(z.object({ id: z.string(), title: z.string() }))]),
});

export const unsubscribedAnswer = z.object({ status: z.literal('unsubscribed') });

export const preferencesAnswer = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      kind: z.enum(['marketing', 'tracking', 'profiling']),
      noticeText: z.string(),
      noticeVersion: z.string(),
      subscribed: z.boolean(),
    }),
  ),
  saved: z.boolean(),
});

export const preferencesSavedAnswer = z.union([preferencesAnswer, unsubscribedAnswer]);

export const dsarFormAnswer = z.object({
  action: z.string(),
  csrf: z.string(),
  types: z.array(z.enum(DSAR_FORM_TYPES)),
});

export const dsarReceivedAnswer = z.object({ status: z.literal('received') });

export const dsarVerifyPageAnswer = z.object({ action: z.string() });

export const dsarVerifiedAnswer = z.object({
  status: z.literal('confirmed'),
  type: z.enum(DSAR_TYPES),
});

export const dsarExportAnswer = z
  .object({})
  .catchall(z.unknown())
  .describe(
    'The export bundle (Art. 15, Art. 20), streamed; its layout: `@gdpr-mail/core/schemas/dsar-export.schema.json`.',
  );

export const openapiAnswer = z.object({ openapi: z.literal('3.1.0') }).catchall(z.unknown());

type Holds<T extends true> = T;
type Problem = z.input<typeof problemAnswer>;
/** Compile-time guard: every problem the routes render fits {@link problemAnswer}. */
export type ProblemFits = Holds<
  Omit<ProblemDetails, 'issues'> extends Omit<Problem, 'issues'>
    ? NonNullable<ProblemDetails['issues']>[number] extends NonNullable<Problem['issues']>[number]
      ? true
      : false
    : false
>;
