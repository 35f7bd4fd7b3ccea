import { html } from '../html.js';
import type { PageContext } from './consent-pages.js';
import { fieldError, formError, privacyNoticeLink } from './consent-pages.js';
import { layout } from './layout.js';
import type { Locale } from './messages.js';

/** The strings of the data-request pages, per locale. */
export const DSAR_TEXT: Record<Locale, Record<string, string>> = {
  en: {
    title: 'Your personal data',
    intro:
      'Ask for a copy of your data, its erasure, a restriction, or object to our use of it. We will email a confirmation link to the address we hold.',
    email: 'Email address',
    type: 'Your request',
    access: 'A copy of my data',
    erasure: 'Erase my data',
    restriction: 'Restrict the use of my data',
    objection: 'Object to marketing and profiling',
    submit: 'Send my request',
    receivedTitle: 'Request received',
    receivedBody:
      'If we hold data about this address, a confirmation link is on its way to it. Your request starts once you follow it.',
    verifyTitle: 'Confirm your request',
    verifyBody: 'Press the button to confirm that you made this request.',
    verifySubmit: 'Confirm my request',
    readyTitle: 'Request confirmed',
    accessDone: 'A download link for your data is on its way to your address. It works once.',
    erasureDone:
      'Your data has been erased. We keep only a one-way fingerprint of your address so that we never email you again.',
    restrictionDone:
      'We now only store your data and use it for nothing else until you are told otherwise.',
    objectionDone: 'You will receive no marketing from us any more.',
    rectificationDone: 'We will correct your data as you asked and let you know once it is done.',
    erasurePending:
      'We have started erasing your data. Part of it could not be erased yet; we will finish and let you know.',
    downloadTitle: 'Download your data',
    downloadBody: 'The file is in JSON, readable by any program. This link works once.',
    downloadSubmit: 'Download',
  },
  fr: {
    title: 'Vos données personnelles',
    intro:
      "Demandez une copie de vos données, leur effacement, une limitation, ou opposez-vous à leur utilisation. Nous enverrons un lien de confirmation à l'adresse que nous détenons.",
    email: 'Adresse e-mail',
    type: 'Votre demande',
    access: 'Une copie de mes données',
    erasure: 'Effacer mes données',
    restriction: "Limiter l'utilisation de mes données",
    objection: 'Je m’oppose à la prospection et au profilage',
    submit: 'Envoyer ma demande',
    receivedTitle: 'Demande reçue',
    receivedBody:
      'Si nous détenons des données liées à cette adresse, un lien de confirmation lui a été envoyé. Votre demande commence quand vous le suivez.',
    verifyTitle: 'Confirmez votre demande',
    verifyBody: 'Appuyez sur le bouton pour confirmer que vous êtes l’auteur de cette demande.',
    verifySubmit: 'Confirmer ma demande',
    readyTitle: 'Demande confirmée',
    accessDone:
      'Un lien de téléchargement de vos données est en route vers votre adresse. Il ne fonctionne qu’une fois.',
    erasureDone:
      'Vos données ont été effacées. Nous gardons seulement une empreinte irréversible de votre adresse pour ne plus jamais vous écrire.',
    restrictionDone:
      'Nous ne faisons plus que conserver vos données, sans autre usage, jusqu’à nouvel avis.',
    objectionDone: 'Vous ne recevrez plus de prospection de notre part.',
    rectificationDone:
      'Nous corrigerons vos données comme vous l’avez demandé et vous préviendrons une fois la correction faite.',
    erasurePending:
      'Nous avons commencé à effacer vos données. Une partie n’a pas encore pu l’être ; nous terminerons et vous préviendrons.',
    downloadTitle: 'Télécharger vos données',
    downloadBody:
      'Le fichier est au format JSON, lisible par tout programme. Ce lien ne fonctionne qu’une fois.',
    downloadSubmit: 'Télécharger',
  },
};

export const DSAR_FORM_TYPES = ['access', 'erasure', 'restriction', 'objection'] as const;

export interface DsarFormView {
  action: string;
  csrfField: string;
  /** What the person typed and chose, when the form is sent back to them (escaped on output). */
  email?: string;
  type?: string;
  /** Plain words on what to fix, and the problem's code as an attribute only. */
  error?: string;
  errorCode?: string;
}

/** The layout with the privacy link in the footer, as the consent pages have it. */
function dsarLayout(ctx: PageContext, title: string, body: ReturnType<typeof html>): string {
  return layout({
    locale: ctx.locale,
    title,
    body,
    ...(ctx.privacyUrl
      ? { privacyUrl: ctx.privacyUrl, privacyLabel: ctx.messages.privacyLink }
      : {}),
  });
}

export function dsarFormPage(ctx: PageContext, view: DsarFormView): string {
  const t = DSAR_TEXT[ctx.locale];
  const chosen = DSAR_FORM_TYPES.find((type) => type === view.type) ?? DSAR_FORM_TYPES[0];
  return dsarLayout(
    ctx,
    t.title!,
    html`${formError(view.error, view.errorCode)}
<p>${t.intro}</p>
<form method="post" action="${view.action}">
<input type="hidden" name="_csrf" value="${view.csrfField}">
<label for="email">${t.email}</label>
<input type="email" id="email" name="email" required autocomplete="email" value="${view.email ?? ''}"${fieldError('email', view.error, view.errorCode)}>
<fieldset>
<legend>${t.type}</legend>
${DSAR_FORM_TYPES.map((type) => html`<label><input type="radio" name="type" value="${type}"${type === chosen ? html` checked` : ''}> ${t[type]}</label>`)}
</fieldset>
${privacyNoticeLink(ctx)}
<button type="submit">${t.submit}</button>
</form>`,
  );
}

/** A page with one POST button: what a GET of a mailed link shows (scanners prefetch links). */
export function dsarActionPage(
  ctx: PageContext,
  view: { title: string; body: string; action: string; submit: string; token: string },
): string {
  return dsarLayout(
    ctx,
    view.title,
    html`<p>${view.body}</p>
<form method="post" action="${view.action}">
<input type="hidden" name="token" value="${view.token}">
<button type="submit">${view.submit}</button>
</form>`,
  );
}
