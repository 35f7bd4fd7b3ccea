import { sha256Hex } from '../crypto/hashing.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';

/** SHA-256 of the exact notice text shown, recorded with every consent event (REQ-04, REQ-05). */
export function hashNotice(text: string): string {
  return sha256Hex(text.normalize('NFC'));
}

/**
 * A grant is proof that the person was shown a text: a notice with no text
 * would give a version and a hash of nothing they ever read (issue #21).
 * Checked before any grant is recorded, whatever path the config took.
 */
export function assertNoticeShown(purpose: {
  id: string;
  notice: { text: string; version: string };
}): void {
  if (purpose.notice.text.trim() === '') {
    throw new GdprMailError(
      'NOTICE_INCOMPLETE',
      `Purpose "${purpose.id}" has no notice text: consent cannot be recorded for a text nobody was shown. Set purposes[].notice.text.`,
      { details: { purposeId: purpose.id, noticeVersion: purpose.notice.version } },
    );
  }
}

/** Default phrases that show the right to withdraw is stated (EN, FR, DE, NL, ES, IT). */
export const DEFAULT_WITHDRAWAL_PATTERN =
  /withdraw|unsubscribe|opt[ -]?out|retirer|désinscri|desinscri|désabonn|desabonn|widerruf|abmelden|uitschrijven|intrekken|darse de baja|retirar|revocare|disiscriv/i;

export interface NoticeCheckInput {
  text: string;
  controllerName: string;
  withdrawalPattern?: RegExp;
}

/**
 * What Art. 7(3) and recital 42 require a consent text to say before consent:
 * who the controller is and that consent can be withdrawn at any time.
 * Returns the list of missing elements (empty when the notice is complete).
 */
export function missingNoticeElements(input: NoticeCheckInput): string[] {
  const missing: string[] = [];
  const text = input.text.normalize('NFC');
  if (!text.toLowerCase().includes(input.controllerName.normalize('NFC').toLowerCase())) {
    missing.push('the controller identity (the controller name must appear in the text)');
  }
  if (!(input.withdrawalPattern ?? DEFAULT_WITHDRAWAL_PATTERN).test(text)) {
    missing.push('the right to withdraw consent at any time');
  }
  return missing;
}

/** `2.1` → [2, 1, 0]. Versions are validated by the config schema. */
export function parseNoticeVersion(version: string): [number, number, number] {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  return [major, minor, patch];
}

/** The major part of a version: digits up to the first dot (`2.1` → 2), as `parseNoticeVersion`. */
function majorOf(version: string): number {
  // Digits read in place (no substring): asked twice on every send decision.
  let major = 0;
  let i = 0;
  for (; i < version.length; i++) {
    const code = version.charCodeAt(i);
    if (code === 46) break; // '.'
    if (code < 48 || code > 57) return Number(version.split('.')[0]);
    major = major * 10 + (code - 48);
  }
  return i === 0 ? Number(version.split('.')[0]) : major;
}

/**
 * A new major version is a new text: consent given to an older major must be
 * renewed (REQ-08). Asked on every send: compares the majors without splitting
 * whole versions.
 */
export function isMajorBump(consentedVersion: string, currentVersion: string): boolean {
  return majorOf(currentVersion) > majorOf(consentedVersion);
}
