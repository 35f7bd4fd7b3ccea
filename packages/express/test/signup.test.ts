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
