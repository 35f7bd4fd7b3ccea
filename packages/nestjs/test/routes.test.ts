import type { WebhookHandler, WebhookRequest } from '@gdpr-mail/core';
import { InMemoryTransport } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import { GdprMailModule } from '@gdpr-mail/nestjs';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from './harness.js';
import { csrfFor, formBody, signUp, startHarness, tokenFrom } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function pathOf(url: string): string {
  return new URL(url).pathname;
}

async function confirmed(harness: Harness, email: string, purposes: string[]): Promise<void> {
  await signUp(harness, email, purposes);
  const token = tokenFrom(harness.mails.at(-1), '/gdpr/confirm');
  await harness.agent().post(`/gdpr/confirm/${token}`).type('form').send({ token }).expect(200);
}

describe('signup and confirm through the Nest module', () => {
  it('REQ-16/REQ-18: signup mails a link; GET shows the interstitial and changes nothing; POST confirms once', async () => {
    h = await startHarness();
    const form = await h.agent().get('/gdpr/signup').set('accept', 'text/html').expect(200);
    expect(form.text).toContain('action="/gdpr/signup"');
    expect(form.text).not.toMatch(/ checked/);
    expect(String(form.headers['set-cookie'])).toMatch(/^gdpr_mail_csrf=[^;]+; Path=\/gdpr;/);

    const res = await signUp(h, 'Ada@Example.com', ['newsletter', 'partners']);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'check-inbox' });
    expect(h.mails.map((m) => m.to)).toEqual(['ada@example.com']);
    expect((await h.gdpr.consent.state('ada@example.com', 'newsletter')).status).toBe('pending');

    const token = tokenFrom(h.mails[0], '/gdpr/confirm');
    const before = h.store.dump();
    const page = await h.agent().get(`/gdpr/confirm/${token}`).set('accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<form method="post" action="/gdpr/confirm/${token}">`);
    expect(h.store.dump()).toBe(before);
    expect((await h.gdpr.canSend('ada@example.com', 'newsletter')).allowed).toBe(false);

    const done = await h.agent().post(`/gdpr/confirm/${token}`).type('form').send({ token });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ status: 'confirmed', purposes: ['newsletter', 'partners'] });
    expect((await h.gdpr.canSend('ada@example.com', 'newsletter')).allowed).toBe(true);

    const replay = await h.agent().post(`/gdpr/confirm/${token}`).expect(409);
    expect(replay.body.code).toBe('TOKEN_USED');
  });

  it('a forged token is a 400 problem TOKEN_INVALID (JSON) or an error page (browsers)', async () => {
    h = await startHarness();
    const forged = await h.agent().get('/gdpr/confirm/abc.def').expect(400);
    expect(forged.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(forged.body).toMatchObject({ status: 400, code: 'TOKEN_INVALID' });
    const html = await h.agent().post('/gdpr/confirm/abc.def').set('accept', 'text/html');
    expect(html.status).toBe(400);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.text).toContain('TOKEN_INVALID');
  });

  it('refuses a post without the CSRF cookie (403 CSRF_FAILED) and mails nothing', async () => {
    h = await startHarness();
    const res = await h
      .agent()
      .post('/gdpr/signup')
      .type('form')
      .send(formBody({ email: 'x@example.com', purposes: 'newsletter', _csrf: 'forged' }));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('CSRF_FAILED');
    await h.gdpr.outbox.idle();
    expect(h.mails).toHaveLength(0);
  });

  it('reads the body itself when the app turned Nest’s body parser off, JSON included', async () => {
    h = await startHarness({ app: { bodyParser: false } });
    const agent = h.agent();
    const csrf = await csrfFor(agent);
    const res = await agent
      .post('/gdpr/signup')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ email: 'json@example.com', purposes: ['newsletter'], _csrf: csrf }));
    expect(res.status).toBe(200);
    await h.gdpr.outbox.idle();
    expect(h.mails.map((m) => m.to)).toEqual(['json@example.com']);
    const form = await signUp(h, 'form@example.com', ['newsletter', 'partners']);
    expect(form.status).toBe(200);
    const token = tokenFrom(h.mails.at(-1), '/gdpr/confirm');
    const done = await h.agent().post(`/gdpr/confirm/${token}`).type('form').send({ token });
    expect(done.body.purposes).toEqual(['newsletter', 'partners']);
    const broken = await h
      .agent()
      .post(`/gdpr/confirm/${token}`)
      .set('content-type', 'application/json')
      .send('{"token":');
    expect(broken.status).toBe(400);
    expect(broken.body.code).toBe('VALIDATION_FAILED');
  });
});

describe('one-click unsubscribe (RFC 8058)', () => {
  it('REQ-12: POST List-Unsubscribe=One-Click answers 200, no cookie, no redirect, idempotent', async () => {
    h = await startHarness();
    await confirmed(h, 'ada@example.com', ['newsletter', 'partners']);
    const path = pathOf(await h.gdpr.links.unsubscribeUrl('ada@example.com', ['newsletter']));
    expect(path).toMatch(/^\/gdpr\/u\//);
    const before = h.store.dump();
    const page = await h.agent().get(path).set('accept', 'text/html').expect(200);
    expect(page.text).toContain(`action="${path}"`);
    expect(h.store.dump()).toBe(before);
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

  it('a body over the limit is a 413 problem, whether Nest or the module parsed it', async () => {
    for (const app of [{}, { bodyParser: false }]) {
      h = await startHarness({ app });
      const big = await h
        .agent()
        .post('/gdpr/u/forged-token')
        .type('form')
        .send(`List-Unsubscribe=One-Click&x=${'y'.repeat(20_000)}`);
      expect(big.status).toBe(413);
      expect(big.body.code).toBe('PAYLOAD_TOO_LARGE');
      await h.close();
      h = undefined;
    }
  });
});

describe('preferences, pixels, mount options', () => {
  it('REQ-10: GET shows the choices and changes nothing; POST saves them', async () => {
    h = await startHarness();
    await confirmed(h, 'ada@example.com', ['newsletter', 'partners']);
    const path = pathOf(await h.gdpr.links.preferencesUrl('ada@example.com'));
    const page = await h.agent().get(path).expect(200);
    expect(page.body.saved).toBe(false);
    const saved = await h
      .agent()
      .post(path)
      .type('form')
      .send(formBody({ purposes: 'partners' }));
    expect(saved.status).toBe(200);
    expect(saved.body.saved).toBe(true);
    expect((await h.gdpr.canSend('ada@example.com', 'newsletter')).allowed).toBe(false);
    expect((await h.gdpr.canSend('ada@example.com', 'partners')).allowed).toBe(true);
  });

  it('REQ-30: a pixel answers the same GIF, uncached, whatever the token', async () => {
    h = await startHarness();
    const pixel = await h.agent().get(`/gdpr${h.gdpr.config.tracking.path}/o/forged.gif`);
    expect(pixel.status).toBe(200);
    expect(pixel.headers['content-type']).toBe('image/gif');
    expect(pixel.headers['cache-control']).toBe('no-store, private');
    expect((pixel.body as Buffer).subarray(0, 6).toString()).toBe('GIF89a');
  });

  it('serves nothing with routes: false, and serves at routes.path when given', async () => {
    h = await startHarness({ routes: { path: '/privacy' } });
    await h.agent().get('/gdpr/signup').expect(404);
    const moved = await h.agent().get('/privacy/signup').set('accept', 'application/json');
    expect(moved.status).toBe(200);
    await h.close();

    h = await startHarness({ routes: false });
    await h.agent().get('/gdpr/signup').expect(404);
    // The facade is still there for the app's own code.
    expect((await h.gdpr.canSend('ada@example.com', 'newsletter')).allowed).toBe(false);
  });
});

describe('DSAR through the module (REQ-21, REQ-22)', () => {
  it('access: the verified download is streamed (chunked, no content-length) and single-use', async () => {
    const transport = new InMemoryTransport();
    h = await startHarness({
      config: {
        transport,
        mailer: {
          from: { address: 'privacy@acme.test' },
          retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
        },
      },
    });
    const email = 'camille@example.org';
    await h.gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    const lastLink = (path: string) =>
      new RegExp(`https://app\\.acme\\.test(/gdpr${path}/\\S+)`).exec(
        transport.sentTo(email).at(-1)?.message.text ?? '',
      )?.[1];
    const agent = h.agent();
    const csrf = await csrfFor(agent, '/gdpr/dsar');
    const asked = await agent
      .post('/gdpr/dsar')
      .type('form')
      .send({ email, type: 'access', _csrf: csrf });
    expect(asked.body).toEqual({ status: 'received' });
    await h.gdpr.outbox.idle();
    const verify = lastLink('/dsar/verify')!;
    await h.agent().post(verify).type('form').send({}).expect(200);
    const download = lastLink('/dsar/download')!;
    const file = await h
      .agent()
      .post(download)
      .buffer(true)
      .parse((res, done) => {
        let data = '';
        res.on('data', (chunk: Buffer) => {
          data += chunk;
        });
        res.on('end', () => done(null, data));
      });
    expect(file.status).toBe(200);
    expect(file.headers['transfer-encoding']).toBe('chunked');
    expect(file.headers['content-length']).toBeUndefined();
    expect(file.headers['content-disposition']).toMatch(/attachment; filename="my-data-/);
    expect(JSON.parse(file.body as string).subject.email).toBe(email);
    const again = await h.agent().post(download).set('accept', 'application/json');
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('TOKEN_USED');
  });
});

describe('provider webhooks', () => {
  function recordingHandler(seen: WebhookRequest[]): WebhookHandler {
    return {
      name: 'mailjet',
      async handle(request) {
        seen.push(request);
        return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
      },
    };
  }

  it('hands the exact text body (SNS posts text/plain), headers and query to the handler', async () => {
    const seen: WebhookRequest[] = [];
    h = await startHarness({ routes: { webhooks: [recordingHandler(seen)] } });
    const body = '[{"event":"bounce","email":"a@example.com"}]  ';
    const res = await h
      .agent()
      .post('/gdpr/webhooks/mailjet?key=k-123')
      .set('content-type', 'text/plain; charset=UTF-8')
      .set('x-amz-sns-message-type', 'Notification')
      .send(body);
    expect(res.status).toBe(200);
    expect(res.text).toBe('ok');
    expect(seen[0]?.rawBody).toBe(body);
    expect(seen[0]?.query.key).toBe('k-123');
    expect(seen[0]?.headers['x-amz-sns-message-type']).toBe('Notification');
  });

  it('takes the exact bytes of a JSON body from Nest’s rawBody: true', async () => {
    const seen: WebhookRequest[] = [];
    h = await startHarness({
      routes: { webhooks: [recordingHandler(seen)] },
      app: { rawBody: true },
    });
    const body = '{ "a" : 1 }';
    await h
      .agent()
      .post('/gdpr/webhooks/mailjet')
      .set('content-type', 'application/json')
      .send(body)
      .expect(200);
    expect(seen[0]?.rawBody).toBe(body);
  });

  it('a JSON body Nest parsed without rawBody is a bare 500 and a CONFIG_INVALID to onError', async () => {
    const seen: WebhookRequest[] = [];
    const errors: unknown[] = [];
    h = await startHarness({
      routes: { webhooks: [recordingHandler(seen)], onError: (error) => errors.push(error) },
    });
    const res = await h
      .agent()
      .post('/gdpr/webhooks/mailjet')
      .set('content-type', 'application/json')
      .send('{"a":1}');
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ status: 500, code: 'CONFIG_INVALID' });
    expect(res.body.detail).toBe('The server could not complete the request.');
    expect(seen).toHaveLength(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('refuses a JSON body over the webhook limit that Nest read with rawBody: true', async () => {
    const seen: WebhookRequest[] = [];
    h = await startHarness({
      routes: { webhooks: [recordingHandler(seen)], webhookBodyLimit: 1000 },
      app: { rawBody: true },
    });
    const res = await h
      .agent()
      .post('/gdpr/webhooks/mailjet')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ a: 'x'.repeat(2000) }));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(seen).toHaveLength(0);
  });

  it('refuses a body over the webhook limit with a 413 problem', async () => {
    const seen: WebhookRequest[] = [];
    h = await startHarness({
      routes: { webhooks: [recordingHandler(seen)], webhookBodyLimit: 1000 },
    });
    const res = await h
      .agent()
      .post('/gdpr/webhooks/mailjet')
      .set('content-type', 'text/plain')
      .send('x'.repeat(2000));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(seen).toHaveLength(0);
  });
});

describe('behind a global prefix', () => {
  it('serves at {prefix}{routes.path}, with form actions at the path of links.baseUrl', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        GdprMailModule.forRoot({
          config: testConfig({ links: { baseUrl: 'https://app.acme.test/api/gdpr' } }),
          routes: { path: '/gdpr', secureCookies: false },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    app.setGlobalPrefix('api');
    await app.init();
    try {
      const form = await request(app.getHttpServer())
        .get('/api/gdpr/signup')
        .set('accept', 'application/json')
        .expect(200);
      expect(form.body.action).toBe('/api/gdpr/signup');
      expect(String(form.headers['set-cookie'])).toContain('Path=/api/gdpr;');
      await request(app.getHttpServer()).get('/gdpr/signup').expect(404);
    } finally {
      await app.close();
    }
  });

  it('takes the prefix as the start of the path: a prefix named like the routes is not cut twice', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        GdprMailModule.forRoot({
          config: testConfig({ links: { baseUrl: 'https://app.acme.test/gdpr/gdpr' } }),
          routes: { path: '/gdpr', secureCookies: false },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    app.setGlobalPrefix('gdpr');
    await app.init();
    try {
      const form = await request(app.getHttpServer())
        .get('/gdpr/gdpr/signup?next=/gdpr/unsubscribe')
        .set('accept', 'application/json')
        .expect(200);
      expect(form.body.action).toBe('/gdpr/gdpr/signup');
    } finally {
      await app.close();
    }
  });

  it('serves at the bare path when the app excludes the routes from its prefix', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        GdprMailModule.forRoot({
          config: testConfig({ links: { baseUrl: 'https://app.acme.test/gdpr' } }),
          routes: { secureCookies: false },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    app.setGlobalPrefix('api', { exclude: ['gdpr', 'gdpr/{*path}'] });
    await app.init();
    try {
      const form = await request(app.getHttpServer())
        .get('/gdpr/signup')
        .set('accept', 'application/json')
        .expect(200);
      expect(form.body.action).toBe('/gdpr/signup');
    } finally {
      await app.close();
    }
  });
});
