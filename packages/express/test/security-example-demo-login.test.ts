import { MemoryStore } from '@gdpr-mail/core';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createExampleApp } from '../../../examples/express-app/src/app.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

function production(password?: string) {
  vi.stubEnv('NODE_ENV', 'production');
  vi.stubEnv('GDPR_MAIL_PEPPER', 'a-real-pepper-from-the-secret-store-0123456789');
  vi.stubEnv('GDPR_MAIL_TOKEN_KEY', 'a-real-token-key-from-the-secret-store-0123456789');
  vi.stubEnv('GDPR_MAIL_ENCRYPTION_KEY', 'a-real-encryption-key-from-the-secret-store-0123');
  vi.stubEnv('DEMO_STAFF_PASSWORD', password);
  return createExampleApp({ baseUrl: 'http://127.0.0.1/gdpr', store: new MemoryStore() });
}

async function logIn(app: ReturnType<typeof production>['app'], user: string, password: string) {
  const agent = request.agent(app);
  const login = await agent.post('/login').type('form').send({ user, password }).redirects(0);
  const console = await agent.get('/admin/privacy').redirects(0);
  return { login, console };
}

describe('the Express example in production: the published demo password opens nothing (SEED-06, SEED-08)', () => {
  it('REQ-21: refuses the staff login with `demo` when DEMO_STAFF_PASSWORD is unset', async () => {
    const example = production(undefined);
    try {
      const { login, console } = await logIn(example.app, 'dpo', 'demo');
      expect(login.status).toBe(303);
      expect(login.headers.location).toBe('/login?failed=1');
      expect(login.headers['set-cookie']).toBeUndefined();
      // Still behind the login: no one can export or erase through the console.
      expect(console.headers.location).toBe('/login');
    } finally {
      await example.gdpr.close();
    }
  });

  it('opens the console with the password the operator set, and only for a real staff name', async () => {
    const example = production('an-operator-chosen-password-0123');
    try {
      expect((await logIn(example.app, 'dpo', 'demo')).console.headers.location).toBe('/login');
      // An inherited property name is no staff member.
      const inherited = await logIn(example.app, 'constructor', 'an-operator-chosen-password-0123');
      expect(inherited.login.headers.location).toBe('/login?failed=1');
      const { login, console } = await logIn(
        example.app,
        'dpo',
        'an-operator-chosen-password-0123',
      );
      expect(login.headers.location).toBe('/admin/privacy');
      // Logged in: the console's own start page, not the login.
      expect(console.headers.location).toBe('/admin/privacy/requests');
    } finally {
      await example.gdpr.close();
    }
  });
});
