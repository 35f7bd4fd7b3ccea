import { escapeHtml } from '../http/html.js';

export interface FooterLinks {
  unsubscribeUrl: string;
  preferencesUrl: string;
}

const LABELS: Record<string, { unsubscribe: string; preferences: string }> = {
  en: { unsubscribe: 'Unsubscribe', preferences: 'Manage your email preferences' },
  fr: { unsubscribe: 'Se désinscrire', preferences: 'Gérer vos préférences e-mail' },
};

/** Placeholders an app may put where it wants the links; otherwise a footer is added. */
export const PLACEHOLDERS = {
  unsubscribe: '{{unsubscribe_url}}',
  preferences: '{{preferences_url}}',
} as const;

function fill(body: string, links: FooterLinks, encode: (s: string) => string): string {
  return body
    .replaceAll(PLACEHOLDERS.unsubscribe, encode(links.unsubscribeUrl))
    .replaceAll(PLACEHOLDERS.preferences, encode(links.preferencesUrl));
}

/**
 * Every marketing mail carries a visible opt-out (ePrivacy 13(4), REQ-14,
 * SEED-04): placeholders are filled, and a footer is appended to any body that
 * still lacks the unsubscribe link.
 */
export function withUnsubscribeFooter(
  content: { text?: string; html?: string },
  links: FooterLinks,
  language = 'en',
): { text?: string; html?: string } {
  const label = LABELS[language] ?? LABELS.en!;
  const out: { text?: string; html?: string } = {};
  if (content.text !== undefined) {
    const text = fill(content.text, links, (s) => s);
    out.text = text.includes(links.unsubscribeUrl)
      ? text
      : `${text}\n\n--\n${label.unsubscribe}: ${links.unsubscribeUrl}\n${label.preferences}: ${links.preferencesUrl}\n`;
  }
  if (content.html !== undefined) {
    const html = fill(content.html, links, escapeHtml);
    if (html.includes(escapeHtml(links.unsubscribeUrl))) {
      out.html = html;
    } else {
      const footer = `<p style="font-size:12px;color:#555"><a href="${escapeHtml(links.unsubscribeUrl)}">${label.unsubscribe}</a> · <a href="${escapeHtml(links.preferencesUrl)}">${label.preferences}</a></p>`;
      out.html = /<\/body>/i.test(html)
        ? html.replace(/<\/body>/i, `${footer}</body>`)
        : `${html}${footer}`;
    }
  }
  return out;
}

/** For apps that render their own mails: refuses a marketing body without the opt-out link (REQ-14). */
export function lintMarketingMail(
  content: { text?: string; html?: string },
  unsubscribeUrl: string,
): string[] {
  const problems: string[] = [];
  if (content.text === undefined && content.html === undefined)
    problems.push('the mail has no body');
  if (content.text !== undefined && !content.text.includes(unsubscribeUrl)) {
    problems.push('the text part has no unsubscribe link');
  }
  if (content.html !== undefined && !content.html.includes(escapeHtml(unsubscribeUrl))) {
    problems.push('the HTML part has no unsubscribe link');
  }
  return problems;
}
