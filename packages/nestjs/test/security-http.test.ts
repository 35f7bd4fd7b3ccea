import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from './harness.js';
import { startHarness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('#19 finding 9 and 12 (Nest): security headers and problems under the mount', () => {
  it('a page carries the security headers', async () => {
    h = await startHarness();
    const page = await h.agent().get('/gdpr/dsar').set('accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('an unknown path is a 404 problem, a wrong method a 405 problem', async () => {
    h = await startHarness();
    const missing = await h.agent().get('/gdpr/nope').set('accept', 'application/json');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    expect(missing.body.code).toBe('NOT_FOUND');
    expect(missing.headers['referrer-policy']).toBe('no-referrer');
    const wrong = await h.agent().delete('/gdpr/dsar').set('accept', 'application/json');
    expect(wrong.status).toBe(405);
    expect(wrong.body.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('a path Express cannot decode is the same 404 problem with the headers, not the router 400', async () => {
    h = await startHarness();
    const unknown = await h.agent().get('/gdpr/nope').set('accept', 'application/json');
    for (const path of ['/gdpr/u/abc%ZZ', '/gdpr/%ZZ', '/gdpr/dsar/%E0%A4%A']) {
      const res = await h.agent().get(path).set('accept', 'application/json');
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type']).toBe(unknown.headers['content-type']);
      expect(res.body).toEqual(unknown.body);
      expect(res.body.code).toBe('NOT_FOUND');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['cache-control']).toBe(unknown.headers['cache-control']);
      // Nothing of the path is echoed back.
      expect(res.text).not.toContain('%ZZ');
    }
  });

  it('TRACE, which a Fetch Request refuses, is a 405 problem with the headers, not a 500', async () => {
    h = await startHarness();
    const trace = await h.agent().trace('/gdpr/dsar').set('accept', 'application/json');
    expect(trace.status).toBe(405);
    expect(trace.body.code).toBe('METHOD_NOT_ALLOWED');
    expect(trace.headers['referrer-policy']).toBe('no-referrer');
    expect(trace.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
