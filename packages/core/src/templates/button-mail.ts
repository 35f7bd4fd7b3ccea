import { escapeHtml } from '../http/html.js';
import type { MailContent } from './confirmation-template.js';

/**
 * The shape every mail the SDK writes on a person's request shares (double
 * opt-in, re-permission, DSAR): a few plain sentences, the purposes as a list, one
 * button, the privacy link, the controller's name. No offers, no images, no
 * tracking (REQ-17). The words arrive already filled in, in one locale. The button
 * (`action` and `url`, both) is left out of a notice that asks nothing of the person.
 */
export type ButtonMailParts = ButtonMailWording &
  ({ action: string; url: string } | { action?: undefined; url?: undefined });

interface ButtonMailWording {
  locale: string;
  subject: string;
  /** The heading at the top of the HTML mail; default none (the subject says it). */
  heading?: string;
  intro: string;
  items: readonly string[];
  /** Sentences between the list and the button: what pressing it will do. */
  lead?: readonly string[];
  /** Sentences after the button, one paragraph each. */
  notes: readonly string[];
  privacy?: { label: string; url: string };
  controllerName: string;
}

export function renderButtonMail(parts: ButtonMailParts): MailContent {
  const text = [
    parts.intro,
    ...parts.items.map((item) => `- ${item}`),
    ...(parts.lead ?? []).flatMap((sentence) => ['', sentence]),
    '',
    ...(parts.url !== undefined ? [`${parts.action}:`, parts.url, ''] : []),
    ...parts.notes,
    ...(parts.privacy ? ['', `${parts.privacy.label} ${parts.privacy.url}`] : []),
    '',
    parts.controllerName,
  ].join('\n');
  const e = escapeHtml;
  const html = [
    '<!doctype html>',
    `<html lang="${e(parts.locale)}"><head><meta charset="utf-8"><title>${e(parts.subject)}</title></head>`,
    '<body style="margin:0;padding:16px;background:#f4f4f5;font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a">',
    '<div style="max-width:36rem;margin:0 auto;padding:24px;background:#fff;border:1px solid #ddd;border-radius:6px">',
    ...(parts.heading
      ? [`<h1 style="font-size:1.3rem;line-height:1.3;margin:0 0 16px">${e(parts.heading)}</h1>`]
      : []),
    `<p>${e(parts.intro)}</p>`,
    ...(parts.items.length > 0
      ? [`<ul>${parts.items.map((item) => `<li>${e(item)}</li>`).join('')}</ul>`]
      : []),
    // What pressing the button will do stands out: for an erasure, that it cannot be undone.
    ...(parts.lead ?? []).map(
      (sentence) =>
        `<p style="border-left:4px solid #1a56db;padding:8px 12px;background:#eef2fb">${e(sentence)}</p>`,
    ),
    ...(parts.url !== undefined
      ? [
          `<p><a href="${e(parts.url)}" style="display:inline-block;padding:10px 16px;background:#1a56db;color:#fff;text-decoration:none;border-radius:4px">${e(parts.action)}</a></p>`,
        ]
      : []),
    ...parts.notes.map((note) => `<p>${e(note)}</p>`),
    ...(parts.privacy
      ? [
          `<p>${e(parts.privacy.label)} <a href="${e(parts.privacy.url)}">${e(parts.privacy.url)}</a></p>`,
        ]
      : []),
    `<p style="color:#555">${e(parts.controllerName)}</p>`,
    '</div>',
    '</body></html>',
  ].join('\n');
  return { subject: parts.subject, text, html };
}

/**
 * Fills the `{name}` placeholders of `text` in one pass: a value that itself holds `{…}` (a
 * controller's name, a person's reasons) is written as it is, and an unknown name stays.
 */
export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? values[name]! : whole,
  );
}

/** The words of a button mail in one locale, with `{controller}` and the caller's placeholders. */
export interface ButtonMailWords {
  subject: string;
  intro: string;
  action: string;
  privacy: string;
}

/**
 * Fills the words (`{controller}` and each of `placeholders`, computed once)
 * and renders the mail: what the double opt-in and re-permission templates share.
 */
export function renderWordedButtonMail(input: {
  locale: string;
  controllerName: string;
  purposes: ReadonlyArray<{ title: string }>;
  url: string;
  privacyUrl?: string | undefined;
  words: ButtonMailWords;
  notes: readonly string[];
  placeholders: Readonly<Record<string, string>>;
}): MailContent {
  const values = { controller: input.controllerName, ...input.placeholders };
  const fill = (text: string) => fillPlaceholders(text, values);
  const { words } = input;
  return renderButtonMail({
    locale: input.locale,
    subject: fill(words.subject),
    intro: fill(words.intro),
    items: input.purposes.map((p) => p.title),
    action: fill(words.action),
    url: input.url,
    notes: input.notes.map(fill),
    ...(input.privacyUrl ? { privacy: { label: fill(words.privacy), url: input.privacyUrl } } : {}),
    controllerName: input.controllerName,
  });
}

/** A date as the person reads it in their language; ISO when the locale is unknown. */
export function formatMailDate(date: Date, locale: string): string {
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(date);
  } catch {
    return date.toISOString().slice(0, 10);
  }
}
