import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from './harness.js';
import { startHarness } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const formAction = (page: string) => /<form method="post" action="([^"]*)">/.exec(page)?.[1];

describe('the link pages (HTTP attacks, 2026-12-07)', () => {
  // The DSAR interstitials read nothing (no token check before the POST), so the path segment
  // is whatever the visitor's link said. Decoded and put into the form's action as is, an
  // attacker's link `/gdpr/dsar/verify/..%2F..%2Flogout` made the page's button POST to
  // `/logout` (or any same-origin path, with a query): a same-origin form the Sec-Fetch-Site
  // checks trust, and whose cookies a SameSite=Strict session sends.
  it.each([
    // [route, the link's segment, where the button used to post]
    ['/gdpr/dsar/verify', '..%2F..%2Flogout', '/gdpr/logout'],
    ['/gdpr/dsar/download', '..%2F..%2Fadmin%2Fprivacy%3Fx%3D1', '/gdpr/admin/privacy'],
    ['/gdpr/dsar/verify', 'x%3Fnext%3D%2F%2Fevil.example%23f', '/gdpr/dsar/verify/x'],
  ])('GET %s/%s keeps the button on its own route', async (route, segment, before) => {
    harness = await startHarness();
    const page = await harness.agent().get(`${route}/${segment}`).set('accept', 'text/html');
    expect(page.status).toBe(200);
    const action = formAction(page.text)!;
    expect(action.startsWith(`${route}/`)).toBe(true);
    // Where the browser would really post: the action resolved against the page's URL.
    const target = new URL(action.replaceAll('&amp;', '&'), `${harness.url}${route}/${segment}`);
    expect(target.pathname.startsWith(`${route}/`)).toBe(true);
    expect(target.pathname.split('/').length).toBe(route.split('/').length + 1);
    expect(target.search).toBe('');
    expect(target.hash).toBe('');
    expect(target.pathname).not.toBe(before);
    // The POST it leads to refuses the segment as a token and changes nothing.
    const posted = await harness
      .agent()
      .post(target.pathname)
      .type('form')
      .send('')
      .set('accept', 'application/json');
    expect(posted.status).toBe(400);
    expect(posted.body.code).toBe('TOKEN_INVALID');
  });

  it('the JSON verify page names its own route as the action, the segment encoded', async () => {
    harness = await startHarness();
    const res = await harness
      .agent()
      .get('/gdpr/dsar/verify/..%2F..%2Flogout')
      .set('accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body.action).toBe('/gdpr/dsar/verify/..%2F..%2Flogout');
  });
});
