import { MemoryStore } from '@gdpr-mail/core';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createExampleApp } from '../../../examples/express-app/src/app.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('#19 finding 11: example dev routes and secrets', () => {
  it('mounts /dev/inbox and /dev/newsletter only outside NODE_ENV=production', async () => {
    vi.stubEnv('NODE_ENV', 'development');
    vi.stubEnv('GDPR_MAIL_PEPPER', undefined);
    vi.stubEnv('GDPR_MAIL_TOKEN_KEY', undefined);
    const dev = createExampleApp({ baseUrl: 'http://127.0.0.1/gdpr', store: new MemoryStore() });
    expect((await request(dev.app).get('/dev/inbox')).status).toBe(200);
    await dev.gdpr.close();

    vi.stubEnv('NODE_ENV', 'production');
    vi.stubEnv('GDPR_MAIL_PEPPER', 'a-real-pepper-from-the-secret-store-0123456789');
    vi.stubEnv('GDPR_MAIL_TOKEN_KEY', 'a-real-token-key-from-the-secret-store-0123456789');
    vi.stubEnv('GDPR_MAIL_ENCRYPTION_KEY', 'a-real-encryption-key-from-the-secret-store-0123');
    const prod = createExampleApp({ baseUrl: 'http://127.0.0.1/gdpr', store: new MemoryStore() });
    expect((await request(prod.app).get('/dev/inbox')).status).toBe(404);
    expect((await request(prod.app).post('/dev/newsletter')).status).toBe(404);
    await prod.gdpr.close();
  });

  it('in production, refuses to start with the published example secrets', () => {
    vi.stubEnv('NODE_ENV', 'production');
    vi.stubEnv('GDPR_MAIL_PEPPER', undefined);
    vi.stubEnv('GDPR_MAIL_TOKEN_KEY', undefined);
    vi.stubEnv('GDPR_MAIL_ENCRYPTION_KEY', undefined);
    expect(() =>
      createExampleApp({ baseUrl: 'http://127.0.0.1/gdpr', store: new MemoryStore() }),
    ).toThrow(/secrets\.pepper/);
    expect(() =>
      createExampleApp({ baseUrl: 'http://127.0.0.1/gdpr', store: new MemoryStore() }),
    ).toThrow(/secrets\.encryptionKeys\.0\.secret/);
  });
});

describe('the dev inbox pages (HTTP attacks, 2026-12-07)', () => {
  // Every mail page shows the mail's signed links (confirm, unsubscribe, preferences, DSAR):
  // no cache may keep them, no Referer may carry the page's address, and another site may
  // not frame the newsletter form. The mail page frames its own /html body, hence 'self'.
  it('are not cached, send no Referer and cannot be framed by another site', async () => {
    vi.stubEnv('NODE_ENV', 'development');
    const dev = createExampleApp({ baseUrl: 'http://127.0.0.1/gdpr', store: new MemoryStore() });
    try {
      await dev.gdpr.mailer.sendSystem(
        {
          to: 'dev-inbox@example.org',
          subject: 'Confirm',
          text: 'Confirm: http://127.0.0.1/gdpr/confirm/abc',
          html: '<p><a href="http://127.0.0.1/gdpr/confirm/abc">Confirm</a></p>',
        },
        { kind: 'double-opt-in' },
      );
      const paths = ['/dev/inbox', '/dev/inbox/1', '/dev/inbox/1/html', '/dev/inbox/1/raw'];
      for (const path of paths) {
        const res = await request(dev.app).get(path);
        expect(res.status, path).toBe(200);
        expect(res.headers['cache-control'], path).toBe('no-store');
        expect(res.headers['referrer-policy'], path).toBe('no-referrer');
        expect(res.headers['x-content-type-options'], path).toBe('nosniff');
        expect(res.headers['content-security-policy'], path).toContain("frame-ancestors 'self'");
      }
      const sent = await request(dev.app)
        .post('/dev/newsletter')
        .type('form')
        .send('email=nobody%40example.org');
      expect(sent.status).toBe(303);
      expect(sent.headers['cache-control']).toBe('no-store');
    } finally {
      await dev.gdpr.close();
    }
  });

  it("refuse another site's form: no newsletter mailed, no staff login or logout", async () => {
    vi.stubEnv('NODE_ENV', 'development');
    const dev = createExampleApp({ baseUrl: 'http://127.0.0.1/gdpr', store: new MemoryStore() });
    try {
      const before = dev.inbox.mails.length;
      const crossSite = [
        { 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' },
        { 'sec-fetch-site': 'same-site' },
        { origin: 'https://evil.test' },
        { origin: 'null' },
      ];
      for (const headers of crossSite) {
        const label = JSON.stringify(headers);
        const mail = await request(dev.app)
          .post('/dev/newsletter')
          .set(headers)
          .type('form')
          .send('email=victim%40example.org');
        expect(mail.status, label).toBe(403);
        const login = await request(dev.app)
          .post('/login')
          .set(headers)
          .type('form')
          .send('user=dpo&password=demo');
        expect(login.status, label).toBe(403);
        expect(login.headers['set-cookie'], label).toBeUndefined();
        expect((await request(dev.app).post('/logout').set(headers)).status, label).toBe(403);
      }
      expect(dev.inbox.mails.length).toBe(before);
      // The app's own forms still work: a browser names them same-origin.
      const own = await request(dev.app)
        .post('/login')
        .set({ 'sec-fetch-site': 'same-origin', origin: 'null' })
        .type('form')
        .send('user=dpo&password=demo');
      expect(own.status).toBe(303);
      expect(String(own.headers['set-cookie'])).toContain('acme_staff=dpo.');
    } finally {
      await dev.gdpr.close();
    }
  });
});
