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
  /** The link to the privacy notice on the forms that collect an address. */
  privacyNoticeLink: string;
  /** The signup answer when no box was ticked: nothing is recorded, nothing is mailed. */
  nothingTickedTitle: string;
  nothingTickedBody: string;
  backToForm: string;
  /** A confirmation link opened again after it did its work: not an error for the person. */
  linkUsedTitle: string;
  linkUsedBody: string;
  backToSite: string;
  /** The plain words above a form sent back with what was typed (the code stays in JSON). */
  formErrorInvalidEmail: string;
  formErrorIncomplete: string;
  formErrorNoticeChanged: string;
  formErrorTooMany: string;
  formErrorExpired: string;
  formErrorOther: string;
  /**
   * The error pages: a title and plain words on what to do next, per kind of
   * problem (see `errorPageWords`). The stable code stays out of sight.
   */
  errorExpiredTitle: string;
  errorExpiredBody: string;
  errorBadLinkTitle: string;
  errorBadLinkBody: string;
  errorUsedLinkBody: string;
  errorNotFoundTitle: string;
  errorNotFoundBody: string;
  errorTooManyTitle: string;
  errorCrossSiteTitle: string;
  errorCrossSiteBody: string;
  errorClosedTitle: string;
  errorClosedBody: string;
  errorUnavailableTitle: string;
  errorUnavailableBody: string;
  errorOtherBody: string;
}

export const DEFAULT_MESSAGES: Record<Locale, PageMessages> = {
  en: {
    signupTitle: 'Sign up',
    signupIntro: 'Choose what you want to receive. Every box is optional.',
    emailLabel: 'Email address',
    purposesLegend: 'What may we send you?',
    noticeVersion: 'Notice version',
    signupSubmit: 'Sign up',
    signupNoneRequired: 'If you tick no box, we record nothing and send you nothing.',
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
    privacyNoticeLink: 'How we use your personal data (privacy policy)',
    nothingTickedTitle: 'Nothing was recorded',
    nothingTickedBody:
      'You did not tick any box, so nothing was recorded and no message is sent. To receive our emails, go back to the form and tick what you want.',
    backToForm: 'Back to the form',
    linkUsedTitle: 'This link was already used',
    linkUsedBody:
      'This confirmation link works once, and it has already been used: there is nothing more to do here. To change your choices later, use the link at the bottom of any email we send you.',
    backToSite: 'Back to the website',
    formErrorInvalidEmail:
      'This email address does not look right. Check it and send the form again.',
    formErrorIncomplete:
      'Something in the form is missing or not valid. Check it and send it again.',
    formErrorNoticeChanged:
      'The texts on this form changed while you had it open. Read them again below, then send the form again.',
    formErrorTooMany: 'Too many attempts from here. Wait a few minutes, then send the form again.',
    formErrorExpired:
      'This form expired or was sent from another site. Fill it in again below and send it.',
    formErrorOther: 'We could not take this form. Check it and send it again.',
    errorExpiredTitle: 'This link has expired',
    errorExpiredBody:
      'The links in our emails work for a limited time, and this one is past it. Nothing was changed. Start again from the website: a new email with a fresh link will follow.',
    errorBadLinkTitle: 'This link does not work',
    errorBadLinkBody:
      'The link may have been cut or changed when it was copied. Nothing was changed. Open the email again and use its button or its whole link.',
    errorUsedLinkBody:
      'This link works once, and it has already been used. Nothing more was changed. If you still need something, start again from the website.',
    errorNotFoundTitle: 'Page not found',
    errorNotFoundBody:
      'There is nothing at this address. Check the link, or go back to the website.',
    errorTooManyTitle: 'Too many attempts',
    errorCrossSiteTitle: 'Open the link from your email',
    errorCrossSiteBody:
      'For your safety, this page only takes choices made on it, from the link in your email. Nothing was changed. Open that link again and make your choice there.',
    errorClosedTitle: 'This request is no longer open',
    errorClosedBody:
      'It was already dealt with, or it no longer exists. Nothing was changed. To ask again, send a new request from the website.',
    errorUnavailableTitle: 'The service is not available right now',
    errorUnavailableBody:
      'Our service had a problem on its side and nothing was changed. Wait a few minutes, then try again.',
    errorOtherBody:
      'We could not do this and nothing was changed. Try again from the link in your email, or go back to the website.',
  },
  fr: {
    signupTitle: 'Inscription',
    signupIntro: 'Choisissez ce que vous souhaitez recevoir. Chaque case est facultative.',
    emailLabel: 'Adresse e-mail',
    purposesLegend: 'Que pouvons-nous vous envoyer ?',
    noticeVersion: 'Version de la mention',
    signupSubmit: "M'inscrire",
    signupNoneRequired:
      'Si vous ne cochez aucune case, nous n’enregistrons rien et ne vous envoyons rien.',
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
    privacyNoticeLink:
      'Comment nous utilisons vos données personnelles (politique de confidentialité)',
    nothingTickedTitle: 'Rien n’a été enregistré',
    nothingTickedBody:
      'Vous n’avez coché aucune case : rien n’a été enregistré et aucun message n’est envoyé. Pour recevoir nos e-mails, revenez au formulaire et cochez ce que vous souhaitez.',
    backToForm: 'Retour au formulaire',
    linkUsedTitle: 'Ce lien a déjà été utilisé',
    linkUsedBody:
      'Ce lien de confirmation ne fonctionne qu’une fois et il a déjà servi : il n’y a plus rien à faire ici. Pour modifier vos choix plus tard, utilisez le lien en bas de chacun de nos e-mails.',
    backToSite: 'Retour au site',
    formErrorInvalidEmail:
      'Cette adresse e-mail ne semble pas correcte. Vérifiez-la et renvoyez le formulaire.',
    formErrorIncomplete:
      'Un élément du formulaire manque ou n’est pas valide. Vérifiez-le et renvoyez-le.',
    formErrorNoticeChanged:
      'Les textes de ce formulaire ont changé pendant que vous l’aviez ouvert. Relisez-les ci-dessous, puis renvoyez le formulaire.',
    formErrorTooMany:
      'Trop de tentatives depuis cet endroit. Patientez quelques minutes, puis renvoyez le formulaire.',
    formErrorExpired:
      'Ce formulaire a expiré ou a été envoyé depuis un autre site. Remplissez-le à nouveau ci-dessous et envoyez-le.',
    formErrorOther:
      'Nous n’avons pas pu prendre en compte ce formulaire. Vérifiez-le et renvoyez-le.',
    errorExpiredTitle: 'Ce lien a expiré',
    errorExpiredBody:
      'Les liens de nos e-mails fonctionnent pendant un temps limité, et celui-ci l’a dépassé. Rien n’a été modifié. Recommencez depuis le site : un nouvel e-mail avec un lien neuf suivra.',
    errorBadLinkTitle: 'Ce lien ne fonctionne pas',
    errorBadLinkBody:
      'Le lien a peut-être été coupé ou modifié lors d’un copier-coller. Rien n’a été modifié. Rouvrez l’e-mail et utilisez son bouton ou son lien complet.',
    errorUsedLinkBody:
      'Ce lien ne fonctionne qu’une fois et il a déjà servi. Rien d’autre n’a été modifié. S’il vous faut encore quelque chose, recommencez depuis le site.',
    errorNotFoundTitle: 'Page introuvable',
    errorNotFoundBody: 'Il n’y a rien à cette adresse. Vérifiez le lien ou revenez au site.',
    errorTooManyTitle: 'Trop de tentatives',
    errorCrossSiteTitle: 'Ouvrez le lien de votre e-mail',
    errorCrossSiteBody:
      'Pour votre sécurité, cette page ne prend en compte que les choix faits sur elle, depuis le lien de votre e-mail. Rien n’a été modifié. Rouvrez ce lien et faites votre choix sur la page.',
    errorClosedTitle: 'Cette demande n’est plus ouverte',
    errorClosedBody:
      'Elle a déjà été traitée ou n’existe plus. Rien n’a été modifié. Pour demander à nouveau, envoyez une nouvelle demande depuis le site.',
    errorUnavailableTitle: 'Le service est momentanément indisponible',
    errorUnavailableBody:
      'Notre service a rencontré un problème de son côté et rien n’a été modifié. Patientez quelques minutes, puis réessayez.',
    errorOtherBody:
      'Nous n’avons pas pu faire cela et rien n’a été modifié. Réessayez depuis le lien de votre e-mail ou revenez au site.',
  },
};

/** The plain words for a problem with a form the person sent (never the raw code). */
export function formErrorMessage(messages: PageMessages, code: string): string {
  switch (code) {
    case 'INVALID_EMAIL':
      return messages.formErrorInvalidEmail;
    case 'VALIDATION_FAILED':
    case 'UNKNOWN_PURPOSE':
      return messages.formErrorIncomplete;
    case 'NOTICE_VERSION_MISMATCH':
      return messages.formErrorNoticeChanged;
    case 'RATE_LIMITED':
      return messages.formErrorTooMany;
    case 'CSRF_FAILED':
      return messages.formErrorExpired;
    default:
      return messages.formErrorOther;
  }
}

/**
 * The title and plain words of an error page for a problem's code: what
 * happened and what to do now, never the code itself (issue #21).
 */
export function errorPageWords(
  messages: PageMessages,
  code: string,
  status: number,
): { title: string; body: string } {
  const pick = (title: keyof PageMessages, body: keyof PageMessages) => ({
    title: messages[title],
    body: messages[body],
  });
  switch (code) {
    case 'TOKEN_EXPIRED':
      return pick('errorExpiredTitle', 'errorExpiredBody');
    case 'TOKEN_INVALID':
    case 'TOKEN_WRONG_TYPE':
      return pick('errorBadLinkTitle', 'errorBadLinkBody');
    case 'TOKEN_USED':
    case 'OPT_IN_NOT_PENDING':
      return pick('linkUsedTitle', 'errorUsedLinkBody');
    case 'NOT_FOUND':
    case 'METHOD_NOT_ALLOWED':
      return pick('errorNotFoundTitle', 'errorNotFoundBody');
    case 'RATE_LIMITED':
      return pick('errorTooManyTitle', 'formErrorTooMany');
    case 'CSRF_FAILED':
      return pick('errorCrossSiteTitle', 'errorCrossSiteBody');
    case 'SUBJECT_NOT_FOUND':
    case 'DSAR_NOT_FOUND':
    case 'DSAR_NOT_VERIFIED':
    case 'DSAR_CLOSED':
      return pick('errorClosedTitle', 'errorClosedBody');
    default:
      return status >= 500
        ? pick('errorUnavailableTitle', 'errorUnavailableBody')
        : pick('errorTitle', 'errorOtherBody');
  }
}

export function messagesFor(
  locale: Locale,
  overrides?: Partial<Record<Locale, Partial<PageMessages>>>,
): PageMessages {
  return { ...DEFAULT_MESSAGES[locale], ...overrides?.[locale] };
}
