import { createMemoryRateLimiter } from '@gdpr-mail/core/http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Harness } from './harness.js';
import { csrfFor, formBody, signUp, startHarness, tokenFrom } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('GET /signup', () => {
  it('REQ-01/02: one unticked box per consent purpose, with its notice version, and a CSRF cookie', async () => {
    await h.close();
    h = await startHarness({ secureCookies: undefined });
    const res = await h.agent().get('/gdpr/signup').set('accept', 'text/html').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text.match(/type="checkbox"/g)).toHaveLength(2);
    expect(res.text).not.toMatch(/ checked/);
    expect(res.text).toContain('name="notice_newsletter" value="1.0"');
    expect(res.text).toContain('action="/gdpr/signup"');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(
      /^gdpr_mail_csrf=[^;]+; Path=\/gdpr; Max-Age=\d+; HttpOnly; SameSite=Strict; Secure/,
    );
  });

  it('answers FR pages by Accept-Language', async () => {
    const res = await h
      .agent()
      .get('/gdpr/signup')
      .set('accept', 'text/html')
      .set('accept-language', 'fr-FR,fr;q=0.9,en;q=0.5')
      .expect(200);
    expect(res.text).toContain('<html lang="fr">');
    expect(res.text).toContain('Inscription');
  });

  it('takes the app’s own messages and templates', async () => {
    await h.close();
    h = await startHarness({
      messages: { en: { signupTitle: 'Join the Acme list' } },
      pages: { message: (_ctx, title) => `<p>custom ${title}</p>` },
    });
    const form = await h.agent().get('/gdpr/signup').set('accept', 'text/html');
    expect(form.text).toContain('<title>Join the Acme list</title>');
    const res = await signUp(h, 'a@example.com', ['newsletter'], { accept: 'text/html' });
    expect(res.text).toBe('<p>custom Check your inbox</p>');
  });
});

describe('POST /signup', () => {
  it('REQ-16: starts double opt-in, mails the confirmation, grants nothing yet', async () => {
    const res = await signUp(h, 'Ada@Example.com', ['newsletter', 'partners'], {
      accept: 'text/html',
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Check your inbox');
    expect(h.mails).toHaveLength(1);
    expect(h.mails[0]!.to).toBe('ada@example.com');
    expect(tokenFrom(h.mails[0], '/gdpr/confirm')).toBeTruthy();
    const state = await h.gdpr.consent.state('ada@example.com', 'newsletter');
    expect(state.status).toBe('pending');
    expect((await h.gdpr.canSend('ada@example.com', 'newsletter')).allowed).toBe(false);
  });

  it('no enumeration: a suppressed address gets the same answer as a fresh one, and no mail', async () => {
    await h.gdpr.suppression.add('gone@example.com', 'complaint');
    const fresh = await signUp(h, 'new@example.com', ['newsletter'], { accept: 'text/html' });
    const suppressed = await signUp(h, 'gone@example.com', ['newsletter'], { accept: 'text/html' });
    expect(suppressed.status).toBe(fresh.status);
    expect(suppressed.text).toBe(fresh.text);
    expect(suppressed.headers['content-type']).toBe(fresh.headers['content-type']);
    const freshJson = await signUp(h, 'new2@example.com', ['newsletter']);
    const suppressedJson = await signUp(h, 'gone@example.com', ['newsletter']);
    expect(suppressedJson.body).toEqual(freshJson.body);
    expect(h.mails.map((m) => m.to)).toEqual(['new@example.com', 'new2@example.com']);
  });

  it('no enumeration: the per-address daily limit answers like a success', async () => {
    const answers = [];
    for (let i = 0; i < 7; i += 1)
      answers.push(await signUp(h, 'many@example.com', ['newsletter']));
    expect(new Set(answers.map((r) => `${r.status} ${r.text}`)).size).toBe(1);
    expect(h.mails).toHaveLength(5);
  });

  it('REQ-15: Sec-GPC at signup is recorded on the profile', async () => {
    await signUp(h, 'gpc@example.com', ['newsletter'], { 'sec-gpc': '1' });
    const subject = await h.gdpr.subjects.get('gpc@example.com');
    expect(subject?.profile.privacySignals).toMatchObject({ gpc: true, dnt: false });
    await signUp(h, 'plain@example.com', ['newsletter']);
    expect(
      (await h.gdpr.subjects.get('plain@example.com'))?.profile.privacySignals,
    ).toBeUndefined();
  });

  it('refuses a post without the CSRF cookie or with a forged field (403 CSRF_FAILED)', async () => {
    const agent = h.agent();
    const bare = await agent
      .post('/gdpr/signup')
      .type('form')
      .send(formBody({ email: 'x@example.com', purposes: 'newsletter', _csrf: 'forged' }));
    expect(bare.status).toBe(403);
    expect(bare.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(bare.body.code).toBe('CSRF_FAILED');
    await csrfFor(agent);
    const forged = await agent
      .post('/gdpr/signup')
      .type('form')
      .send(formBody({ email: 'x@example.com', purposes: 'newsletter', _csrf: 'A'.repeat(43) }));
    expect(forged.status).toBe(403);
    const page = await h
      .agent()
      .post('/gdpr/signup')
      .set('accept', 'text/html')
      .type('form')
      .send(formBody({ email: 'x@example.com' }));
    expect(page.status).toBe(403);
    expect(page.text).toContain('CSRF_FAILED');
    await h.gdpr.outbox.idle();
    expect(h.mails).toHaveLength(0);
  });

  it('missing or malformed fields are a 400 problem with the code', async () => {
    const agent = h.agent();
    const csrf = await csrfFor(agent);
    const missing = await agent
      .post('/gdpr/signup')
      .type('form')
      .send(formBody({ _csrf: csrf }));
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(missing.body.issues[0].path).toBe('email');
    const bad = await agent
      .post('/gdpr/signup')
      .type('form')
      .send(formBody({ _csrf: csrf, email: 'not-an-address', purposes: 'newsletter' }));
    expect(bad.body.code).toBe('INVALID_EMAIL');
    const unoffered = await agent
      .post('/gdpr/signup')
      .type('form')
      .send(formBody({ _csrf: csrf, email: 'a@example.com', purposes: 'customer-offers' }));
    expect(unoffered.status).toBe(400);
    expect(unoffered.body.code).toBe('VALIDATION_FAILED');
    const stale = await agent
      .post('/gdpr/signup')
      .type('form')
      .send(
        formBody({
          _csrf: csrf,
          email: 'a@example.com',
          purposes: 'newsletter',
          notice_newsletter: '0.9',
        }),
      );
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('NOTICE_VERSION_MISMATCH');
    await h.gdpr.outbox.idle();
    expect(h.mails).toHaveLength(0);
  });

  it('an oversized body is a 413 problem', async () => {
    const agent = h.agent();
    const csrf = await csrfFor(agent);
    const res = await agent
      .post('/gdpr/signup')
      .type('form')
      .send(formBody({ _csrf: csrf, email: 'a@example.com', filler: 'x'.repeat(20_000) }));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    const json = await agent
      .post('/gdpr/signup')
      .set('content-type', 'application/json')
      .send('{"email":')
      .expect(400);
    expect(json.body.code).toBe('VALIDATION_FAILED');
  });

  it('answers 429 once the per-IP limit is spent', async () => {
    await h.close();
    h = await startHarness({
      signup: { rateLimiter: createMemoryRateLimiter({ limit: 2, windowMs: 3_600_000 }) },
    });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) {
      statuses.push((await signUp(h, `r${i}@example.com`, ['newsletter'])).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    const last = await signUp(h, 'r9@example.com', ['newsletter']);
    expect(last.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(last.body.code).toBe('RATE_LIMITED');
  });

  it('accepts a JSON body from an API client holding the CSRF pair', async () => {
    const agent = h.agent();
    const csrf = await csrfFor(agent);
    const res = await agent
      .post('/gdpr/signup')
      .send({ email: 'api@example.com', purposes: ['partners'], _csrf: csrf })
      .expect(200);
    expect(res.body).toEqual({ status: 'check-inbox' });
    await h.gdpr.outbox.idle();
    expect(h.mails[0]?.to).toBe('api@example.com');
  });
});

describe('honest pages (issue #21)', () => {
  /** Posts the signup form as a browser does, with the CSRF pair of a fresh GET. */
  async function postForm(fields: Record<string, string | string[]>, headers = {}) {
    const agent = h.agent();
    const csrf = await csrfFor(agent);
    let req = agent.post('/gdpr/signup').type('form').set('accept', 'text/html');
    for (const [name, value] of Object.entries(headers)) req = req.set(name, value as string);
    const res = await req.send(formBody({ ...fields, _csrf: csrf }));
    await h.gdpr.outbox.idle();
    return { res, agent };
  }

  it('REQ-21: no box ticked says nothing was recorded and nothing is sent, the same for every address', async () => {
    await h.gdpr.suppression.add('gone@example.com', 'erased');
    await signUp(h, 'known@example.com', ['newsletter']);
    h.mails.length = 0;
    const answers = [];
    for (const email of ['fresh@example.com', 'gone@example.com', 'known@example.com']) {
      answers.push((await postForm({ email })).res);
    }
    expect(new Set(answers.map((r) => `${r.status} ${r.text}`)).size).toBe(1);
    const page = answers[0]!;
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Nothing was recorded</h1>');
    expect(page.text).toContain('no message is sent');
    expect(page.text).not.toContain('on its way');
    expect(page.text).toContain('<a href="/gdpr/signup">Back to the form</a>');
    expect(h.mails).toHaveLength(0);
    expect(await h.gdpr.subjects.get('fresh@example.com')).toBeUndefined();

    const fr = await postForm({ email: 'fresh@example.com' }, { 'accept-language': 'fr' });
    expect(fr.res.text).toContain('Rien n’a été enregistré');
    expect(fr.res.text).toContain('aucun message n’est envoyé');

    const agent = h.agent();
    const csrf = await csrfFor(agent);
    const json = await agent
      .post('/gdpr/signup')
      .send({ email: 'fresh@example.com', purposes: [], _csrf: csrf })
      .expect(200);
    expect(json.body).toEqual({ status: 'nothing-recorded' });
  });

  it('a bad address sends the form back with what was typed (escaped), plain words and a fresh CSRF pair', async () => {
    const typed = '"><script>alert(1)</script>@x';
    const { res, agent } = await postForm({ email: typed, purposes: 'partners' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).not.toContain('<script>');
    expect(res.text).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@x"');
    expect(res.text).toContain('This email address does not look right');
    expect(res.text).toContain('data-code="INVALID_EMAIL"');
    // The code is not shown as text: only plain words are.
    expect(res.text).not.toMatch(/>[^<]*INVALID_EMAIL/);
    // The person's own tick comes back; nothing else is ticked.
    expect(res.text).toMatch(/value="partners" checked>/);
    expect(res.text.match(/ checked/g)).toHaveLength(1);
    expect(String(res.headers['set-cookie'])).toMatch(/^gdpr_mail_csrf=/);

    // The re-rendered form works as it is: its new pair is accepted.
    const csrf = /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1];
    const again = await agent
      .post('/gdpr/signup')
      .type('form')
      .set('accept', 'text/html')
      .send(formBody({ email: 'fixed@example.com', purposes: 'partners', _csrf: csrf! }));
    expect(again.status).toBe(200);
    expect(again.text).toContain('Check your inbox');
    await h.gdpr.outbox.idle();
    expect(h.mails.map((m) => m.to)).toEqual(['fixed@example.com']);

    // JSON clients keep the problem document.
    const jsonAgent = h.agent();
    const jsonCsrf = await csrfFor(jsonAgent);
    const json = await jsonAgent
      .post('/gdpr/signup')
      .send({ email: 'nope', purposes: ['partners'], _csrf: jsonCsrf });
    expect(json.status).toBe(400);
    expect(json.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(json.body.code).toBe('INVALID_EMAIL');
  });

  it('a stale notice sends the form back in FR with the current notices and the ticks kept', async () => {
    const { res } = await postForm(
      { email: 'ada@example.com', purposes: 'newsletter', notice_newsletter: '0.9' },
      { 'accept-language': 'fr' },
    );
    expect(res.status).toBe(409);
    expect(res.text).toContain('<html lang="fr">');
    expect(res.text).toContain('Les textes de ce formulaire ont changé');
    expect(res.text).toContain('value="ada@example.com"');
    expect(res.text).toContain('name="notice_newsletter" value="1.0"');
    expect(res.text).toMatch(/value="newsletter" checked>/);
    expect(h.mails).toHaveLength(0);
  });

  it('a failed CSRF check sends a blank form back: nothing a foreign post sent is pre-filled', async () => {
    const res = await h
      .agent()
      .post('/gdpr/signup')
      .set('accept', 'text/html')
      .type('form')
      .send(formBody({ email: 'victim@example.com', purposes: ['newsletter', 'partners'] }));
    expect(res.status).toBe(403);
    expect(res.text).toContain('data-code="CSRF_FAILED"');
    expect(res.text).toContain('This form expired or was sent from another site');
    expect(res.text).not.toContain('victim@example.com');
    expect(res.text).not.toMatch(/ checked/);
    expect(String(res.headers['set-cookie'])).toMatch(/^gdpr_mail_csrf=/);
    await h.gdpr.outbox.idle();
    expect(h.mails).toHaveLength(0);
  });

  it('Art. 13: the form links the privacy notice when links.privacyUrl is set; every page has an empty icon', async () => {
    // testConfig() sets links.privacyUrl to https://acme.test/privacy.
    const form = await h.agent().get('/gdpr/signup').set('accept', 'text/html');
    expect(form.text).toContain('<link rel="icon" href="data:,">');
    expect(form.headers['content-security-policy']).toContain("img-src 'self' data:");
    expect(form.text).toMatch(
      /<form[\s\S]*<a href="https:\/\/acme\.test\/privacy">How we use your personal data \(privacy policy\)<\/a>[\s\S]*<\/form>/,
    );
    await h.close();
    h = await startHarness({}, { links: { baseUrl: 'https://app.acme.test/gdpr' } });
    const plain = await h.agent().get('/gdpr/signup').set('accept', 'text/html');
    expect(plain.text).not.toContain('privacy policy)');
  });
});
