export const LOCALES = ['en', 'fr'] as const;
export type Locale = (typeof LOCALES)[number];

/** Every string the built-in pages show; apps override any of them per locale. */
export interface PageMessages {
  signupTitle: string;
  signupIntro: string;
  emailLabel: string;
  purposesLegend: string;
  noticeVersion: string;
  signupSubmit: string;
  signupNoneRequired: string;
  checkInboxTitle: string;
  checkInboxBody: string;
  confirmTitle: string;
  confirmBody: string;
  confirmSubmit: string;
  confirmedTitle: string;
  confirmedBody: string;
  unsubscribeTitle: string;
  unsubscribeBody: string;
  unsubscribeSubmit: string;
  /** What an unsubscribe link scoped to every purpose stops. */
  everything: string;
  unsubscribedTitle: string;
  unsubscribedBody: string;
  preferencesTitle: string;
  preferencesIntro: string;
  preferencesSubmit: string;
  preferencesSaved: string;
  unsubscribeAll: string;
  trackingLabel: string;
  errorTitle: string;
  privacyLink: string;
}

export const DEFAULT_MESSAGES: Record<Locale, PageMessages> = {
  en: {
    signupTitle: 'Sign up',
    signupIntro: 'Choose what you want to receive. Every box is optional.',
    emailLabel: 'Email address',
    purposesLegend: 'What may we send you?',
    noticeVersion: 'Notice version',
    signupSubmit: 'Sign up',
    signupNoneRequired: 'You can tick none of the boxes: your sign-up still works.',
    checkInboxTitle: 'Check your inbox',
    checkInboxBody:
      'If this address can receive our emails, a message is on its way. Follow the link in it to confirm.',
    confirmTitle: 'Confirm your subscription',
    confirmBody: 'Press the button to confirm that you want to receive:',
    confirmSubmit: 'Confirm',
    confirmedTitle: 'Subscription confirmed',
    confirmedBody:
      'Thank you. You can change your choices at any time from the link in every email.',
    unsubscribeTitle: 'Unsubscribe',
    unsubscribeBody: 'Press the button to stop receiving:',
    unsubscribeSubmit: 'Unsubscribe',
    everything: 'Every email we send you',
    unsubscribedTitle: 'You are unsubscribed',
    unsubscribedBody: 'You will not receive these emails any more.',
    preferencesTitle: 'Your email preferences',
    preferencesIntro: 'Tick what you want to keep receiving. Unticking stops it at once.',
    preferencesSubmit: 'Save my choices',
    preferencesSaved: 'Your choices are saved.',
    unsubscribeAll: 'Unsubscribe from everything',
    trackingLabel: 'Let us measure whether I open and click your emails',
    errorTitle: 'Something went wrong',
    privacyLink: 'Privacy policy',
  },
  fr: {
    signupTitle: 'Inscription',
    signupIntro: 'Choisissez ce que vous souhaitez recevoir. Chaque case est facultative.',
    emailLabel: 'Adresse e-mail',
    purposesLegend: 'Que pouvons-nous vous envoyer ?',
    noticeVersion: 'Version de la mention',
    signupSubmit: "M'inscrire",
    signupNoneRequired:
      'Vous pouvez ne cocher aucune case : votre inscription fonctionne quand même.',
    checkInboxTitle: 'Consultez votre boîte de réception',
    checkInboxBody:
      'Si cette adresse peut recevoir nos e-mails, un message est en route. Suivez le lien pour confirmer.',
    confirmTitle: 'Confirmez votre inscription',
    confirmBody: 'Appuyez sur le bouton pour confirmer que vous souhaitez recevoir :',
    confirmSubmit: 'Confirmer',
    confirmedTitle: 'Inscription confirmée',
    confirmedBody:
      'Merci. Vous pouvez modifier vos choix à tout moment grâce au lien présent dans chaque e-mail.',
    unsubscribeTitle: 'Désinscription',
    unsubscribeBody: 'Appuyez sur le bouton pour ne plus recevoir :',
    unsubscribeSubmit: 'Me désinscrire',
    everything: 'Tous les e-mails que nous vous envoyons',
    unsubscribedTitle: 'Vous êtes désinscrit(e)',
    unsubscribedBody: 'Vous ne recevrez plus ces e-mails.',
    preferencesTitle: 'Vos préférences e-mail',
    preferencesIntro:
      'Cochez ce que vous souhaitez continuer à recevoir. Décocher arrête immédiatement.',
    preferencesSubmit: 'Enregistrer mes choix',
    preferencesSaved: 'Vos choix sont enregistrés.',
    unsubscribeAll: 'Me désinscrire de tout',
    trackingLabel: "M'autoriser à mesurer l'ouverture et les clics de vos e-mails",
    errorTitle: 'Une erreur est survenue',
    privacyLink: 'Politique de confidentialité',
  },
};

export function messagesFor(
  locale: Locale,
  overrides?: Partial<Record<Locale, Partial<PageMessages>>>,
): PageMessages {
  return { ...DEFAULT_MESSAGES[locale], ...overrides?.[locale] };
}
