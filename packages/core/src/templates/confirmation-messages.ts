/**
 * The words of the confirmation mail. `{controller}` and `{expires}` are
 * replaced; everything is escaped for HTML. Apps add locales or override
 * sentences through `doubleOptIn.messages` in the config.
 */
export interface ConfirmationMessages {
  subject: string;
  intro: string;
  action: string;
  ignore: string;
  withdraw: string;
  privacy: string;
}

export const CONFIRMATION_MESSAGES: Record<string, ConfirmationMessages> = {
  en: {
    subject: 'Please confirm your subscription to {controller}',
    intro: 'You asked {controller} to email you about:',
    action: 'Confirm my subscription',
    ignore:
      'If you did not ask for this, ignore this email: you will not hear from us and your request will be deleted after {expires}.',
    withdraw: 'You can withdraw your consent at any time with the link in every email.',
    privacy: 'How we handle your data:',
  },
  fr: {
    subject: 'Merci de confirmer votre inscription auprès de {controller}',
    intro: 'Vous avez demandé à {controller} de vous écrire au sujet de :',
    action: 'Je confirme mon inscription',
    ignore:
      "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : nous ne vous écrirons pas et votre demande sera supprimée après le {expires}.",
    withdraw:
      'Vous pouvez retirer votre consentement à tout moment avec le lien présent dans chaque email.',
    privacy: 'Comment nous traitons vos données :',
  },
  de: {
    subject: 'Bitte bestätigen Sie Ihre Anmeldung bei {controller}',
    intro: 'Sie haben {controller} gebeten, Ihnen E-Mails zu folgenden Themen zu senden:',
    action: 'Anmeldung bestätigen',
    ignore:
      'Wenn Sie das nicht waren, ignorieren Sie diese E-Mail: Sie erhalten nichts von uns und Ihre Anfrage wird nach dem {expires} gelöscht.',
    withdraw: 'Sie können Ihre Einwilligung jederzeit über den Link in jeder E-Mail widerrufen.',
    privacy: 'Wie wir mit Ihren Daten umgehen:',
  },
};
