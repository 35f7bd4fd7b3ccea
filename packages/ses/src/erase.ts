import type { ProcessorErasureResult } from '@gdpr-mail/core';
import type { SesErasureOptions } from './config.js';
import type { SesClient } from './http-client.js';

/** Whether the options ask for anything to be deleted at SES. */
export function hasSesErasure(erasure: SesErasureOptions | undefined): boolean {
  return (
    erasure !== undefined &&
    (erasure.accountSuppressionList === true || erasure.contactListName !== undefined)
  );
}

/**
 * Deletes the person at SES (Art. 17 and 19, REQ-26): from the account-level
 * suppression list and from a contact list, as configured. Absent counts as
 * done. Never throws; the detail names the step and SES's error code, never
 * the address.
 */
export async function eraseSesContact(
  client: SesClient,
  erasure: SesErasureOptions,
  email: string,
): Promise<ProcessorErasureResult> {
  const steps: [string, () => Promise<unknown>][] = [];
  if (erasure.accountSuppressionList) {
    steps.push(['account suppression list', () => client.deleteSuppressedDestination(email)]);
  }
  if (erasure.contactListName !== undefined) {
    const list = erasure.contactListName;
    steps.push([`contact list ${list}`, () => client.deleteContact(list, email)]);
  }
  const done: string[] = [];
  for (const [what, run] of steps) {
    try {
      await run();
      done.push(`${what}: deleted`);
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      if (name === 'NotFoundException') {
        done.push(`${what}: not present`);
        continue;
      }
      done.push(`${what}: failed (${typeof name === 'string' ? name : 'Error'})`);
      return { ok: false, detail: done.join('; ') };
    }
  }
  return { ok: true, detail: done.join('; ') };
}
