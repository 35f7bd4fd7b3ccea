import { z } from 'zod';
import { GdprMailError } from '../../errors/gdpr-mail-error.js';

/** Browsers send one value for one ticked box and an array for several. */
const oneOrMany = z
  .union([z.string().max(200), z.array(z.string().max(200)).max(100)])
  .optional()
  .transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]));

/** The signup form; `notice_<purposeId>` fields carry the notice version shown. */
export const signupBodySchema = z
  .object({
    email: z.string().trim().min(1, 'is required').max(320),
    purposes: oneOrMany,
    _csrf: z.string().max(200).optional(),
  })
  .catchall(z.unknown().describe('`notice_<purposeId>`: the notice version the form showed'));

export const dsarBodySchema = z.object({
  email: z.string().trim().min(1, 'is required').max(320),
  type: z.enum(['access', 'erasure', 'restriction', 'objection']),
  _csrf: z.string().max(200).optional(),
});

export const preferencesBodySchema = z.object({
  action: z.enum(['save', 'unsubscribe-all']).default('save'),
  purposes: oneOrMany,
  token: z.string().max(2000).optional(),
});

/** The one-click body (RFC 8058) or the page's button: neither field is required. */
export const tokenFormBodySchema = z
  .object({
    token: z.string().max(2000).optional(),
    'List-Unsubscribe': z.string().max(100).optional(),
  })
  .catchall(z.unknown());

/** Parses a body with zod; failures become VALIDATION_FAILED with one issue per field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    throw new GdprMailError('VALIDATION_FAILED', 'The form is incomplete or malformed.', {
      issues: result.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.') || '(body)',
        message: issue.message,
      })),
    });
  }
  return result.data;
}
