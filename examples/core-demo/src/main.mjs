// The consent flow of @gdpr-mail/core, end to end, on the embedded default store.
import { rm } from 'node:fs/promises';
import { createGdprMail, isGdprMailError } from '@gdpr-mail/core';

// The default store is PGlite in ./.gdpr-mail (needs @gdpr-mail/postgres and
// @electric-sql/pglite, both installed here). Start from an empty folder so
// every run of the demo tells the same story.
const storageDir = '.gdpr-mail';
await rm(storageDir, { recursive: true, force: true });

const gdpr = createGdprMail({
  storage: { dir: storageDir },
  controller: { name: 'Acme SAS', email: 'privacy@acme.example', country: 'FR' },
  secrets: { pepper: process.env.GDPR_MAIL_PEPPER ?? 'demo-pepper-change-me-0123456789abcdef' },
  tokens: {
    keys: [
      {
        id: 'k1',
        secret: process.env.GDPR_MAIL_TOKEN_KEY ?? 'demo-token-key-change-me-0123456789abcdef',
      },
    ],
  },
  links: { baseUrl: 'http://localhost:3000/gdpr' },
  purposes: [
    {
      id: 'newsletter',
      title: 'Monthly newsletter',
      lawfulBasis: 'consent',
      notice: {
        version: '1.0',
        text: 'Acme SAS sends you its monthly newsletter. You can withdraw your consent at any time.',
      },
      retention: { duration: 'P3Y', anchor: 'last-interaction', action: 'delete' },
    },
    {
      id: 'partners',
      title: 'Offers from partners',
      lawfulBasis: 'consent',
      notice: {
        version: '1.0',
        text: 'Acme SAS shares your address with partners. You can withdraw your consent at any time.',
      },
      retention: { duration: 'P3Y', anchor: 'collected', action: 'delete' },
    },
  ],
});

const email = 'camille@example.org';
const line = (label, value) => console.log(`${label.padEnd(46)} ${value}`);

console.log('gdpr-mail core demo: consent with proof, on the embedded store\n');

// 1. A pre-ticked box is not consent (REQ-01).
try {
  await gdpr.consent.record({
    email,
    purposes: ['newsletter'],
    evidence: { action: 'affirmative', source: 'signup-form', ui: { preChecked: true } },
  });
} catch (error) {
  if (!isGdprMailError(error)) throw error;
  line('pre-ticked checkbox refused with', error.code);
}

// 2. Camille ticks "newsletter" and leaves "partners" unticked (REQ-02).
await gdpr.consent.choices({
  email,
  choices: { newsletter: true, partners: false },
  evidence: { action: 'affirmative', method: 'checkbox', source: 'signup-form', formId: 'home' },
});
line('may we send the newsletter?', JSON.stringify(await gdpr.canSend(email, 'newsletter')));
line('may we share with partners?', JSON.stringify(await gdpr.canSend(email, 'partners')));

// 3. The proof: every event, the exact text shown, a verified hash chain (REQ-05).
const proof = await gdpr.consent.prove(email, 'newsletter');
line(
  'events in the proof',
  proof.events.map((e) => `${e.type}@${e.proof.noticeVersion}`).join(', '),
);
line('notice text hash matches', proof.notices[0]?.hash === proof.events[0]?.proof.noticeHash);
line('hash chain verified', proof.chain.ok);

// 4. She unsubscribes from everything: the suppression list keeps only a keyed hash (REQ-28).
await gdpr.consent.withdraw({ email, purposes: 'all', evidence: { source: 'footer-link' } });
line('after "unsubscribe from all"', JSON.stringify(await gdpr.canSend(email, 'newsletter')));
line('suppression entry', JSON.stringify(await gdpr.suppression.check(email)));

// 5. Every one of those actions left one entry in the hash-chained audit log (REQ-32).
for await (const entry of gdpr.audit.entries()) {
  line(`audit #${entry.seq} ${entry.action}`, `by ${entry.actor}, subject ${entry.subjectRef}`);
}
line('audit log verified', JSON.stringify(await gdpr.audit.verify()));
line('store', gdpr.store.kind === 'lazy' ? `embedded PGlite in ./${storageDir}` : gdpr.store.kind);

await gdpr.close();
