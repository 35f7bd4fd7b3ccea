import type { PurposeConfig } from '../config/config-schema.js';
import { addDuration, parseIsoDuration } from '../config/iso-duration.js';
import type { PurposeConsentState } from '../consent/ledger.js';
import { isMajorBump } from '../consent/notice.js';

/**
 * A grant given to an older major version of the notice, or older than the
 * purpose's `refreshAfter`, must be renewed before it is relied on (REQ-08).
 */
export function needsRefresh(
  purpose: PurposeConfig,
  state: PurposeConsentState,
  now: Date,
): boolean {
  if (state.status !== 'granted') return false;
  if (
    state.noticeVersion !== undefined &&
    isMajorBump(state.noticeVersion, purpose.notice.version)
  ) {
    return true;
  }
  const refreshAfter = purpose.refreshAfter && parseIsoDuration(purpose.refreshAfter);
  return Boolean(refreshAfter && state.since && addDuration(state.since, refreshAfter) <= now);
}
