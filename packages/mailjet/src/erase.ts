import type { ProcessorErasureResult } from '@gdpr-mail/core';
import { HttpFailure, type MailjetHttp, readIdList } from './http-client.js';

function failure(step: string, error: unknown): ProcessorErasureResult {
  // The message of a connection error can quote the URL, hence the address: code only.
  const code = error instanceof HttpFailure ? (error.code ?? 'connection error') : 'error';
  return { ok: false, detail: `${step} failed: ${code}` };
}

/**
 * Deletes the person's contact at Mailjet (Art. 17 and 19, REQ-26): looks the
 * id up with `GET /v3/REST/contact/{email}`, then `DELETE /v4/contacts/{id}`,
 * Mailjet's GDPR deletion of the contact and its data. Never throws; the
 * detail never holds the address.
 */
export async function eraseMailjetContact(
  http: MailjetHttp,
  email: string,
): Promise<ProcessorErasureResult> {
  let lookup: Awaited<ReturnType<MailjetHttp['request']>>;
  try {
    lookup = await http.request('GET', `/v3/REST/contact/${encodeURIComponent(email)}`);
  } catch (error) {
    return failure('contact lookup', error);
  }
  if (lookup.status === 404) return { ok: true, detail: 'not found at provider' };
  if (lookup.status !== 200) {
    return { ok: false, detail: `contact lookup failed: HTTP ${lookup.status}` };
  }
  const ids = readIdList(lookup);
  if (!ids) return { ok: false, detail: 'contact lookup failed: unreadable answer' };
  if (ids.length === 0) return { ok: true, detail: 'not found at provider' };

  for (const id of ids) {
    let deletion: Awaited<ReturnType<MailjetHttp['request']>>;
    try {
      deletion = await http.request('DELETE', `/v4/contacts/${encodeURIComponent(id)}`);
    } catch (error) {
      return failure('contact deletion', error);
    }
    // 404: deleted in the meantime, which is the outcome asked for.
    if (deletion.status !== 404 && (deletion.status < 200 || deletion.status >= 300)) {
      return { ok: false, detail: `contact deletion failed: HTTP ${deletion.status}` };
    }
  }
  return { ok: true, detail: `contact deleted at provider (id ${ids.join(', ')})` };
}
