import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { gdprMailRouter } from '@gdpr-mail/express';
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from './harness.js';
import { startHarness } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function expectSecurityHeaders(headers: Record<string, string>): void {
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-content-type-options']).toBe('nosniff');
  const csp = headers['content-security-policy'] ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
}

describe('#19 finding 9: security headers', () => {
  it('a page, an HTML problem and a JSON problem carry Referrer-Policy, nosniff and a CSP', async () => {
    harness = await startHarness();
    const page = await harness.agent().get('/gdpr/dsar').set('accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)/i);
    expectSecurityHeaders(page.headers as Record<string, string>);

    const htmlProblem = await harness
      .agent()
      .get('/gdpr/unsubscribe/not-a-token')
      .set('accept', 'text/html');
    expect(htmlProblem.status).toBeGreaterThanOrEqual(400);
    expectSecurityHeaders(htmlProblem.headers as Record<string, string>);

    const jsonProblem = await harness
      .agent()
      .get('/gdpr/unsubscribe/not-a-token')
      .set('accept', 'application/json');
    expect(jsonProblem.headers['content-type']).toContain('application/problem+json');
    expectSecurityHeaders(jsonProblem.headers as Record<string, string>);
  });

  it("leaves the host app's other routes untouched", async () => {
    const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
    const app = express();
    app.use('/gdpr', gdprMailRouter(gdpr, { sendMail: async () => {} }));
    app.get('/elsewhere', (_req, res) => res.send('host'));
    const ours = await request(app).get('/gdpr/nope');
    expect(ours.headers['referrer-policy']).toBe('no-referrer');
    const response = await request(app).get('/elsewhere');
    await gdpr.close();
    expect(response.headers['content-security-policy']).toBeUndefined();
    expect(response.headers['referrer-policy']).toBeUndefined();
  });
});

describe('#19 finding 12: unknown paths and wrong methods under the mount', () => {
  it('an unknown path gets a 404 problem, not Express HTML', async () => {
    harness = await startHarness();
    const response = await harness.agent().get('/gdpr/nope').set('accept', 'application/json');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body.code).toBe('NOT_FOUND');
    expectSecurityHeaders(response.headers as Record<string, string>);
  });

  it('a wrong method on a known path gets a 405 problem', async () => {
    harness = await startHarness();
    const response = await harness.agent().delete('/gdpr/dsar').set('accept', 'application/json');
    expect(response.status).toBe(405);
    expect(response.body.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('TRACE, which a Fetch Request refuses, gets the 405 problem too, not a 500 with a stack trace', async () => {
    // Before: `new Request(url, { method: 'TRACE' })` threw in the Node bridge, so Express's own
    // error page answered 500, without the security headers and (outside production) with the
    // stack trace and the server's file paths; every such request also reached onError.
    const errors: unknown[] = [];
    harness = await startHarness({ onError: (error) => errors.push(error) });
    const json = await harness.agent().trace('/gdpr/dsar').set('accept', 'application/json');
    expect(json.status).toBe(405);
    expect(json.body.code).toBe('METHOD_NOT_ALLOWED');
    expectSecurityHeaders(json.headers as Record<string, string>);
    const page = await harness.agent().trace('/gdpr/signup').set('accept', 'text/html');
    expect(page.status).toBe(405);
    expect(page.headers['cache-control']).toBe('no-store');
    expectSecurityHeaders(page.headers as Record<string, string>);
    expect(page.text).not.toMatch(/TypeError|node_modules|node-bridge/);
    const missing = await harness.agent().trace('/gdpr/nope').set('accept', 'application/json');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    expect(errors).toEqual([]);
  });

  it('a browser gets the HTML error page for an unknown path', async () => {
    harness = await startHarness();
    const response = await harness.agent().get('/gdpr/nope').set('accept', 'text/html');
    expect(response.status).toBe(404);
    expect(response.text).not.toContain('Cannot GET');
  });
});
