/**
 * Generated legacy contact lists for import tests (SEED-01): several lists
 * drawn from one pool of people with a seeded PRNG, so they overlap, with
 * messy languages, bad addresses and some rows holding a consent date. The
 * expected outcome is computed here independently of the importer, with plain
 * Maps, from what the generator knows to be true of each row.
 */

import type { ContactImportReport } from '../contacts/import-report.js';

/** mulberry32: small, fast, reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Free-text spellings of each language as legacy lists hold them. */
export const LANGUAGE_SPELLINGS: Record<string, readonly string[]> = {
  fr: ['fr', 'FR', 'Français', 'francais', 'French', 'fr-BE', 'fr_FR', ' FRANÇAIS '],
  nl: ['nl', 'NL', 'Nederlands', 'nederlands', 'Dutch', 'nl-BE', 'Vlaams'],
  de: ['de', 'DE', 'Deutsch', 'deutsch', 'German', 'de-AT'],
  en: ['en', 'EN', 'English', 'english', 'en-GB', 'Anglais'],
};
const UNKNOWN_SPELLINGS = ['Klingon', '??', 'xx-YY', 'other', 'n/a'];
const CODES = Object.keys(LANGUAGE_SPELLINGS);

export interface GeneratedRow {
  email: string;
  language: string;
  consentDate: string;
  /** What the generator knows: the normalised address, or undefined for a bad one. */
  truth: { email?: string; language?: string; languageUnknown: boolean; hasProof: boolean };
}

export interface GeneratedList {
  name: string;
  source: string;
  rows: GeneratedRow[];
}

export interface ContactListsSpec {
  seed: number;
  /** Rows per list, e.g. [40_000, 35_000, 25_000]. */
  sizes: readonly number[];
  /** People in the pool the lists draw from (fewer than rows: the lists overlap). */
  people: number;
  /** Addresses suppressed before the import (indexes into the pool, the first ones). */
  suppressed: number;
}

export interface GeneratedLists {
  lists: GeneratedList[];
  /** Normalised addresses to put on the suppression list before importing. */
  suppressed: string[];
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Three overlapping lists (or as many as `sizes` says), reproducible from the seed. */
export function generateContactLists(spec: ContactListsSpec): GeneratedLists {
  const random = seededRandom(spec.seed);
  const people = Array.from({ length: spec.people }, (_, i) => ({
    email: `person${i}@list${i % 7}.example`,
    language: pick(random, CODES),
  }));
  const lists = spec.sizes.map((size, index) => {
    const name = `List ${String.fromCharCode(65 + index)}`;
    const rows: GeneratedRow[] = [];
    for (let r = 0; r < size; r += 1) {
      const roll = random();
      if (roll < 0.01) {
        rows.push({
          email: pick(random, ['', 'not-an-email', 'two@@at.example', 'spaces in@x.example']),
          language: 'fr',
          consentDate: '',
          truth: { languageUnknown: false, hasProof: false },
        });
        continue;
      }
      // Skewed draw: some people are on every list, others on one.
      const person = people[Math.floor(random() ** 1.3 * people.length)]!;
      const variant = random();
      const email =
        variant < 0.1
          ? person.email.toUpperCase()
          : variant < 0.15
            ? `  ${person.email} `
            : person.email;
      const languageRoll = random();
      let language: string;
      let truthLanguage: string | undefined;
      let languageUnknown = false;
      if (languageRoll < 0.1) language = '';
      else if (languageRoll < 0.13) {
        language = pick(random, UNKNOWN_SPELLINGS);
        languageUnknown = true;
      } else if (languageRoll < 0.16) {
        // A conflicting language for the same person.
        truthLanguage = pick(
          random,
          CODES.filter((c) => c !== person.language),
        );
        language = pick(random, LANGUAGE_SPELLINGS[truthLanguage]!);
      } else {
        truthLanguage = person.language;
        language = pick(random, LANGUAGE_SPELLINGS[truthLanguage]!);
      }
      const hasProof = random() < 0.35;
      const day = 1 + Math.floor(random() * 28);
      const month = 1 + Math.floor(random() * 12);
      const consentDate = hasProof
        ? random() < 0.5
          ? `2018-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
          : `${day}/${month}/2017`
        : '';
      rows.push({
        email,
        language,
        consentDate,
        truth: {
          email: person.email,
          ...(truthLanguage ? { language: truthLanguage } : {}),
          languageUnknown,
          hasProof,
        },
      });
    }
    return { name, source: `${name} source`, rows };
  });
  return { lists, suppressed: people.slice(0, spec.suppressed).map((p) => p.email) };
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) || value !== value.trim()
    ? `"${value.replaceAll('"', '""')}"`
    : value;
}

/**
 * The list as CSV chunks from an async generator (never an array), with a
 * quoted header and cells; `onYield` sees how many rows were handed out.
 */
export async function* csvChunks(
  list: GeneratedList,
  options: { rowsPerChunk?: number; onYield?: (rowsYielded: number) => void } = {},
): AsyncGenerator<string> {
  const per = options.rowsPerChunk ?? 100;
  let chunk = '"Email","Language",consent_date,Notes\r\n';
  let count = 0;
  for (const row of list.rows) {
    chunk += `${csvCell(row.email)},${csvCell(row.language)},${row.consentDate},"note, with ""quotes""\nand a line break"\r\n`;
    count += 1;
    if (count % per === 0) {
      options.onYield?.(count);
      yield chunk;
      chunk = '';
    }
  }
  options.onYield?.(count);
  if (chunk) yield chunk;
}

export interface ReferenceOutcome {
  rows: number;
  created: number;
  merged: number;
  unchanged: number;
  rejected: { 'invalid-email': number; suppressed: number };
  flagged: number;
  consentRecorded: number;
  conflicts: number;
  languages: { mapped: number; unknown: number; missing: number; defaulted: number };
}

/** An importer's report in the reference's shape (and key order), to compare with `run`. */
export function outcomeOf(report: ContactImportReport): ReferenceOutcome {
  return {
    rows: report.rows,
    created: report.created,
    merged: report.merged,
    unchanged: report.unchanged,
    rejected: {
      'invalid-email': report.rejects['invalid-email'],
      suppressed: report.rejects.suppressed,
    },
    flagged: report.flagged,
    consentRecorded: report.consentRecorded,
    conflicts: report.conflicts,
    languages: {
      mapped: report.languages.mapped,
      unknown: report.languages.unknown,
      missing: report.languages.missing,
      defaulted: report.languages.defaulted,
    },
  };
}

interface RefContact {
  segments: Set<string>;
  sources: Map<string, boolean>;
  language?: string;
  conflicts: Set<string>;
  granted: boolean;
  flagged: boolean;
}

/**
 * What importing the lists in order must report, one import per list, from
 * an empty base: a plain Map per address, no code shared with the importer.
 */
export class ReferenceImport {
  readonly contacts = new Map<string, RefContact>();
  constructor(
    private readonly suppressed: ReadonlySet<string>,
    private readonly defaultLanguage?: string,
  ) {}

  run(list: GeneratedList): ReferenceOutcome {
    const out: ReferenceOutcome = {
      rows: 0,
      created: 0,
      merged: 0,
      unchanged: 0,
      rejected: { 'invalid-email': 0, suppressed: 0 },
      flagged: 0,
      consentRecorded: 0,
      conflicts: 0,
      languages: { mapped: 0, unknown: 0, missing: 0, defaulted: 0 },
    };
    for (const row of list.rows) {
      out.rows += 1;
      const email = row.truth.email;
      if (!email) {
        out.rejected['invalid-email'] += 1;
        continue;
      }
      if (this.suppressed.has(email)) {
        out.rejected.suppressed += 1;
        continue;
      }
      let contact = this.contacts.get(email);
      const isNew = !contact;
      if (!contact) {
        contact = {
          segments: new Set(),
          sources: new Map(),
          conflicts: new Set(),
          granted: false,
          flagged: false,
        };
        this.contacts.set(email, contact);
      }
      let changed = false;
      if (!contact.segments.has(list.name)) {
        contact.segments.add(list.name);
        changed = true;
      }
      const sourceKey = `${list.name}|${list.source}`;
      if (!contact.sources.has(sourceKey)) {
        contact.sources.set(sourceKey, row.truth.hasProof);
        changed = true;
      } else if (row.truth.hasProof && !contact.sources.get(sourceKey)) {
        contact.sources.set(sourceKey, true);
        changed = true;
      }
      if (row.truth.language) {
        out.languages.mapped += 1;
        if (contact.language === undefined) {
          contact.language = row.truth.language;
          changed = true;
        } else if (contact.language !== row.truth.language) {
          const key = `${contact.language}>${row.truth.language}`;
          if (!contact.conflicts.has(key)) {
            contact.conflicts.add(key);
            out.conflicts += 1;
            changed = true;
          }
        }
      } else {
        if (row.truth.languageUnknown) out.languages.unknown += 1;
        else out.languages.missing += 1;
        if (this.defaultLanguage && contact.language === undefined) {
          contact.language = this.defaultLanguage;
          out.languages.defaulted += 1;
          changed = true;
        }
      }
      if (row.truth.hasProof) {
        if (!contact.granted) {
          contact.granted = true;
          out.consentRecorded += 1;
          changed = true;
        }
        if (contact.flagged) {
          contact.flagged = false;
          out.flagged -= 1;
          changed = true;
        }
      } else if (!contact.granted && !contact.flagged) {
        contact.flagged = true;
        out.flagged += 1;
        changed = true;
      }
      if (isNew) out.created += 1;
      else if (changed) out.merged += 1;
      else out.unchanged += 1;
    }
    return out;
  }
}
