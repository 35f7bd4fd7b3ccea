import { fillPlaceholders, formatMailDate, renderButtonMail } from '../templates/button-mail.js';
import type { RenderedMail } from '../templates/confirmation-template.js';
import type { DsarType } from './dsar-request.js';

/** What one request type asks for, and what confirming it will do, in one locale. */
interface TypeWords {
  /** "a copy of your data", used in the subject and the intro. */
  what: string;
  /** What happens once the person confirms; for an erasure, that it cannot be undone. */
  outcome: string;
  action: string;
}

interface DsarMailWords {
  verifySubject: string;
  verifyHeading: string;
  verifyIntro: string;
  ignore: string;
  types: Record<DsarType, TypeWords>;
  readySubject: string;
  readyHeading: string;
  readyIntro: string;
  readyNote: string;
  readyAction: string;
  extendedSubject: string;
  extendedIntro: string;
  extendedWhy: string;
  refusedSubject: string;
  refusedIntro: string;
  refusedWhy: string;
  /** `{authority}`: the supervisory authority's name (and address), when the config names one. */
  complainTo: string;
  complainAnywhere: string;
  privacy: string;
}

/** `{controller}`, `{what}` and `{expires}` are filled in; every word is escaped in the HTML. */
const WORDS: Record<'en' | 'fr', DsarMailWords> = {
  en: {
    verifySubject: '{controller}: confirm your request for {what}',
    verifyHeading: 'Confirm your request for {what}',
    verifyIntro:
      'We received a request for {what}, about the personal data {controller} holds on this address.',
    ignore:
      'If you did not make this request, ignore this email: nothing will happen. This link works until {expires}.',
    types: {
      access: {
        what: 'a copy of your data',
        outcome:
          'Once you confirm, we email you a link to download a copy of your data. That link works once.',
        action: 'Confirm my request for a copy',
      },
      portability: {
        what: 'a copy of your data in a portable format',
        outcome:
          'Once you confirm, we email you a link to download your data as a JSON file any program can read. That link works once.',
        action: 'Confirm my request for a copy',
      },
      erasure: {
        what: 'the erasure of your data',
        outcome:
          'Once you confirm, your data will be erased and cannot be recovered. We keep only a one-way fingerprint of your address so that we never email you again.',
        action: 'Confirm the erasure of my data',
      },
      rectification: {
        what: 'the correction of your data',
        outcome: 'Once you confirm, we correct your data as you asked.',
        action: 'Confirm my correction request',
      },
      restriction: {
        what: 'a restriction of the use of your data',
        outcome:
          'Once you confirm, we only store your data and use it for nothing else until you are told otherwise.',
        action: 'Confirm my restriction request',
      },
      objection: {
        what: 'an end to marketing and profiling',
        outcome:
          'Once you confirm, you will receive no marketing from us any more and we stop profiling you.',
        action: 'Confirm my objection',
      },
    },
    readySubject: '{controller}: your data is ready to download',
    readyHeading: 'Your copy of your data is ready',
    readyIntro:
      'You asked {controller} for a copy of your personal data and confirmed the request. Your copy is ready.',
    readyNote:
      'The file is in JSON, readable by any program. This link works once, until {expires}.',
    readyAction: 'Download my data',
    extendedSubject: '{controller}: we need more time for your request for {what}',
    extendedIntro:
      'We received your request for {what} on {received}. We need more time to answer it: you will have our answer by {due} at the latest.',
    extendedWhy: 'Why we need more time: {reason}',
    refusedSubject: '{controller}: our answer to your request for {what}',
    refusedIntro:
      'We received your request for {what} on {received}. We are not acting on it, for these reasons: {reason}',
    refusedWhy: 'If you disagree, you can reply to this email, make a new request, or go to court.',
    complainTo: 'You also have the right to lodge a complaint with {authority}.',
    complainAnywhere:
      'You also have the right to lodge a complaint with a data protection authority, in particular in the country where you live or work, or where you think your rights were infringed.',
    privacy: 'How we handle your data:',
  },
  fr: {
    verifySubject: '{controller} : confirmez votre demande ({what})',
    verifyHeading: 'Confirmez votre demande ({what})',
    verifyIntro:
      'Nous avons reçu une demande ({what}) concernant les données personnelles que {controller} détient sur cette adresse.',
    ignore:
      'Si vous n’êtes pas l’auteur de cette demande, ignorez ce message : rien ne se passera. Ce lien fonctionne jusqu’au {expires}.',
    types: {
      access: {
        what: 'copie de vos données',
        outcome:
          'Dès votre confirmation, nous vous envoyons un lien pour télécharger une copie de vos données. Ce lien ne fonctionne qu’une fois.',
        action: 'Confirmer ma demande de copie',
      },
      portability: {
        what: 'copie de vos données dans un format portable',
        outcome:
          'Dès votre confirmation, nous vous envoyons un lien pour télécharger vos données dans un fichier JSON lisible par tout programme. Ce lien ne fonctionne qu’une fois.',
        action: 'Confirmer ma demande de copie',
      },
      erasure: {
        what: 'effacement de vos données',
        outcome:
          'Dès votre confirmation, vos données seront effacées et ne pourront pas être récupérées. Nous gardons seulement une empreinte irréversible de votre adresse pour ne plus jamais vous écrire.',
        action: 'Confirmer l’effacement de mes données',
      },
      rectification: {
        what: 'rectification de vos données',
        outcome: 'Dès votre confirmation, nous corrigeons vos données comme vous l’avez demandé.',
        action: 'Confirmer ma demande de rectification',
      },
      restriction: {
        what: 'limitation de l’utilisation de vos données',
        outcome:
          'Dès votre confirmation, nous ne faisons plus que conserver vos données, sans autre usage, jusqu’à nouvel avis.',
        action: 'Confirmer ma demande de limitation',
      },
      objection: {
        what: 'opposition à la prospection et au profilage',
        outcome:
          'Dès votre confirmation, vous ne recevrez plus de prospection de notre part et nous cessons tout profilage.',
        action: 'Confirmer mon opposition',
      },
    },
    readySubject: '{controller} : vos données sont prêtes à être téléchargées',
    readyHeading: 'La copie de vos données est prête',
    readyIntro:
      'Vous avez demandé à {controller} une copie de vos données personnelles et confirmé cette demande. Votre copie est prête.',
    readyNote:
      'Le fichier est au format JSON, lisible par tout programme. Ce lien ne fonctionne qu’une fois, jusqu’au {expires}.',
    readyAction: 'Télécharger mes données',
    extendedSubject:
      '{controller} : nous avons besoin de plus de temps pour votre demande ({what})',
    extendedIntro:
      'Nous avons reçu votre demande ({what}) le {received}. Il nous faut plus de temps pour y répondre : vous aurez notre réponse au plus tard le {due}.',
    extendedWhy: 'Pourquoi il nous faut plus de temps : {reason}',
    refusedSubject: '{controller} : notre réponse à votre demande ({what})',
    refusedIntro:
      'Nous avons reçu votre demande ({what}) le {received}. Nous n’y donnons pas suite, pour ces raisons : {reason}',
    refusedWhy:
      'Si vous n’êtes pas d’accord, vous pouvez répondre à ce message, faire une nouvelle demande ou saisir la justice.',
    complainTo: 'Vous avez aussi le droit d’introduire une réclamation auprès de {authority}.',
    complainAnywhere:
      'Vous avez aussi le droit d’introduire une réclamation auprès d’une autorité de protection des données, notamment dans le pays où vous vivez ou travaillez, ou dans celui où vous pensez que vos droits ont été enfreints.',
    privacy: 'Comment nous traitons vos données :',
  },
};

/** French for a person whose language is French, English for everyone else. */
function mailLocale(language: string | undefined): 'en' | 'fr' {
  return language?.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

/** A verification link lives a day: the hour matters, so it is written, in UTC. */
function formatExpiry(date: Date, locale: string): string {
  const text = new Intl.DateTimeFormat(locale, {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(date);
  return `${text} UTC`;
}

export interface DsarMailOptions {
  to: string;
  url: string;
  /** The request being confirmed (verify) or served (ready): the mail names it. */
  type: DsarType;
  /** When the link stops working, written into the mail in the person's language. */
  expiresAt: Date;
  controllerName: string;
  privacyUrl?: string | undefined;
  language?: string;
}

/**
 * Plain, link-only mails: no tracking, nothing but the action the person asked
 * for. Each one says which request it is about and what confirming will do,
 * so nobody erases their data without being told it cannot be undone.
 */
export function dsarMail(kind: 'verify' | 'ready', options: DsarMailOptions): RenderedMail {
  const locale = mailLocale(options.language);
  const w = WORDS[locale];
  const type = w.types[options.type];
  const values: Record<string, string> = {
    controller: options.controllerName,
    what: type.what,
    expires: formatExpiry(options.expiresAt, locale),
  };
  const fill = (text: string) => fillPlaceholders(text, values);
  const content =
    kind === 'verify'
      ? renderButtonMail({
          locale,
          subject: fill(w.verifySubject),
          heading: fill(w.verifyHeading),
          intro: fill(w.verifyIntro),
          items: [],
          lead: [type.outcome],
          action: type.action,
          url: options.url,
          notes: [fill(w.ignore)],
          ...(options.privacyUrl ? { privacy: { label: w.privacy, url: options.privacyUrl } } : {}),
          controllerName: options.controllerName,
        })
      : renderButtonMail({
          locale,
          subject: fill(w.readySubject),
          heading: fill(w.readyHeading),
          intro: fill(w.readyIntro),
          items: [],
          action: w.readyAction,
          url: options.url,
          notes: [fill(w.readyNote)],
          ...(options.privacyUrl ? { privacy: { label: w.privacy, url: options.privacyUrl } } : {}),
          controllerName: options.controllerName,
        });
  return { to: options.to, ...content };
}

export interface DsarNoticeOptions {
  to: string;
  type: DsarType;
  receivedAt: Date;
  /** The extended deadline (an extension's notice). */
  dueAt?: Date;
  /** The controller's reasons, written by the person who decided. */
  reason: string;
  controllerName: string;
  privacyUrl?: string | undefined;
  supervisoryAuthority?: { name: string; url?: string | undefined } | undefined;
  language?: string;
}

/**
 * What Art. 12 says the person must be told without a button to press: an extension with its
 * reasons (12(3)), or a refusal with its reasons and the right to complain and go to court
 * (12(4)). Plain and link-free but for the privacy notice.
 */
export function dsarNoticeMail(
  kind: 'extended' | 'refused',
  options: DsarNoticeOptions,
): RenderedMail {
  const locale = mailLocale(options.language);
  const w = WORDS[locale];
  const authority = options.supervisoryAuthority;
  const values: Record<string, string> = {
    controller: options.controllerName,
    what: w.types[options.type].what,
    received: formatMailDate(options.receivedAt, locale),
    due: options.dueAt ? formatMailDate(options.dueAt, locale) : '',
    reason: options.reason.trim(),
    authority: authority ? `${authority.name}${authority.url ? ` (${authority.url})` : ''}` : '',
  };
  // One pass over the template: a reason that happens to contain `{due}` stays as written.
  const fill = (text: string) => fillPlaceholders(text, values);
  const privacy = options.privacyUrl
    ? { privacy: { label: w.privacy, url: options.privacyUrl } }
    : {};
  const content =
    kind === 'extended'
      ? renderButtonMail({
          locale,
          subject: fill(w.extendedSubject),
          intro: fill(w.extendedIntro),
          items: [],
          notes: [fill(w.extendedWhy)],
          ...privacy,
          controllerName: options.controllerName,
        })
      : renderButtonMail({
          locale,
          subject: fill(w.refusedSubject),
          intro: fill(w.refusedIntro),
          items: [],
          notes: [fill(w.refusedWhy), fill(authority ? w.complainTo : w.complainAnywhere)],
          ...privacy,
          controllerName: options.controllerName,
        });
  return { to: options.to, ...content };
}
