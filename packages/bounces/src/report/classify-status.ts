import type { RecipientOutcome } from './report-types.js';

// Texts of remote servers that mean the address itself is gone.
const HARD_TEXT =
  /user unknown|unknown user|no such (user|mailbox|recipient)|does not exist|doesn't exist|not exist|mailbox unavailable|mailbox not found|address rejected|invalid (recipient|mailbox|address)|recipient (not found|unknown|rejected)|no mailbox|account (has been )?(disabled|deactivated|closed)|doesn't have an? .*account|not our customer|address (couldn't|could not) be found|unrouteable address|host or domain name not found|domain (not found|does not exist)/i;

// Texts that mean the address exists but this attempt failed: count, don't suppress.
const SOFT_TEXT =
  /mailbox (is )?full|over ?quota|quota exceeded|insufficient (storage|disk)|too large|message size|greylist|try again|temporar|spam|blocked|block ?list|blacklist|policy|reputation|rate limit|too many|connection (timed out|refused)|timed? ?out/i;

const ENHANCED = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
const BASIC = /\b([245])\d\d\b/;

/** The enhanced status code in a text, e.g. `550 5.1.1 …` gives `5.1.1`. */
export function statusIn(text: string | undefined): string | undefined {
  return text ? ENHANCED.exec(text)?.[0] : undefined;
}

function byText(text: string): RecipientOutcome | undefined {
  if (HARD_TEXT.test(text)) return 'hard-bounce';
  if (SOFT_TEXT.test(text)) return 'soft-bounce';
  return undefined;
}

/**
 * One recipient's outcome from its DSN fields (or what a text bounce says).
 * Permanent failures suppress only where the address is the problem (5.1.x,
 * 5.2.1, 5.4.4 and texts that say so); a full mailbox, a size limit or a
 * receiver's policy block (5.2.2, 5.2.3, 5.7.x) count as soft: the address
 * works, this message did not.
 */
export function classifyRecipient(
  action: string | undefined,
  status: string | undefined,
  diagnostic: string | undefined,
): RecipientOutcome {
  const act = action?.trim().toLowerCase();
  if (act === 'delivered' || act === 'relayed' || act === 'expanded') return 'delivered';
  if (act === 'delayed') return 'delayed';
  const text = diagnostic ?? '';
  const code = ENHANCED.exec(status ?? '') ?? ENHANCED.exec(text);
  const klass = code?.[1] ?? BASIC.exec(text)?.[1];
  if (klass === '2') return 'delivered';
  if (klass === '4') return 'soft-bounce';
  if (code) {
    const [, , subject, detail] = code;
    if (subject === '1') return 'hard-bounce';
    if (subject === '2' && detail === '1') return 'hard-bounce';
    if (subject === '2' && (detail === '2' || detail === '3')) return 'soft-bounce';
    if (subject === '4' && detail === '4') return 'hard-bounce';
    if (subject === '7') {
      // A policy refusal names the address it refused ("Recipient address rejected:
      // Access denied"): that alone says nothing about the mailbox, only the words
      // after it (user unknown, …) can.
      const reason = text.replace(/address rejected/gi, '');
      return byText(reason) === 'hard-bounce' ? 'hard-bounce' : 'soft-bounce';
    }
  }
  // 5.0.0, 5.5.x, bare 5xx and no code at all: the server's words decide;
  // a permanent failure that says nothing more is taken at its word.
  return byText(text) ?? 'hard-bounce';
}
