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

const pathOf = (url: string): string => new URL(url).pathname;

describe('#19 finding 6: preference centre POST refuses cross-site submissions', () => {
  it('refuses Sec-Fetch-Site: cross-site and a foreign Origin, changing nothing', async () => {
    await confirmed('ada@example.com', ['newsletter']);
    const path = pathOf(await h.gdpr.links.preferencesUrl('ada@example.com'));
    const crossSite = await h
      .agent()
      .post(path)
      .set('sec-fetch-site', 'cross-site')
      .set('accept', 'application/json')
      .type('form')
      .send(formBody({ action: 'unsubscribe-all' }));
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.code).toBe('CSRF_FAILED');
    const foreign = await h
      .agent()
      .post(path)
      .set('origin', 'https://evil.test')
      .set('accept', 'application/json')
      .type('form')
      .send(formBody({ action: 'unsubscribe-all' }));
    expect(foreign.status).toBe(403);
    expect(await h.gdpr.suppression.check('ada@example.com')).toBeUndefined();
  });

  it('accepts a same-origin submission from the page', async () => {
    await confirmed('ada@example.com', ['newsletter']);
    const path = pathOf(await h.gdpr.links.preferencesUrl('ada@example.com'));
    await h
      .agent()
      .post(path)
      .set('sec-fetch-site', 'same-origin')
      .set('origin', 'https://app.acme.test')
      .type('form')
      .send(formBody({ action: 'unsubscribe-all' }))
      .expect(200);
    expect((await h.gdpr.suppression.check('ada@example.com'))?.reason).toBe('unsubscribed-all');
  });

  it('Origin: null is refused without Sec-Fetch-Site, accepted when it says same-origin', async () => {
    await confirmed('ada@example.com', ['newsletter']);
    const path = pathOf(await h.gdpr.links.preferencesUrl('ada@example.com'));
    // A sandboxed iframe or a data: page elsewhere sends `Origin: null` too.
    const opaque = await h
      .agent()
      .post(path)
      .set('origin', 'null')
      .set('accept', 'application/json')
      .type('form')
      .send(formBody({ action: 'unsubscribe-all' }));
    expect(opaque.status).toBe(403);
    expect(opaque.body.code).toBe('CSRF_FAILED');
    expect(await h.gdpr.suppression.check('ada@example.com')).toBeUndefined();
    // Our own form under `Referrer-Policy: no-referrer`: the browser says where it came from.
    await h
      .agent()
      .post(path)
      .set('sec-fetch-site', 'same-origin')
      .set('origin', 'null')
      .type('form')
      .send(formBody({ action: 'unsubscribe-all' }))
      .expect(200);
    expect((await h.gdpr.suppression.check('ada@example.com'))?.reason).toBe('unsubscribed-all');
  });

  it('the RFC 8058 one-click POST still works cross-site with no cookie', async () => {
    await confirmed('ada@example.com', ['newsletter']);
    const path = pathOf(await h.gdpr.links.unsubscribeUrl('ada@example.com', 'all'));
    await h
      .agent()
      .post(path)
      .set('sec-fetch-site', 'cross-site')
      .set('origin', 'https://mail.provider.test')
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(200);
  });
});
