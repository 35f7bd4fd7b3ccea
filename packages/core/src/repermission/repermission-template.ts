import { formatMailDate, renderWordedButtonMail } from '../templates/button-mail.js';
import type { MailContent } from '../templates/confirmation-template.js';

/** Everything a re-permission mail may say: one question, one button (SEED-02). */
export interface RepermissionMailInput {
  /** ISO 639-1. */
  locale: string;
  to: string;
  controllerName: string;
  purposes: ReadonlyArray<{ id: string; title: string }>;
  confirmUrl: string;
  privacyUrl?: string;
  /** After it, without a click, no more marketing mail. */
  deadline: Date;
}

/** An app's own re-permission mail; linted like a confirmation mail (no images, no other link). */
export type RepermissionTemplate = (input: RepermissionMailInput) => MailContent;

export interface RepermissionMessages {
  subject: string;
  intro: string;
  action: string;
  deadline: string;
  privacy: string;
}

/** `{controller}` and `{deadline}` are replaced. */
export const REPERMISSION_MESSAGES: Record<string, RepermissionMessages> = {
  en: {
    subject: 'Do you still want to hear from {controller}?',
    intro:
      'To comply with data protection law we need to know whether you still want to receive emails from {controller} about:',
    action: 'Yes, keep me subscribed',
    deadline:
      'If you do not click by {deadline}, we will stop sending you these emails. You can withdraw at any time with the link in every email.',
    privacy: 'How we handle your data:',
  },
  fr: {
    subject: 'Souhaitez-vous toujours recevoir nos emails ({controller}) ?',
    intro:
      'Pour nous conformer à la législation, nous devons savoir si vous souhaitez continuer à recevoir des emails de {controller} au sujet de :',
    action: 'Oui, je reste inscrit',
    deadline:
      'Sans clic de votre part avant le {deadline}, nous cesserons de vous envoyer ces emails. Vous pourrez vous désinscrire à tout moment avec le lien présent dans chaque email.',
    privacy: 'Comment nous traitons vos données :',
  },
  nl: {
    subject: 'Wilt u nog e-mails van {controller} ontvangen?',
    intro:
      'Om aan de privacywetgeving te voldoen, moeten we weten of u nog e-mails van {controller} wilt ontvangen over:',
    action: 'Ja, ik blijf ingeschreven',
    deadline:
      'Als u niet klikt vóór {deadline}, sturen we u deze e-mails niet meer. U kunt zich altijd uitschrijven via de link in elke e-mail.',
    privacy: 'Hoe we met uw gegevens omgaan:',
  },
  de: {
    subject: 'Möchten Sie weiterhin E-Mails von {controller} erhalten?',
    intro:
      'Aus Datenschutzgründen müssen wir wissen, ob Sie weiterhin E-Mails von {controller} zu folgenden Themen erhalten möchten:',
    action: 'Ja, ich bleibe angemeldet',
    deadline:
      'Ohne Klick bis zum {deadline} senden wir Ihnen diese E-Mails nicht mehr. Sie können sich jederzeit über den Link in jeder E-Mail abmelden.',
    privacy: 'Wie wir mit Ihren Daten umgehen:',
  },
};

/** The built-in re-permission mail: plain words, one button, no tracking, no offer. */
export const builtInRepermissionTemplate: RepermissionTemplate = (input) => {
  const words = REPERMISSION_MESSAGES[input.locale] ?? REPERMISSION_MESSAGES.en!;
  return renderWordedButtonMail({
    locale: input.locale,
    controllerName: input.controllerName,
    purposes: input.purposes,
    url: input.confirmUrl,
    privacyUrl: input.privacyUrl,
    words,
    notes: [words.deadline],
    placeholders: { deadline: formatMailDate(input.deadline, input.locale) },
  });
};
