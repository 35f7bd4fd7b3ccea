/**
 * Free-text languages of legacy lists mapped to ISO 639-1 (SEED-01): codes
 * ("FR"), locales ("fr-BE", "nl_BE"), and names in English or in the language
 * itself, with or without accents ("Français", "francais", "Nederlands").
 */

/** Names, lower-cased and without accents, by ISO 639-1 code. */
const NAMES: Record<string, readonly string[]> = {
  en: ['eng', 'english', 'anglais', 'engels', 'englisch', 'ingles', 'inglese', 'angielski'],
  fr: [
    'fra',
    'fre',
    'french',
    'francais',
    'frans',
    'franzosisch',
    'frances',
    'francese',
    'francuski',
  ],
  nl: [
    'nld',
    'dut',
    'dutch',
    'nederlands',
    'neerlandais',
    'niederlandisch',
    'vlaams',
    'flemish',
    'flamand',
  ],
  de: ['deu', 'ger', 'german', 'deutsch', 'allemand', 'duits', 'aleman', 'tedesco', 'niemiecki'],
  es: ['spa', 'spanish', 'espanol', 'castellano', 'espagnol', 'spaans', 'spanisch', 'spagnolo'],
  it: ['ita', 'italian', 'italiano', 'italien', 'italiaans', 'italienisch'],
  pt: ['por', 'portuguese', 'portugues', 'portugais', 'portugees', 'portugiesisch', 'portoghese'],
  pl: ['polish', 'polski', 'polonais', 'pools', 'polnisch'],
  sv: ['swedish', 'svenska', 'suedois', 'zweeds', 'schwedisch'],
  da: ['danish', 'dansk', 'danois', 'deens', 'danisch'],
  fi: ['finnish', 'suomi', 'finnois', 'fins', 'finnisch'],
  no: ['norwegian', 'norsk', 'norvegien', 'noors', 'norwegisch'],
  cs: ['czech', 'cestina', 'tcheque', 'tsjechisch', 'tschechisch'],
  ro: ['romanian', 'romana', 'roumain', 'roemeens', 'rumanisch'],
  hu: ['hungarian', 'magyar', 'hongrois', 'hongaars', 'ungarisch'],
  el: ['greek', 'ellinika', 'grec', 'grieks', 'griechisch'],
  lb: ['luxembourgish', 'letzebuergesch', 'luxembourgeois', 'luxemburgs', 'luxemburgisch'],
  ca: ['catalan', 'catala', 'catalaans', 'katalanisch'],
  ar: ['arabic', 'arabe', 'arabisch'],
  tr: ['turkish', 'turkce', 'turc', 'turks', 'turkisch'],
  ru: ['russian', 'russkiy', 'russe', 'russisch'],
  zh: ['chinese', 'zhongwen', 'chinois', 'chinees', 'chinesisch'],
  ja: ['japanese', 'nihongo', 'japonais', 'japans', 'japanisch'],
};

/** Every ISO 639-1 code (two letters) accepted as given. */
const ISO_639_1 = new Set(
  'aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu'.split(
    ' ',
  ),
);

const BY_NAME = new Map<string, string>(
  Object.entries(NAMES).flatMap(([code, names]) => names.map((name) => [name, code] as const)),
);

function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .trim();
}

export type LanguageMatch =
  | { status: 'mapped'; code: string }
  | { status: 'empty' }
  | { status: 'unknown'; value: string };

/**
 * Maps a free-text language to ISO 639-1: `'Français'` → `fr`, `'fr-BE'` → `fr`,
 * `'NL'` → `nl`. Blank is `empty`; anything else not recognised is `unknown`.
 */
export function normalizeLanguage(input: unknown): LanguageMatch {
  if (input === undefined || input === null) return { status: 'empty' };
  const raw = String(input);
  const folded = fold(raw);
  if (folded === '') return { status: 'empty' };
  const locale = /^([a-z]{2,3})(?:[-_][a-z0-9]{2,8})*$/.exec(folded);
  if (locale) {
    const primary = locale[1]!;
    if (primary.length === 2 && ISO_639_1.has(primary)) return { status: 'mapped', code: primary };
  }
  const byName = BY_NAME.get(folded) ?? BY_NAME.get(folded.split(/[\s(,;/]/)[0] ?? '');
  if (byName) return { status: 'mapped', code: byName };
  return { status: 'unknown', value: raw.trim() };
}
