import type { Server } from 'node:http';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExampleApp } from '../../../examples/nest-app/src/app.js';
import { startNestExample } from './example-server.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the Nest example in production: no demo sign-in, no demo password (REQ-21, SEED-06)', () => {
  it('REQ-21: ?as=<address> tells nothing about who is subscribed, and `demo` opens no console', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    vi.stubEnv('GDPR_MAIL_PEPPER', 'a-real-pepper-from-the-secret-store-0123456789');
    vi.stubEnv('GDPR_MAIL_TOKEN_KEY', 'a-real-token-key-from-the-secret-store-0123456789');
    vi.stubEnv('GDPR_MAIL_ENCRYPTION_KEY', 'a-real-encryption-key-from-the-secret-store-0123');
    vi.stubEnv('DEMO_STAFF_PASSWORD', undefined);
    let example: ExampleApp | undefined;
    try {
      ({ example } = await startNestExample());
      const server = example.app.getHttpServer() as Server;
      const subscriber = 'ada@example.com';
      await example.gdpr.consent.record({
        email: subscriber,
        purposes: ['newsletter'],
        evidence: { action: 'affirmative', method: 'checkbox', source: 'test' },
      });
      const known = await request(server).get(`/members/tips?as=${subscriber}`);
      const unknown = await request(server).get('/members/tips?as=nobody@example.com');
      expect(known.status).toBe(403);
      expect(unknown.status).toBe(known.status);
      expect(known.text).toBe(unknown.text);

      const agent = request.agent(server);
      const login = await agent
        .post('/login')
        .type('form')
        .send({ user: 'dpo', password: 'demo' })
        .redirects(0);
      expect(login.headers.location).toBe('/login?failed=1');
      expect(login.headers['set-cookie']).toBeUndefined();
      expect((await agent.get('/admin/privacy').redirects(0)).status).toBe(303);
    } finally {
      await example?.app.close();
    }
  });
});
