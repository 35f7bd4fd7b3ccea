import type { PurposeConfig } from '../config/config-schema.js';
import { addDuration, type CalendarDuration, parseIsoDuration } from '../config/iso-duration.js';
import type { PurposeConsentState } from '../consent/ledger.js';
import { isMajorBump } from '../consent/notice.js';

// Parsed once per text: this runs on every send decision.
const durations = new Map<string, CalendarDuration | undefined>();
function refreshDuration(text: string): CalendarDuration | undefined {
  if (!durations.has(text)) durations.set(text, parseIsoDuration(text));
  return durations.get(text);
}

/**
 * A grant given to an older major version of the notice, or older than the
 * purpose's `refreshAfter`, must be renewed before it is relied on (REQ-08).
 * `now` may be the clock itself: it is read only when the purpose has a `refreshAfter`.
 */
export function needsRefresh(
  purpose: PurposeConfig,
  state: PurposeConsentState,
  now: Date | (() => Date),
): boolean {
  if (state.status !== 'granted') return false;
  if (
    state.noticeVersion !== undefined &&
    isMajorBump(state.noticeVersion, purpose.notice.version)
  ) {
    return true;
  }
  const refreshAfter = purpose.refreshAfter && refreshDuration(purpose.refreshAfter);
  if (!refreshAfter || !state.since) return false;
  return addDuration(state.since, refreshAfter) <= (typeof now === 'function' ? now() : now);
}
