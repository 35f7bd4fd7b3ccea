/** The console's languages: English and French (the seeds' language). */
export const CONSOLE_LOCALES = ['en', 'fr'] as const;
export type ConsoleLocale = (typeof CONSOLE_LOCALES)[number];

/** Every word the console shows, per language. */
export interface ConsoleMessages {
  console: string;
  nav: {
    requests: string;
    person: string;
    breaches: string;
    retention: string;
    records: string;
    audit: string;
  };
  skip: string;
  openRequests: string;
  type: string;
  status: string;
  received: string;
  deadline: string;
  daysLeft: string;
  overdue: string;
  none: string;
  next: string;
  first: string;
  request: string;
  steps: string;
  when: string;
  action: string;
  actor: string;
  detail: string;
  extend: string;
  extendReason: string;
  extendHelp: string;
  extended: string;
  exportJson: string;
  erase: string;
  eraseHelp: (code: string) => string;
  eraseConfirm: string;
  eraseDone: string;
  eraseMismatch: string;
  eraseNotErasure: (type: string) => string;
  /** Answering a request: marking it answered, refusing it, the download link, rectifying, lifting a restriction. */
  complete: string;
  completeHelp: string;
  completeNotVerified: string;
  reject: string;
  rejectHelp: string;
  rejectReason: string;
  rejectNotify: string;
  extendNotify: string;
  extendMailRefused: string;
  extendMailFailed: string;
  extendNoAddress: string;
  rejectMailRefused: string;
  rejectMailFailed: string;
  rejectNoAddress: string;
  sendLink: string;
  sendLinkHelp: string;
  sendLinkDone: string;
  sendLinkNotExport: (type: string) => string;
  sendLinkMailRefused: string;
  sendLinkMailFailed: string;
  rectify: string;
  rectifyHelp: string;
  rectifyName: string;
  rectifyPhone: string;
  rectifyCountry: string;
  rectifyEmpty: string;
  rectifyNotRectification: (type: string) => string;
  liftRestriction: string;
  liftHelp: string;
  liftHow: string;
  liftToldAt: string;
  liftBadDate: string;
  liftNotRestricted: string;
  sources: string;
  lookup: string;
  lookupHelp: string;
  address: string;
  find: string;
  notFound: string;
  person: string;
  personId: string;
  created: string;
  decisions: string;
  purpose: string;
  decision: string;
  reason: string;
  allowed: string;
  denied: string;
  suppression: string;
  notSuppressed: string;
  ledger: string;
  method: string;
  source: string;
  notice: string;
  hash: string;
  ip: string;
  deliveries: string;
  personRequests: string;
  moreRequests: (shown: number) => string;
  proof: string;
  proofPrint: string;
  proofJson: string;
  proofTitle: string;
  noticeShown: string;
  chainIntact: string;
  chainBroken: string;
  adminExport: string;
  breaches: string;
  breach: string;
  recordBreach: string;
  title: string;
  awareAt: string;
  notifyBy: string;
  clock: string;
  hoursLeft: (hours: number) => string;
  hoursLate: (hours: number) => string;
  risk: string;
  description: string;
  subjectCategories: string;
  approxSubjects: string;
  recordCategories: string;
  approxRecords: string;
  consequences: string;
  measures: string;
  encrypted: string;
  commaSeparated: string;
  record: string;
  phases: string;
  notifyAuthority: string;
  reference: string;
  delayReason: string;
  notifySubjects: string;
  close: string;
  note: string;
  authorityNotified: string;
  subjectsNotified: string;
  closed: string;
  open: string;
  retention: string;
  planHelp: string;
  scanned: string;
  due: string;
  count: string;
  held: string;
  runSweep: string;
  sweepDone: string;
  sweepRunning: string;
  sweepFailed: string;
  noSweep: string;
  planRunning: string;
  /** The link that loads a running plan's or sweep's page again (no page reloads itself: WCAG 2.2.1). */
  checkAgain: string;
  planFailed: string;
  recomputePlan: string;
  deleted: string;
  anonymised: string;
  archived: string;
  failed: string;
  batches: string;
  records: string;
  processing: string;
  lawfulBasis: string;
  processors: string;
  name: string;
  role: string;
  country: string;
  safeguard: string;
  /** The record's columns of personal data categories and recipients, and a third-country mark. */
  data: string;
  recipients: string;
  thirdCountry: string;
  download: string;
  audit: string;
  verify: string;
  auditOk: (checked: number) => string;
  auditBroken: (seq: number, reason: string) => string;
  forbidden: string;
  csrf: string;
  error: string;
  /** An address under the console that no page serves, or a method it does not take. */
  pageNotFound: string;
  methodNotAllowed: string;
  formTooLarge: string;
  yes: string;
  no: string;
}

const en: ConsoleMessages = {
  console: 'Privacy console',
  nav: {
    requests: 'Requests',
    person: 'Person',
    breaches: 'Breaches',
    retention: 'Retention',
    records: 'Records',
    audit: 'Audit',
  },
  skip: 'Skip to content',
  openRequests: 'Open requests by deadline',
  type: 'Type',
  status: 'Status',
  received: 'Received',
  deadline: 'Deadline',
  daysLeft: 'Days left',
  overdue: 'Overdue',
  none: 'Nothing here.',
  next: 'Next page',
  first: 'First page',
  request: 'Request',
  steps: 'Steps and audit trail',
  when: 'When',
  action: 'Action',
  actor: 'Actor',
  detail: 'Detail',
  extend: 'Extend the deadline by two months',
  extendReason: 'Reasons (told to the person, Art. 12(3))',
  extendHelp:
    'Allowed once, decided and told to the person within one month of receipt, with the reasons (Art. 12(3)).',
  extended: 'Extended',
  exportJson: 'Download the export (JSON)',
  erase: 'Erase',
  eraseHelp: (code) => `Erasure cannot be undone. Type ${code} to confirm.`,
  eraseConfirm: 'Confirmation',
  eraseDone: 'Erased. Certificate:',
  eraseMismatch: 'The confirmation does not match: nothing was erased.',
  eraseNotErasure: (type) =>
    `This is a request of type ${type}, not an erasure request: nothing was erased.`,
  complete: 'Mark as answered',
  completeHelp:
    'Once the person has everything they asked for (for example a copy sent by post), close the request as answered.',
  completeNotVerified:
    'The person has not confirmed this request yet: it cannot be marked answered. Refuse it, or wait for the confirmation.',
  reject: 'Refuse the request',
  rejectHelp:
    'Closes the request. The person must be told the reasons and that they may complain to the supervisory authority and seek a judicial remedy (Art. 12(4)).',
  rejectReason: 'Reasons for the refusal',
  rejectNotify: 'Email the reasons and the right to complain to the person',
  extendNotify: 'Email the new deadline and the reasons to the person',
  extendMailRefused:
    'Not extended: the mailer refuses this address (it bounced or complained). Tell the person the new deadline and the reasons another way, then untick the email box and extend again.',
  extendMailFailed:
    'Not extended: the email could not be sent. Try again later, or tell the person another way, untick the email box and extend again.',
  extendNoAddress:
    'Not extended: the person is no longer on record, so there is no address to email. Tell them another way, untick the email box and extend again.',
  rejectMailRefused:
    'Nothing was refused: the mailer refuses this address (it bounced or complained). Tell the person the reasons and their right to complain another way, then untick the email box and refuse again.',
  rejectMailFailed:
    'Nothing was refused: the email could not be sent. Try again later, or tell the person another way, untick the email box and refuse again.',
  rejectNoAddress:
    'Nothing was refused: the person is no longer on record, so there is no address to email. Tell them another way, untick the email box and refuse again.',
  sendLink: 'Email the download link',
  sendLinkHelp:
    'Emails the person a single-use link to download their data, which expires. A full download answers the request.',
  sendLinkDone: 'Download link sent to the person.',
  sendLinkNotExport: (type) =>
    `This is a request of type ${type}: only access and portability requests get a download link. Nothing was sent.`,
  sendLinkMailRefused:
    'The link was not sent: the mailer refuses this address (it bounced or complained). Answer another way (by post, for example), then mark the request answered.',
  sendLinkMailFailed: 'The link was not sent: the email could not be sent. Try again later.',
  rectify: 'Rectify',
  rectifyHelp: 'Type the corrected values only: a field left empty keeps its value.',
  rectifyName: 'Name',
  rectifyPhone: 'Phone number',
  rectifyCountry: 'Country (two letters, e.g. FR)',
  rectifyEmpty: 'Change at least one field: nothing was changed.',
  rectifyNotRectification: (type) =>
    `This is a request of type ${type}, not a rectification request: nothing was changed.`,
  liftRestriction: 'Lift the restriction',
  liftHelp:
    'Tell the person before the restriction is lifted (Art. 18(3)), then record when and how they were told.',
  liftHow: 'How the person was told (e.g. email, letter)',
  liftToldAt: 'Day the person was told (UTC)',
  liftBadDate: 'Give the day the person was told, as a date that is not in the future.',
  liftNotRestricted:
    'This request has no restriction in force (never applied, or lifted already): nothing was lifted.',
  sources: 'Sources',
  lookup: 'Find a person',
  lookupHelp:
    'The address is sent in the form, never in the URL; the page of the person has a pseudonymous id.',
  address: 'Email address',
  find: 'Find',
  notFound: 'No one is on record with this address.',
  person: 'Person',
  personId: 'Pseudonymous id',
  created: 'On record since',
  decisions: 'Send decision per purpose',
  purpose: 'Purpose',
  decision: 'Decision',
  reason: 'Reason',
  allowed: 'may be sent',
  denied: 'may not be sent',
  suppression: 'Suppression',
  notSuppressed: 'Not suppressed',
  ledger: 'Consent ledger',
  method: 'Method',
  source: 'Source',
  notice: 'Notice version',
  hash: 'Hash',
  ip: 'IP',
  deliveries: 'Deliveries',
  personRequests: 'Requests (every status)',
  moreRequests: (shown) => `The first ${shown} by deadline are shown.`,
  proof: 'Proof of consent',
  proofPrint: 'Printable proof',
  proofJson: 'Signed JSON',
  proofTitle: 'Proof of consent (Art. 7(1) GDPR)',
  noticeShown: 'Notice text as shown',
  chainIntact: 'The ledger chain is intact.',
  chainBroken: 'The ledger chain is broken.',
  adminExport: 'Export this person (JSON)',
  breaches: 'Breach register',
  breach: 'Breach',
  recordBreach: 'Record a breach',
  title: 'Title',
  awareAt: 'Aware since (UTC)',
  notifyBy: 'Notify the authority by',
  clock: '72-hour clock',
  hoursLeft: (hours) => `${hours} h left`,
  hoursLate: (hours) => `${hours} h late`,
  risk: 'Risk',
  description: 'What happened',
  subjectCategories: 'Categories of people',
  approxSubjects: 'Approximate number of people',
  recordCategories: 'Categories of records',
  approxRecords: 'Approximate number of records',
  consequences: 'Likely consequences',
  measures: 'Measures taken or proposed',
  encrypted: 'The data was unintelligible (encrypted): Art. 34(3)(a)',
  commaSeparated: 'separated by commas',
  record: 'Record',
  phases: 'Phases',
  notifyAuthority: 'Record the notification to the authority',
  reference: 'Authority reference',
  delayReason: 'Reason for the delay (required after 72 h)',
  notifySubjects: 'Record the communication to the people concerned',
  close: 'Close the incident',
  note: 'Note',
  authorityNotified: 'Authority notified',
  subjectsNotified: 'People notified',
  closed: 'closed',
  open: 'open',
  retention: 'Retention',
  planHelp: 'What the next sweep would do now (a dry run), and what legal holds keep.',
  scanned: 'Subjects scanned',
  due: 'Due',
  count: 'Count',
  held: 'Kept under a legal hold',
  runSweep: 'Run the sweep now',
  sweepDone: 'Sweep finished.',
  sweepRunning: 'Sweep running. The counts below are as of now: check again for newer ones.',
  sweepFailed:
    'The sweep stopped on an error. The batches already swept stay swept; run it again to finish.',
  noSweep: 'No sweep has been started from this console since the app started.',
  planRunning: 'Computing the plan (it reads every person’s ledger). Check again in a few seconds.',
  checkAgain: 'Check again',
  planFailed: 'The plan could not be computed. Try again; if it keeps failing, check the store.',
  recomputePlan: 'Compute the plan again',
  deleted: 'Deleted',
  anonymised: 'Anonymised',
  archived: 'Archived',
  failed: 'Failed (left for the next sweep)',
  batches: 'Batches',
  records: 'Record of processing',
  processing: 'Processing activities (Art. 30)',
  lawfulBasis: 'Lawful basis',
  processors: 'Sub-processors',
  name: 'Name',
  role: 'Role',
  country: 'Country',
  safeguard: 'Transfer safeguard',
  data: 'Data',
  recipients: 'Recipients',
  thirdCountry: 'third country',
  download: 'Download',
  audit: 'Audit chain',
  verify: 'Verify the chain',
  auditOk: (checked) => `Intact: ${checked} entries checked.`,
  auditBroken: (seq, reason) => `Broken at entry ${seq} (${reason}).`,
  forbidden: 'You may not do this.',
  csrf: 'This form expired. Load the page again and resubmit.',
  error: 'The console could not do this.',
  pageNotFound: 'There is no console page at this address.',
  methodNotAllowed: 'This page does not accept that method.',
  formTooLarge: 'The form is too large.',
  yes: 'yes',
  no: 'no',
};

const fr: ConsoleMessages = {
  console: 'Console de confidentialité',
  nav: {
    requests: 'Demandes',
    person: 'Personne',
    breaches: 'Violations',
    retention: 'Conservation',
    records: 'Registre',
    audit: 'Journal',
  },
  skip: 'Aller au contenu',
  openRequests: 'Demandes ouvertes par échéance',
  type: 'Type',
  status: 'Statut',
  received: 'Reçue le',
  deadline: 'Échéance',
  daysLeft: 'Jours restants',
  overdue: 'En retard',
  none: 'Rien ici.',
  next: 'Page suivante',
  first: 'Première page',
  request: 'Demande',
  steps: 'Étapes et piste d’audit',
  when: 'Quand',
  action: 'Action',
  actor: 'Auteur',
  detail: 'Détail',
  extend: 'Prolonger l’échéance de deux mois',
  extendReason: 'Motifs (communiqués à la personne, art. 12(3))',
  extendHelp:
    'Une seule fois, décidée et annoncée à la personne dans le mois qui suit la réception, avec les motifs (art. 12(3)).',
  extended: 'Prolongée',
  exportJson: 'Télécharger l’export (JSON)',
  erase: 'Effacer',
  eraseHelp: (code) => `L’effacement est définitif. Tapez ${code} pour confirmer.`,
  eraseConfirm: 'Confirmation',
  eraseDone: 'Effacé. Certificat :',
  eraseMismatch: 'La confirmation ne correspond pas : rien n’a été effacé.',
  eraseNotErasure: (type) =>
    `Cette demande est de type ${type}, pas une demande d’effacement : rien n’a été effacé.`,
  complete: 'Marquer comme traitée',
  completeHelp:
    'Quand la personne a tout ce qu’elle a demandé (par exemple une copie envoyée par courrier), clore la demande comme traitée.',
  completeNotVerified:
    'La personne n’a pas encore confirmé cette demande : elle ne peut pas être marquée traitée. Refusez-la ou attendez la confirmation.',
  reject: 'Refuser la demande',
  rejectHelp:
    'Clôt la demande. La personne doit recevoir les motifs et savoir qu’elle peut saisir l’autorité de contrôle et former un recours juridictionnel (art. 12(4)).',
  rejectReason: 'Motifs du refus',
  rejectNotify: 'Envoyer à la personne les motifs et son droit de réclamation par e-mail',
  extendNotify: 'Envoyer à la personne la nouvelle échéance et les motifs par e-mail',
  extendMailRefused:
    'Rien n’a été prolongé : l’envoi refuse cette adresse (rebond ou plainte). Communiquez la nouvelle échéance et les motifs à la personne autrement, puis décochez l’envoi par e-mail et prolongez à nouveau.',
  extendMailFailed:
    'Rien n’a été prolongé : l’e-mail n’a pas pu partir. Réessayez plus tard, ou informez la personne autrement, décochez l’envoi par e-mail et prolongez à nouveau.',
  extendNoAddress:
    'Rien n’a été prolongé : la personne n’est plus enregistrée, il n’y a donc pas d’adresse à qui écrire. Informez-la autrement, décochez l’envoi par e-mail et prolongez à nouveau.',
  rejectMailRefused:
    'Rien n’a été refusé : l’envoi refuse cette adresse (rebond ou plainte). Communiquez les motifs et le droit de réclamation à la personne autrement, puis décochez l’envoi par e-mail et refusez à nouveau.',
  rejectMailFailed:
    'Rien n’a été refusé : l’e-mail n’a pas pu partir. Réessayez plus tard, ou informez la personne autrement, décochez l’envoi par e-mail et refusez à nouveau.',
  rejectNoAddress:
    'Rien n’a été refusé : la personne n’est plus enregistrée, il n’y a donc pas d’adresse à qui écrire. Informez-la autrement, décochez l’envoi par e-mail et refusez à nouveau.',
  sendLink: 'Envoyer le lien de téléchargement',
  sendLinkHelp:
    'Envoie à la personne un lien à usage unique, qui expire, pour télécharger ses données. Un téléchargement complet traite la demande.',
  sendLinkDone: 'Lien de téléchargement envoyé à la personne.',
  sendLinkNotExport: (type) =>
    `Cette demande est de type ${type} : seules les demandes d’accès et de portabilité reçoivent un lien de téléchargement. Rien n’a été envoyé.`,
  sendLinkMailRefused:
    'Le lien n’a pas été envoyé : l’envoi refuse cette adresse (rebond ou plainte). Répondez autrement (par courrier, par exemple), puis marquez la demande comme traitée.',
  sendLinkMailFailed:
    'Le lien n’a pas été envoyé : l’e-mail n’a pas pu partir. Réessayez plus tard.',
  rectify: 'Rectifier',
  rectifyHelp: 'Saisissez seulement les valeurs corrigées : un champ laissé vide garde sa valeur.',
  rectifyName: 'Nom',
  rectifyPhone: 'Numéro de téléphone',
  rectifyCountry: 'Pays (deux lettres, par ex. FR)',
  rectifyEmpty: 'Modifiez au moins un champ : rien n’a été modifié.',
  rectifyNotRectification: (type) =>
    `Cette demande est de type ${type}, pas une demande de rectification : rien n’a été modifié.`,
  liftRestriction: 'Lever la limitation',
  liftHelp:
    'Informez la personne avant de lever la limitation (art. 18(3)), puis indiquez quand et comment elle l’a été.',
  liftHow: 'Comment la personne a été informée (par ex. e-mail, courrier)',
  liftToldAt: 'Jour où la personne a été informée (UTC)',
  liftBadDate:
    'Indiquez le jour où la personne a été informée, une date qui n’est pas dans le futur.',
  liftNotRestricted:
    'Cette demande n’a pas de limitation en cours (jamais appliquée, ou déjà levée) : rien n’a été levé.',
  sources: 'Sources',
  lookup: 'Rechercher une personne',
  lookupHelp:
    'L’adresse part dans le formulaire, jamais dans l’URL ; la page de la personne porte un identifiant pseudonyme.',
  address: 'Adresse e-mail',
  find: 'Rechercher',
  notFound: 'Personne n’est enregistré avec cette adresse.',
  person: 'Personne',
  personId: 'Identifiant pseudonyme',
  created: 'Enregistrée depuis',
  decisions: 'Décision d’envoi par finalité',
  purpose: 'Finalité',
  decision: 'Décision',
  reason: 'Raison',
  allowed: 'envoi permis',
  denied: 'envoi interdit',
  suppression: 'Liste d’exclusion',
  notSuppressed: 'Non exclue',
  ledger: 'Registre des consentements',
  method: 'Méthode',
  source: 'Source',
  notice: 'Version de la mention',
  hash: 'Empreinte',
  ip: 'IP',
  deliveries: 'Envois',
  personRequests: 'Demandes (tous statuts)',
  moreRequests: (shown) => `Les ${shown} premières par échéance sont affichées.`,
  proof: 'Preuve du consentement',
  proofPrint: 'Preuve imprimable',
  proofJson: 'JSON signé',
  proofTitle: 'Preuve du consentement (art. 7(1) RGPD)',
  noticeShown: 'Texte de la mention tel qu’affiché',
  chainIntact: 'La chaîne du registre est intacte.',
  chainBroken: 'La chaîne du registre est rompue.',
  adminExport: 'Exporter cette personne (JSON)',
  breaches: 'Registre des violations',
  breach: 'Violation',
  recordBreach: 'Enregistrer une violation',
  title: 'Titre',
  awareAt: 'Connue depuis (UTC)',
  notifyBy: 'Notifier l’autorité avant',
  clock: 'Délai de 72 heures',
  hoursLeft: (hours) => `${hours} h restantes`,
  hoursLate: (hours) => `${hours} h de retard`,
  risk: 'Risque',
  description: 'Ce qui s’est passé',
  subjectCategories: 'Catégories de personnes',
  approxSubjects: 'Nombre approximatif de personnes',
  recordCategories: 'Catégories d’enregistrements',
  approxRecords: 'Nombre approximatif d’enregistrements',
  consequences: 'Conséquences probables',
  measures: 'Mesures prises ou envisagées',
  encrypted: 'Les données étaient inintelligibles (chiffrées) : art. 34(3)(a)',
  commaSeparated: 'séparées par des virgules',
  record: 'Enregistrer',
  phases: 'Phases',
  notifyAuthority: 'Enregistrer la notification à l’autorité',
  reference: 'Référence de l’autorité',
  delayReason: 'Motif du retard (obligatoire après 72 h)',
  notifySubjects: 'Enregistrer la communication aux personnes concernées',
  close: 'Clore l’incident',
  note: 'Note',
  authorityNotified: 'Autorité notifiée',
  subjectsNotified: 'Personnes informées',
  closed: 'close',
  open: 'ouverte',
  retention: 'Conservation',
  planHelp:
    'Ce que la prochaine purge ferait maintenant (simulation), et ce que les gels juridiques conservent.',
  scanned: 'Personnes examinées',
  due: 'À traiter',
  count: 'Nombre',
  held: 'Conservées sous gel juridique',
  runSweep: 'Lancer la purge maintenant',
  sweepDone: 'Purge terminée.',
  sweepRunning:
    'Purge en cours. Les nombres ci-dessous sont ceux de cet instant : vérifiez à nouveau pour les suivants.',
  sweepFailed:
    'La purge s’est arrêtée sur une erreur. Les lots déjà traités le restent ; relancez-la pour finir.',
  noSweep: 'Aucune purge n’a été lancée depuis cette console depuis le démarrage de l’application.',
  planRunning:
    'Calcul du plan en cours (il lit l’historique de chaque personne). Vérifiez à nouveau dans quelques secondes.',
  checkAgain: 'Vérifier à nouveau',
  planFailed:
    'Le plan n’a pas pu être calculé. Réessayez ; si l’échec persiste, vérifiez le stockage.',
  recomputePlan: 'Recalculer le plan',
  deleted: 'Supprimées',
  anonymised: 'Anonymisées',
  archived: 'Archivées',
  failed: 'En échec (reprises à la prochaine purge)',
  batches: 'Lots',
  records: 'Registre des traitements',
  processing: 'Activités de traitement (art. 30)',
  lawfulBasis: 'Base légale',
  processors: 'Sous-traitants',
  name: 'Nom',
  role: 'Rôle',
  country: 'Pays',
  safeguard: 'Garantie de transfert',
  data: 'Données',
  recipients: 'Destinataires',
  thirdCountry: 'pays tiers',
  download: 'Télécharger',
  audit: 'Chaîne d’audit',
  verify: 'Vérifier la chaîne',
  auditOk: (checked) => `Intacte : ${checked} entrées vérifiées.`,
  auditBroken: (seq, reason) => `Rompue à l’entrée ${seq} (${reason}).`,
  forbidden: 'Vous n’avez pas le droit de faire ceci.',
  csrf: 'Ce formulaire a expiré. Rechargez la page et renvoyez-le.',
  error: 'La console n’a pas pu faire ceci.',
  pageNotFound: 'Il n’y a pas de page de la console à cette adresse.',
  methodNotAllowed: 'Cette page n’accepte pas cette méthode.',
  formTooLarge: 'Le formulaire est trop volumineux.',
  yes: 'oui',
  no: 'non',
};

export const CONSOLE_MESSAGES: Readonly<Record<ConsoleLocale, ConsoleMessages>> = { en, fr };
