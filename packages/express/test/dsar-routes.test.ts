import { InMemoryTransport } from '@gdpr-mail/core';
import { checkboxEvidence } from '@gdpr-mail/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';

const email = 'camille@example.org';

async function withMailer() {
  const transport = new InMemoryTransport();
  const harness = await startHarness(
    {},
    {
      transport,
      mailer: {
        from: { address: 'privacy@acme.test' },
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      },
    },
  );
  const lastLink = (to: string, path: string) => {
    const text = transport.sentTo(to).at(-1)?.message.text ?? '';
    const url = new RegExp(`https://app\\.acme\\.test(/gdpr${path}/\\S+)`).exec(text)?.[1];
    return url;
  };
  return { harness, transport, lastLink };
}

async function formRequest(harness: Harness, address: string, type: string) {
  const agent = harness.agent();
  const form = await agent.get('/gdpr/dsar').set('accept', 'text/html');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1];
  const res = await agent
    .post('/gdpr/dsar')
    .set('accept', 'text/html')
    .type('form')
    .send({ email: address, type, _csrf: csrf });
  // The lookup and the verification mail run after the answer, from the outbox (#19).
  await harness.gdpr.outbox.idle();
  return res;
}

/** A subscriber who filed a request of `type`, and the verification link mailed to them. */
async function requested(type: string) {
  const ctx = await withMailer();
  await ctx.harness.gdpr.consent.record({
    email,
    purposes: ['newsletter'],
    evidence: checkboxEvidence,
  });
  await formRequest(ctx.harness, email, type);
  return { ...ctx, verify: ctx.lastLink(email, '/dsar/verify')! };
}

describe('DSAR pages (REQ-21, REQ-22, REQ-25)', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('answers known and unknown addresses identically, and refuses a form without CSRF', async () => {
    const ctx = await withMailer();
    harness = ctx.harness;
    await harness.gdpr.consent.record({
      email,
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    const known = await formRequest(harness, email, 'access');
    const unknown = await formRequest(harness, 'nobody@example.org', 'access');
    expect(known.status).toBe(200);
    expect(known.text).toBe(unknown.text);
    expect(ctx.transport.sentTo(email)).toHaveLength(1);
    expect(ctx.transport.sentTo('nobody@example.org')).toHaveLength(0);
    const noCsrf = await harness
      .agent()
      .post('/gdpr/dsar')
      .type('form')
      .send({ email, type: 'access' });
    expect(noCsrf.status).toBe(403);
  });

  it('access: GET of the link changes nothing, POST confirms and mails a single-use download', async () => {
    const ctx = await requested('access');
    harness = ctx.harness;
    const { verify } = ctx;
    const before = harness.store.dump();
    expect((await harness.agent().get(verify).set('accept', 'text/html')).status).toBe(200);
    expect(harness.store.dump()).toBe(before);
    const confirmed = await harness
      .agent()
      .post(verify)
      .set('accept', 'text/html')
      .type('form')
      .send({});
    expect(confirmed.status).toBe(200);
    const download = ctx.lastLink(email, '/dsar/download')!;
    expect((await harness.agent().get(download).set('accept', 'text/html')).text).toContain(
      'method="post"',
    );
    const file = await harness
      .agent()
      .post(download)
      .buffer(true)
      .parse((res, done) => {
        let data = '';
        res.on('data', (chunk: Buffer) => (data += chunk));
        res.on('end', () => done(null, data));
      });
    expect(file.status).toBe(200);
    expect(file.headers['content-disposition']).toMatch(/attachment; filename="my-data-/);
    const bundle = JSON.parse(file.body as string);
    expect(bundle.subject.email).toBe(email);
    expect(bundle.facts.rights.length).toBeGreaterThan(0);
    const again = await harness.agent().post(download).set('accept', 'application/json');
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('TOKEN_USED');
  });

  it('erasure: confirming the link erases, and a signup of the same address stays blocked', async () => {
    const ctx = await requested('erasure');
    harness = ctx.harness;
    const { verify } = ctx;
    const erased = await harness.agent().post(verify).set('accept', 'application/json').send({});
    expect(erased.body).toEqual({ status: 'confirmed', type: 'erasure' });
    expect(await harness.gdpr.subjects.get(email)).toBeUndefined();
    expect(await harness.gdpr.suppression.check(email)).toMatchObject({ reason: 'erased' });
    expect(harness.store.dump()).not.toContain('camille');
  });
});

describe('honest DSAR form and mails (issue #21)', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('a bad address sends the form back with what was typed (escaped), the type chosen and a fresh CSRF pair', async () => {
    const ctx = await withMailer();
    harness = ctx.harness;
    const agent = harness.agent();
    const form = await agent.get('/gdpr/dsar').set('accept', 'text/html');
    expect(form.text).toContain('<a href="https://acme.test/privacy">');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1];
    const res = await agent
      .post('/gdpr/dsar')
      .set('accept', 'text/html')
      .type('form')
      .send({ email: '<b>bad</b>', type: 'erasure', _csrf: csrf });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('<b>bad</b>');
    expect(res.text).toContain('value="&lt;b&gt;bad&lt;/b&gt;"');
    expect(res.text).toContain('data-code="INVALID_EMAIL"');
    expect(res.text).toContain('This email address does not look right');
    expect(res.text).toMatch(/value="erasure" checked>/);
    expect(res.text.match(/ checked/g)).toHaveLength(1);
    const again = /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1];
    expect(again).not.toBe(csrf);
    const json = await agent
      .post('/gdpr/dsar')
      .type('form')
      .send({ email: '<b>bad</b>', type: 'erasure', _csrf: again });
    expect(json.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(json.body.code).toBe('INVALID_EMAIL');
  });

  it('the erasure verification mail names the request and says it cannot be undone, with a title (EN, FR)', async () => {
    const ctx = await requested('erasure');
    harness = ctx.harness;
    const mail = ctx.transport.sentTo(email).at(-1)!.message;
    expect(mail.subject).toBe('Acme SAS: confirm your request for the erasure of your data');
    expect(mail.text).toContain('your data will be erased and cannot be recovered');
    expect(mail.html).toContain(
      '<title>Acme SAS: confirm your request for the erasure of your data</title>',
    );
    expect(mail.html).toContain('Confirm the erasure of my data');
    expect(mail.text).toMatch(/This link works until \w+ \d+, \d{4} at .* UTC\./);

    // A form read in French gets its mail in French.
    const agent = harness.agent();
    const form = await agent
      .get('/gdpr/dsar')
      .set('accept', 'text/html')
      .set('accept-language', 'fr');
    await agent
      .post('/gdpr/dsar')
      .set('accept', 'text/html')
      .set('accept-language', 'fr')
      .type('form')
      .send({
        email,
        type: 'access',
        _csrf: /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1],
      })
      .expect(200);
    await harness.gdpr.outbox.idle();
    const fr = ctx.transport.sentTo(email).at(-1)!.message;
    expect(fr.subject).toBe('Acme SAS : confirmez votre demande (copie de vos données)');
    expect(fr.html).toContain('<html lang="fr">');
    expect(fr.text).toContain('nous vous envoyons un lien pour télécharger une copie');
  });

  it('the download mail says what it holds, with a title', async () => {
    const ctx = await requested('access');
    harness = ctx.harness;
    await harness.agent().post(ctx.verify).set('accept', 'application/json').send({});
    const mail = ctx.transport.sentTo(email).at(-1)!.message;
    expect(mail.subject).toBe('Acme SAS: your data is ready to download');
    expect(mail.html).toContain('<title>Acme SAS: your data is ready to download</title>');
    expect(mail.text).toContain('You asked Acme SAS for a copy of your personal data');
    expect(mail.text).toContain('How we handle your data: https://acme.test/privacy');
  });
});
