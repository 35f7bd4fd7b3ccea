import type { Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExampleApp } from '../../../examples/nest-app/src/app.js';
import { startNestExample } from './example-server.js';

describe('examples/nest-app smoke test', () => {
  let example: ExampleApp;
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    ({ example, origin } = await startNestExample());
    server = example.app.getHttpServer() as Server;
  });

  afterAll(async () => {
    await example?.app.close();
  });

  it('GET / is the shop; signup → dev inbox → confirm opens the guarded page', async () => {
    const home = await request(server).get('/').expect(200);
    expect(home.headers['content-type']).toMatch(/^text\/html/);
    expect(home.text).toContain('href="/gdpr/signup"');

    const email = 'ada@example.com';
    await request(server).get(`/members/tips?as=${email}`).expect(403);

    const agent = request.agent(server);
    const form = await agent.get('/gdpr/signup').set('accept', 'text/html').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1];
    expect(csrf).toBeTruthy();
    const signup = await agent
      .post('/gdpr/signup')
      .set('accept', 'text/html')
      .type('form')
      .send(`email=${encodeURIComponent(email)}&purposes=newsletter&_csrf=${csrf}`)
      .expect(200);
    expect(signup.text).toContain('Check your inbox');
    // The confirmation is mailed after the answer, from the outbox (#19).
    await example.gdpr.outbox.idle();

    const mail = example.inbox.mails.at(-1);
    expect(mail?.to).toBe(email);
    const inbox = await request(server).get('/dev/inbox').expect(200);
    expect(inbox.text).toContain(`/dev/inbox/${mail?.id}`);
    // The inbox shows signed links: never cached, never a Referer, never framed by another site.
    for (const path of ['/dev/inbox', `/dev/inbox/${mail?.id}`, `/dev/inbox/${mail?.id}/html`]) {
      const page = await request(server).get(path).expect(200);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    }
    const confirmUrl = example.inbox.transport.sent
      .at(-1)
      ?.message.text?.match(new RegExp(`${origin}(/gdpr/confirm/\\S+)`))?.[1];
    expect(confirmUrl).toBeTruthy();
    await request(server).post(confirmUrl!).type('form').send({}).expect(200);

    const tips = await request(server).get(`/members/tips?as=${email}`).expect(200);
    expect(tips.body.tips.length).toBeGreaterThan(0);

    const sent = await request(server)
      .post('/dev/newsletter')
      .type('form')
      .send({ email })
      .redirects(0)
      .expect(303);
    // The redirect's note says what happened without the address: no personal data in a URL.
    expect(decodeURIComponent(sent.headers.location ?? '')).toContain('Newsletter sent.');
    expect(decodeURIComponent(sent.headers.location ?? '')).not.toContain(email);
    expect(example.inbox.mails.at(-1)?.kind).toBe('newsletter');
  });

  it("refuses another site's form: no newsletter mailed, no staff login", async () => {
    const before = example.inbox.mails.length;
    for (const headers of [
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' },
      { origin: 'null' },
    ]) {
      await request(server)
        .post('/dev/newsletter')
        .set(headers)
        .type('form')
        .send({ email: 'victim@example.org' })
        .expect(403);
      const login = await request(server)
        .post('/login')
        .set(headers)
        .type('form')
        .send({ user: 'dpo', password: 'demo' })
        .expect(403);
      expect(login.headers['set-cookie']).toBeUndefined();
    }
    expect(example.inbox.mails.length).toBe(before);
    const own = await request(server)
      .post('/login')
      .set('sec-fetch-site', 'same-origin')
      .type('form')
      .send({ user: 'dpo', password: 'demo' })
      .redirects(0)
      .expect(303);
    expect(String(own.headers['set-cookie'])).toContain('acme_staff=dpo.');
  });
});
