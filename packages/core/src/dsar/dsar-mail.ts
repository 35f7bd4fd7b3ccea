import { escapeHtml } from '../http/html.js';
import type { RenderedMail } from '../templates/confirmation-template.js';

const TEXT = {
  en: {
    verifySubject: (c: string) => `${c}: confirm your request about your data`,
    verifyBody:
      'We received a request about the personal data we hold on this address. If you made it, confirm it with this link (it expires soon). If not, ignore this email: nothing will happen.',
    verifyButton: 'Confirm my request',
    readySubject: (c: string) => `${c}: your data is ready`,
    readyBody: 'The copy of your data is ready. This link works once and expires soon.',
    readyButton: 'Download my data',
  },
  fr: {
    verifySubject: (c: string) => `${c} : confirmez votre demande concernant vos données`,
    verifyBody:
      "Nous avons reçu une demande concernant les données personnelles liées à cette adresse. Si vous en êtes l'auteur, confirmez-la avec ce lien (il expire bientôt). Sinon, ignorez ce message : rien ne se passera.",
    verifyButton: 'Confirmer ma demande',
    readySubject: (c: string) => `${c} : vos données sont prêtes`,
    readyBody:
      'La copie de vos données est prête. Ce lien ne fonctionne qu’une fois et expire bientôt.',
    readyButton: 'Télécharger mes données',
  },
};

/** Plain, link-only mails: no tracking, nothing but the action the person asked for. */
export function dsarMail(
  kind: 'verify' | 'ready',
  options: { to: string; url: string; controllerName: string; language?: string },
): RenderedMail {
  const t = options.language === 'fr' ? TEXT.fr : TEXT.en;
  const subject =
    kind === 'verify'
      ? t.verifySubject(options.controllerName)
      : t.readySubject(options.controllerName);
  const body = kind === 'verify' ? t.verifyBody : t.readyBody;
  const button = kind === 'verify' ? t.verifyButton : t.readyButton;
  return {
    to: options.to,
    subject,
    text: `${body}\n\n${button}: ${options.url}\n`,
    html: `<p>${escapeHtml(body)}</p><p><a href="${escapeHtml(options.url)}">${escapeHtml(button)}</a></p>`,
  };
}
