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
