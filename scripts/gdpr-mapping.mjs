// Writes docs/gdpr-mapping.md: each requirement (REQUIREMENTS.md ids) → the API
// that implements it → the tests that cite the id. Run: pnpm run docs:mapping
// The test column is found, not typed: a test proves a requirement by citing it in
// its title. An id in a comment or a fixture proves nothing, so only titles count:
// the string given to it / test / describe (also after `.each(…)`), and the title of
// a conformance test, `test(id, title, body)`.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

const ROWS = [
  [
    'REQ-01',
    'Art. 4(11), 7',
    'Affirmative act; no pre-ticked box',
    '`consent.record` / `consent.choices` (`CONSENT_NOT_AFFIRMATIVE`, `CONSENT_PRECHECKED`)',
  ],
  [
    'REQ-02',
    'Art. 7(2)',
    'Granular consent per purpose',
    'ledger keyed by (subject, purpose); `CONSENT_BUNDLED` for one control over several purposes',
  ],
  [
    'REQ-03',
    'Art. 7(4)',
    'No bundling with ToS; refusal costs nothing',
    '`consent.choices` with every purpose refused; `ui.bundledWithTerms` refused',
  ],
  [
    'REQ-04',
    'Art. 7(3), rec. 42',
    'Informed: controller and withdrawal stated',
    'config validation of `purposes[].notice.text`; `hashNotice`',
  ],
  [
    'REQ-05',
    'Art. 7(1)',
    'Proof of consent',
    '`consent.prove` (events, served text, hash chain); `verifyConsentChain`',
  ],
  [
    'REQ-06',
    'Art. 6, ePrivacy 13(2)',
    'Lawful basis per purpose; soft opt-in',
    '`canSend` (`soft-opt-in`, `not-a-customer`, `dissimilar-product`)',
  ],
  [
    'REQ-07',
    'ePrivacy 13(5), CNIL',
    'B2B opt-out where allowed',
    '`canSend` with `B2B_RULES`, `professionalRelevance`, generic role addresses',
  ],
  [
    'REQ-08',
    'EDPB 05/2020',
    'Refresh consent',
    '`refreshAfter`, major notice bump → `needsRefresh`',
  ],
  [
    'REQ-09',
    'Art. 25',
    'Privacy by default',
    'tracking `none` by default; retention required per purpose',
  ],
  [
    'REQ-10',
    'Art. 7(3)',
    'Withdraw as easily as given',
    '`consent.withdraw`, `unsubscribe.oneClick`, `preferences.save/unsubscribeAll`',
  ],
  [
    'REQ-11',
    'Art. 21',
    'Objection to direct marketing is absolute',
    '`consent.object`; `canSend` → `objected` for every marketing purpose',
  ],
  [
    'REQ-12',
    'RFC 8058',
    'One-click unsubscribe',
    '`mailer` headers; `POST /u/:token` (Express, Nest); DKIM over both headers (`@gdpr-mail/smtp`)',
  ],
  [
    'REQ-13',
    'Gmail/Yahoo',
    'Honour unsubscribe before dispatch',
    '`mailer.sendMany` re-checks the policy per batch right before sending',
  ],
  [
    'REQ-14',
    'ePrivacy 13(4)',
    'Opt-out in every mail',
    'mailer footer / placeholders; `lintMarketingMail`',
  ],
  [
    'REQ-15',
    'Art. 21(5)',
    'DNT / GPC',
    '`privacySignals()`; signals recorded at signup disable tracking',
  ],
  ['REQ-16', 'BGH I ZR 164/09', 'Double opt-in', '`optIn.request` / `optIn.confirm`'],
  ['REQ-17', 'OLG München', 'No advertising in the confirmation mail', '`lintDoubleOptInTemplate`'],
  [
    'REQ-18',
    '—',
    'Unforgeable, single-use confirm tokens; POST only',
    '`createTokenSigner`; `optIn.inspect` (GET) vs `optIn.confirm` (POST)',
  ],
  ['REQ-19', 'Art. 8', 'Minors', '`ageGate`; `canSend` → `minor-without-parental-consent`'],
  [
    'REQ-20',
    'Art. 12(3)',
    'DSAR deadlines and extension',
    '`dsarDeadlines`, `canExtend`; DSAR service',
  ],
  [
    'REQ-21',
    'Art. 12(6), rec. 64',
    'Identity verification, no enumeration',
    'DSAR service (`dsar-verify` token to the address on file)',
  ],
  ['REQ-22', 'Art. 15', 'Access with the Art. 15 facts', 'DSAR export; `records.privacyNotice()`'],
  ['REQ-23', 'Art. 20', 'Portability (JSON, CSV)', 'DSAR export; `toCsv` (RFC 4180)'],
  [
    'REQ-24',
    'Art. 16, 18',
    'Rectification and restriction',
    '`subjects.upsert({ restriction })`; `canSend` → `restricted`; DSAR service',
  ],
  [
    'REQ-25',
    'Art. 17',
    'Erasure leaving only the keyed hash',
    '`subjects.delete`; suppression `erased`; DSAR erase',
  ],
  ['REQ-26', 'Art. 19', 'Tell processors', 'provider erasure hooks (SES, Mailjet)'],
  ['REQ-27', 'CNIL', 'Retention from last own interaction', 'retention engine'],
  [
    'REQ-28',
    'CNIL MED-2023-040',
    'Hashed suppression list',
    '`suppression` (HMAC keyed with `secrets.pepper`)',
  ],
  [
    'REQ-29',
    'CNIL 2026-042',
    'Tracking needs its own consent',
    '`tracking.mode`; personal pixel only with tracking consent',
  ],
  ['REQ-30', 'CNIL 2026-042', 'Consent checked when the pixel is hit', '`tracking.open(token)`'],
  [
    'REQ-31',
    'Art. 30',
    'Record of processing',
    '`records.processingActivities()`; non-EEA processor without safeguard refused',
  ],
  ['REQ-32', 'Art. 5(2)', 'Hash-chained audit log', '`audit.verify()`'],
  [
    'REQ-33',
    'Art. 33, 34',
    'Breach register, 72 hours',
    '`breaches.open/notifyAuthority/notifySubjects/close`',
  ],
  [
    'REQ-34',
    'Art. 32',
    'Security of processing',
    '`createEncryptedStore` (per-person data keys, AES-256-GCM, crypto-shredding), `keys.rewrap`, `erasures.replay`; keyed hashes, signed tokens',
  ],
];

function* files(dir) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* files(path);
    // The conformance suites (testing/conformance/*.ts) hold tests too, REQ-32's tamper tests
    // among them, in files whose names say nothing of it.
    else if (
      /\.test\.ts$|conformance\.ts$/.test(entry) ||
      /[/\\]conformance[/\\][^/\\]+\.ts$/.test(path)
    )
      yield path;
  }
}

/** The end of the string literal opening at `start` (a quote or backtick), or -1. */
function literalEnd(text, start) {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === quote) return i + 1;
    else if (quote !== '`' && text[i] === '\n') return -1;
  }
  return -1;
}

/** The string literal at `at` (after blanks), as [source text, end], or undefined. */
function literalAt(text, at) {
  const start = skipBlanks(text, at);
  if (!['"', "'", '`'].includes(text[start])) return undefined;
  const end = literalEnd(text, start);
  return end < 0 ? undefined : [text.slice(start, end), end];
}

function skipBlanks(text, at) {
  let i = at;
  while (i < text.length && /\s/.test(text[i])) i += 1;
  return i;
}

/** Past the parenthesised group opening at `open` (strings inside it skipped), or -1. */
function groupEnd(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      const end = literalEnd(text, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === '(') depth += 1;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * The titles of a test file: the first argument of it / test / describe (with
 * modifiers such as `.skip` or `.each(…)`), and the second one when it is a string
 * too, as in the conformance suites' `test(id, title, body)`.
 */
function testTitles(text) {
  const titles = [];
  const call = /\b(?:it|test|describe)((?:\.[A-Za-z]+)*)\s*\(/g;
  for (const match of text.matchAll(call)) {
    let at = match.index + match[0].length;
    if (match[1].endsWith('.each')) {
      const end = groupEnd(text, at - 1);
      if (end < 0) continue;
      at = skipBlanks(text, end);
      if (text[at] !== '(') continue;
      at += 1;
    }
    const first = literalAt(text, at);
    if (!first) continue;
    titles.push(first[0]);
    const comma = skipBlanks(text, first[1]);
    if (text[comma] !== ',') continue;
    const second = literalAt(text, comma + 1);
    if (second) titles.push(second[0]);
  }
  return titles;
}

const sources = [...files(join(root, 'packages')), ...files(join(root, 'tests'))].map((path) => ({
  path: relative(root, path),
  titles: testTitles(readFileSync(path, 'utf8')).join('\n'),
}));

const lines = [
  '# GDPR mapping',
  '',
  'Each requirement of the project (legal rule turned into API behaviour) → the API that',
  'implements it → the tests that prove it (they cite the id in their titles). Generated by',
  '`pnpm run docs:mapping`; a requirement with no test listed is not proven yet.',
  '',
  '| id | source | requirement | API | tests |',
  '| --- | --- | --- | --- | --- |',
];
for (const [id, source, what, api] of ROWS) {
  const pattern = new RegExp(`\\b${id}\\b`);
  const tests = sources.filter((s) => pattern.test(s.titles)).map((s) => `\`${s.path}\``);
  lines.push(`| ${id} | ${source} | ${what} | ${api} | ${tests.join('<br>') || '—'} |`);
}
writeFileSync(join(root, 'docs', 'gdpr-mapping.md'), `${lines.join('\n')}\n`);
console.log('wrote docs/gdpr-mapping.md');
