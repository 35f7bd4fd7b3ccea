import type { ProcessorErasureResult } from '@gdpr-mail/core';
import { type BrevoHttp, HttpFailure } from './http-client.js';

/**
 * Deletes the person's contact at Brevo (Art. 17 and 19, REQ-26):
 * `DELETE /v3/contacts/{email}?identifierType=email_id`. 204 is deleted, 404
 * was never there (or is gone already): both are the outcome asked for.
 * Never throws; the detail never holds the address (a connection error's
 * message can quote the URL, so only its code is kept).
 */
export async function eraseBrevoContact(
  http: BrevoHttp,
  email: string,
): Promise<ProcessorErasureResult> {
  let status: number;
  try {
    const path = `/v3/contacts/${encodeURIComponent(email)}?identifierType=email_id`;
    status = (await http.request('DELETE', path)).status;
  } catch (error) {
    const code = error instanceof HttpFailure ? (error.code ?? 'connection error') : 'error';
    return { ok: false, detail: `contact deletion failed: ${code}` };
  }
  if (status === 404) return { ok: true, detail: 'not found at provider' };
  if (status >= 200 && status < 300) return { ok: true, detail: 'contact deleted at provider' };
  return { ok: false, detail: `contact deletion failed: HTTP ${status}` };
}
