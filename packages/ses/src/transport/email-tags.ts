import type { MessageTag } from '@aws-sdk/client-sesv2';

/** SES allows 50 tags a message. */
export const MAX_EMAIL_TAGS = 50;
const MAX_TAG_LENGTH = 256;
// SES tag names and values: ASCII letters, digits, underscore and dash only.
const OUTSIDE_SES_CHARSET = /[^A-Za-z0-9_-]/g;

export function sanitizeTagPart(value: string): string {
  const cleaned = value.replace(OUTSIDE_SES_CHARSET, '_').slice(0, MAX_TAG_LENGTH);
  return cleaned === '' ? '_' : cleaned;
}

/**
 * SES `EmailTags` from a message's tags (name = tag, value `true`) and
 * metadata (name = key). Core has already checked both hold opaque ids only;
 * the characters SES refuses become `_`. Later entries win a name clash.
 */
export function emailTags(
  tags: readonly string[] | undefined,
  metadata: Readonly<Record<string, string>> | undefined,
): MessageTag[] {
  const byName = new Map<string, string>();
  for (const tag of tags ?? []) byName.set(sanitizeTagPart(tag), 'true');
  for (const [key, value] of Object.entries(metadata ?? {})) {
    byName.set(sanitizeTagPart(key), sanitizeTagPart(value));
  }
  return [...byName].slice(0, MAX_EMAIL_TAGS).map(([Name, Value]) => ({ Name, Value }));
}
