import { createTestClock } from '@gdpr-mail/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Harness } from './harness.js';
import { formBody, signUp, startHarness, tokenFrom } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

async function confirmed(email: string, purposes: string[]): Promise<void> {
  await signUp(h, email, purposes);
  const token = tokenFrom(h.mails.at(-1), '/gdpr/confirm');
  await h.agent().post(`/gdpr/confirm/${token}`).type('form').send(`token=${token}`).expect(200);
}

function pathOf(url: string): string {
  return new URL(url).pathname;
}

describe('confirm', () => {
  it('REQ-18: GET shows the interstitial and changes nothing; POST confirms once', async () => {
    await signUp(h, 'ada@example.com', ['newsletter', 'partners']);
    const token = tokenFrom(h.mails[0], '/gdpr/confirm');
    const before = h.store.dump();
    const page = await h
      .agent()
      .get(`/gdpr/confirm/${token}`)
      .set('accept', 'text/html')
      .expect(200);
    expect(page.text).toContain(`<form method="post" action="/gdpr/confirm/${token}">`);
    expect(page.text).toContain('Offers from our partners');
    const json = await h.agent().get(`/gdpr/confirm/${token}`).expect(200);
    expect(json.body.maskedEmail).toMatch(/^a\*+@example\.com$/);
    expect(h.store.dump()).toBe(before);

    const done = await h
      .agent()
      .post(`/gdpr/confirm/${token}`)
      .set('accept', 'text/html')
      .type('form')
      .send(`token=${token}`)
      .expect(200);
    expect(done.text).toContain('Subscription confirmed');
    expect((await h.gdpr.canSend('ada@example.com', 'newsletter')).allowed).toBe(true);

    const replay = await h.agent().post(`/gdpr/confirm/${token}`).expect(409);
    expect(replay.body.code).toBe('TOKEN_USED');
  });

  it('issue #21: an already-used link is told in plain words with a way on, not as an error code', async () => {
    await signUp(h, 'ada@example.com', ['newsletter']);
    const token = tokenFrom(h.mails[0], '/gdpr/confirm');
    await h.agent().post(`/gdpr/confirm/${token}`).type('form').send(`token=${token}`).expect(200);
    for (const method of ['get', 'post'] as const) {
      const page = await h.agent()[method](`/gdpr/confirm/${token}`).set('accept', 'text/html');
      expect(page.status).toBe(409);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.text).toContain('<h1>This link was already used</h1>');
      expect(page.text).toContain('there is nothing more to do here');
      expect(page.text).not.toContain('TOKEN_USED');
      expect(page.text).not.toContain('Something went wrong');
      expect(page.text).toContain('<a href="https://app.acme.test/">Back to the website</a>');
    }
    const fr = await h
      .agent()
      .post(`/gdpr/confirm/${token}`)
      .set('accept', 'text/html')
      .set('accept-language', 'fr');
    expect(fr.text).toContain('Ce lien a déjà été utilisé');
    // API clients keep the problem document.
    const json = await h.agent().post(`/gdpr/confirm/${token}`).expect(409);
    expect(json.body.code).toBe('TOKEN_USED');
  });

  it('forged and expired tokens are problems with their code', async () => {
    const forged = await h.agent().get('/gdpr/confirm/abc.def').expect(400);
    expect(forged.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(forged.body.code).toBe('TOKEN_INVALID');
    const html = await h.agent().post('/gdpr/confirm/abc.def').set('accept', 'text/html');
    expect(html.status).toBe(400);
    expect(html.text).toContain('TOKEN_INVALID');

    await h.close();
    const clock = createTestClock();
    h = await startHarness({}, { clock });
    await signUp(h, 'late@example.com', ['newsletter']);
    const token = tokenFrom(h.mails[0], '/gdpr/confirm');
    clock.advance(8 * 86_400_000);
    const expired = await h.agent().post(`/gdpr/confirm/${token}`).expect(410);
    expect(expired.body).toMatchObject({ status: 410, code: 'TOKEN_EXPIRED' });
  });

  it('a confirm token cannot serve as an unsubscribe token', async () => {
    await signUp(h, 'ada@example.com', ['newsletter']);
    const token = tokenFrom(h.mails[0], '/gdpr/confirm');
    const res = await h.agent().post(`/gdpr/u/${token}`).expect(400);
    expect(res.body.code).toBe('TOKEN_WRONG_TYPE');
  });
});

describe('one-click unsubscribe (RFC 8058)', () => {
  it('REQ-12: POST List-Unsubscribe=One-Click answers 200, no cookie, no redirect, idempotent', async () => {
    await confirmed('ada@example.com', ['newsletter', 'partners']);
    const path = pathOf(await h.gdpr.links.unsubscribeUrl('ada@example.com', ['newsletter']));
    expect(path).toMatch(/^\/gdpr\/u\//);
    for (let i = 0; i < 2; i += 1) {
      const res = await h
        .agent()
        .post(path)
        .type('form')
        .send('List-Unsubscribe=One-Click')
        .redirects(0);
      expect(res.status).toBe(200);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.headers.location).toBeUndefined();
    }
    expect((await h.gdpr.canSend('ada@example.com', 'newsletter')).allowed).toBe(false);
    expect((await h.gdpr.canSend('ada@example.com', 'partners')).allowed).toBe(true);
    const withdrawals = (await h.gdpr.consent.history('ada@example.com')).filter(
      (e) => e.type === 'withdrawn',
    );
    expect(withdrawals).toHaveLength(1);
  });

  it('GET shows a page with a button and mutates nothing; the button works', async () => {
    await confirmed('ada@example.com', ['newsletter']);
    const path = pathOf(await h.gdpr.links.unsubscribeUrl('ada@example.com', 'all'));
    const before = h.store.dump();
    const page = await h.agent().get(path).set('accept', 'text/html').expect(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.text).toContain(`action="${path}"`);
    expect(page.text).toContain('Every email we send you');
    expect(h.store.dump()).toBe(before);

    const token = path.split('/').at(-1)!;
    const res = await h
      .agent()
      .post(path)
      .set('accept', 'text/html')
      .type('form')
      .send(formBody({ token }))
      .expect(200);
    expect(res.text).toContain('You are unsubscribed');
    expect((await h.gdpr.suppression.check('ada@example.com'))?.reason).toBe('unsubscribed-all');
  });

  it('forged token and oversized body are problems', async () => {
    const forged = await h
      .agent()
      .post('/gdpr/u/forged-token')
      .type('form')
      .send('List-Unsubscribe=One-Click');
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe('TOKEN_INVALID');
    const big = await h
      .agent()
      .post('/gdpr/u/forged-token')
      .type('form')
      .send(`List-Unsubscribe=One-Click&x=${'y'.repeat(20_000)}`);
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('preference centre', () => {
  it('GET shows current choices and changes nothing; POST saves them', async () => {
    await confirmed('ada@example.com', ['newsletter']);
    const path = pathOf(await h.gdpr.links.preferencesUrl('ada@example.com'));
    expect(path).toMatch(/^\/gdpr\/preferences\//);
    const before = h.store.dump();
    const page = await h.agent().get(path).set('accept', 'text/html').expect(200);
    expect(page.text).toMatch(/value="newsletter" checked/);
    expect(page.text).not.toMatch(/value="partners" checked/);
    expect(h.store.dump()).toBe(before);

    const saved = await h
      .agent()
      .post(path)
      .set('accept', 'text/html')
      .type('form')
      .send(formBody({ action: 'save', purposes: ['partners'] }))
      .expect(200);
    expect(saved.text).toContain('Your choices are saved.');
    expect(saved.text).toMatch(/value="partners" checked/);
    expect((await h.gdpr.canSend('ada@example.com', 'newsletter')).allowed).toBe(false);
    expect((await h.gdpr.canSend('ada@example.com', 'partners')).allowed).toBe(true);

    const json = await h.agent().get(path).expect(200);
    const items = json.body.items as Array<{ id: string; subscribed: boolean }>;
    expect(items.find((i) => i.id === 'partners')?.subscribed).toBe(true);
  });

  it('unsubscribe from everything suppresses the address', async () => {
    await confirmed('ada@example.com', ['newsletter', 'partners']);
    const path = pathOf(await h.gdpr.links.preferencesUrl('ada@example.com'));
    await h
      .agent()
      .post(path)
      .type('form')
      .send(formBody({ action: 'unsubscribe-all' }))
      .expect(200);
    expect((await h.gdpr.suppression.check('ada@example.com'))?.reason).toBe('unsubscribed-all');
  });

  it('refuses bad input: unknown action, purpose out of scope, forged token', async () => {
    await confirmed('ada@example.com', ['newsletter']);
    const path = pathOf(await h.gdpr.links.preferencesUrl('ada@example.com', ['newsletter']));
    const action = await h
      .agent()
      .post(path)
      .type('form')
      .send(formBody({ action: 'delete-everything' }));
    expect(action.status).toBe(400);
    expect(action.body.code).toBe('VALIDATION_FAILED');
    const scope = await h
      .agent()
      .post(path)
      .type('form')
      .send(formBody({ purposes: 'partners' }));
    expect(scope.status).toBe(400);
    expect(scope.body.code).toBe('VALIDATION_FAILED');
    const forged = await h.agent().get('/gdpr/preferences/nope').expect(400);
    expect(forged.body.code).toBe('TOKEN_INVALID');
  });
});
