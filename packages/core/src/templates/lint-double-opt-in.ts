import type { GdprMailErrorIssue } from '../errors/gdpr-mail-error.js';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { MailContent } from './confirmation-template.js';

export interface DoubleOptInLinks {
  confirmUrl: string;
  privacyUrl?: string;
}

// Anything that loads on open can be a tracking pixel; none belongs in a check mail.
const EMBEDDED =
  /<\s*(img|picture|source|svg|image|video|audio|iframe|frame|object|embed|script|link|form|input|base|map|area)\b/gi;
const LOADING_ATTRIBUTE = /[\s"'/](src|srcset|background|poster|lowsrc|dynsrc|data)\s*=/gi;
// CSS that fetches on open: url(), the image functions (image-set() takes bare strings,
// no url() needed) and @import. Matched after CSS escapes are decoded.
const CSS_LOAD = /url\s*\(|(?<![\w-])(?:-webkit-)?(?:image-set|image|cross-fade|src)\(|@import/i;
const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
// A scheme-relative `//host/…` loads over the page's scheme; a host has a dot, which
// keeps a doctype's "-//W3C//DTD" out.
const BARE_URL =
  /(?:\b(?:[a-z][a-z0-9+.-]*:\/\/|www\.|mailto:)|(?<![\w:/])\/\/(?=[a-z0-9-]+\.[a-z0-9]))[^\s<>"']*/gi;

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  '#39': "'",
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z0-9]+);/gi, (whole, name: string) => {
    const named = NAMED_ENTITIES[name.toLowerCase()];
    if (named) return named;
    if (name.startsWith('#x') || name.startsWith('#X')) {
      return fromCodePoint(Number.parseInt(name.slice(2), 16));
    }
    if (name.startsWith('#')) return fromCodePoint(Number.parseInt(name.slice(1), 10));
    return whole;
  });
}

/** As parsers do, U+FFFD for a code point that cannot be one, rather than a RangeError. */
function fromCodePoint(code: number): string {
  const invalid = code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff);
  return invalid ? '\ufffd' : String.fromCodePoint(code);
}

/**
 * CSS escapes as a CSS parser reads them: `\75 rl(` and `\000075rl(` are `url(`,
 * `\@` is `@`. Undone before matching so a disguised function is still seen.
 */
function decodeCssEscapes(text: string): string {
  return text.replace(
    /\\([0-9a-f]{1,6})(?:\r\n|[ \t\r\n\f])?|\\([^\r\n\f0-9a-f])/gi,
    (_whole, hex: string | undefined, char: string | undefined) => {
      if (char !== undefined) return char;
      return fromCodePoint(Number.parseInt(hex!, 16));
    },
  );
}

function trimPunctuation(url: string): string {
  return url.replace(/[.,;:!?)\]]+$/, '');
}

/**
 * REQ-17: a double opt-in mail asks for a confirmation and nothing else. Refuses
 * (TEMPLATE_REJECTED, every problem listed) images and anything else that loads
 * on open (tracking pixels), and any link but the confirm link and the privacy
 * policy, which is also what any promotional block needs to work.
 */
export function lintDoubleOptInTemplate(content: MailContent, links: DoubleOptInLinks): void {
  const allowed = new Set([links.confirmUrl, ...(links.privacyUrl ? [links.privacyUrl] : [])]);
  const issues: GdprMailErrorIssue[] = [];
  // An app's template may return anything: what is not a mail is refused like a bad one.
  const mail: Partial<MailContent> = typeof content === 'object' && content !== null ? content : {};
  if (mail !== content) {
    issues.push({ path: '(mail)', message: 'the template must return { subject, text, html }' });
  }
  const html = typeof mail.html === 'string' ? mail.html : '';
  const text = typeof mail.text === 'string' ? mail.text : '';
  const subject = typeof mail.subject === 'string' ? mail.subject : '';

  for (const match of html.matchAll(EMBEDDED)) {
    issues.push({
      path: 'html',
      message: `<${match[1]?.toLowerCase()}> is not allowed (no images, media, scripts or forms)`,
    });
  }
  for (const match of html.matchAll(LOADING_ATTRIBUTE)) {
    issues.push({
      path: 'html',
      message: `a ${match[1]?.toLowerCase()}= attribute loads content on open`,
    });
  }
  // A style attribute is entity-decoded by the HTML parser before CSS reads it.
  if (CSS_LOAD.test(decodeCssEscapes(decodeEntities(html)))) {
    issues.push({
      path: 'html',
      message: 'CSS url(), image-set() or @import loads content on open',
    });
  }
  const withoutHrefs = html.replace(HREF, (_whole, a?: string, b?: string, c?: string) => {
    const target = decodeEntities((a ?? b ?? c ?? '').trim());
    if (!allowed.has(target)) {
      issues.push({
        path: 'html',
        message: `link to "${target}" is not allowed: only the confirm and privacy links`,
      });
    }
    return ' ';
  });
  for (const [path, body] of [
    ['html', decodeCssEscapes(decodeEntities(withoutHrefs))],
    ['text', text],
    ['subject', subject],
  ] as const) {
    for (const match of body.matchAll(BARE_URL)) {
      const url = trimPunctuation(match[0]);
      if (path === 'subject' || !allowed.has(url)) {
        issues.push({
          path,
          message: `link to "${url}" is not allowed: only the confirm and privacy links`,
        });
      }
    }
  }
  if (!text.includes(links.confirmUrl) || !decodeEntities(html).includes(links.confirmUrl)) {
    issues.push({
      path: 'text',
      message: 'the confirm link must appear in both the text and the HTML part',
    });
  }
  if (issues.length > 0) {
    throw new GdprMailError(
      'TEMPLATE_REJECTED',
      `The double opt-in mail was refused (REQ-17):\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
      { issues },
    );
  }
}
