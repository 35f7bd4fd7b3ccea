import { formatMailDate, renderWordedButtonMail } from './button-mail.js';
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

/** The built-in confirmation mail, text and HTML: plain words, one button, no tracking. */
export const builtInConfirmationTemplate: ConfirmationTemplate = (input) => {
  const words = confirmationMessages(input.locale, input.messages);
  return renderWordedButtonMail({
    locale: input.locale,
    controllerName: input.controllerName,
    purposes: input.purposes,
    url: input.confirmUrl,
    privacyUrl: input.privacyUrl,
    words,
    notes: [words.ignore, words.withdraw],
    placeholders: { expires: formatMailDate(input.expiresAt, input.locale) },
  });
};
