import { escapeHtml } from '../http/html.js';
import type { ConfirmationMessages } from './confirmation-messages.js';
import { CONFIRMATION_MESSAGES } from './confirmation-messages.js';

/** Everything a confirmation mail may say: no offers, no images, two links at most (REQ-17). */
export interface ConfirmationMailInput {
  /** ISO 639-1. */
  locale: string;
  to: string;
  controllerName: string;
  purposes: ReadonlyArray<{ id: string; title: string }>;
  confirmUrl: string;
  privacyUrl?: string;
  expiresAt: Date;
  /** App overrides per locale, merged over the built-in words. */
  messages?: Readonly<Record<string, Partial<ConfirmationMessages>>>;
}

export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

export interface RenderedMail extends MailContent {
  to: string;
}

/** An app's own confirmation mail; it is linted before use (lintDoubleOptInTemplate). */
export type ConfirmationTemplate = (input: ConfirmationMailInput) => MailContent;

export function confirmationMessages(
  locale: string,
  overrides?: Readonly<Record<string, Partial<ConfirmationMessages>>>,
): ConfirmationMessages {
  const base = CONFIRMATION_MESSAGES[locale] ?? CONFIRMATION_MESSAGES.en!;
  return { ...base, ...(overrides?.[locale] ?? {}) };
}

function formatDate(date: Date, locale: string): string {
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(date);
  } catch {
    return date.toISOString().slice(0, 10);
  }
}

/** The built-in confirmation mail, text and HTML: plain words, one button, no tracking. */
export const builtInConfirmationTemplate: ConfirmationTemplate = (input) => {
  const words = confirmationMessages(input.locale, input.messages);
  const fill = (text: string) =>
    text
      .replaceAll('{controller}', input.controllerName)
      .replaceAll('{expires}', formatDate(input.expiresAt, input.locale));
  const titles = input.purposes.map((p) => p.title);
  const text = [
    fill(words.intro),
    ...titles.map((title) => `- ${title}`),
    '',
    `${fill(words.action)}:`,
    input.confirmUrl,
    '',
    fill(words.ignore),
    fill(words.withdraw),
    ...(input.privacyUrl ? ['', `${fill(words.privacy)} ${input.privacyUrl}`] : []),
    '',
    input.controllerName,
  ].join('\n');
  const h = (value: string) => escapeHtml(fill(value));
  const html = [
    '<!doctype html>',
    `<html lang="${escapeHtml(input.locale)}"><head><meta charset="utf-8"><title>${h(words.subject)}</title></head>`,
    '<body style="font-family:sans-serif;line-height:1.5;color:#222">',
    `<p>${h(words.intro)}</p>`,
    `<ul>${titles.map((title) => `<li>${escapeHtml(title)}</li>`).join('')}</ul>`,
    `<p><a href="${escapeHtml(input.confirmUrl)}" style="display:inline-block;padding:10px 16px;background:#1a56db;color:#fff;text-decoration:none;border-radius:4px">${h(words.action)}</a></p>`,
    `<p>${h(words.ignore)}</p>`,
    `<p>${h(words.withdraw)}</p>`,
    ...(input.privacyUrl
      ? [
          `<p>${h(words.privacy)} <a href="${escapeHtml(input.privacyUrl)}">${escapeHtml(input.privacyUrl)}</a></p>`,
        ]
      : []),
    `<p>${escapeHtml(input.controllerName)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: fill(words.subject), text, html };
};
