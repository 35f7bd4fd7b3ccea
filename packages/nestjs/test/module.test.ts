import type { Server } from 'node:http';
import type { GdprMail, GdprMailConfig } from '@gdpr-mail/core';
import { createGdprMail, GdprMailError, MemoryStore } from '@gdpr-mail/core';
import { checkboxEvidence, testConfig } from '@gdpr-mail/core/testing';
import type { GdprMailModuleOptions, GdprMailOptionsFactory } from '@gdpr-mail/nestjs';
import {
  GDPR_MAIL,
  GDPR_MAIL_OPTIONS,
  GdprMailModule,
  GdprMailService,
  GdprProblemFilter,
} from '@gdpr-mail/nestjs';
import type { INestApplication } from '@nestjs/common';
import { Controller, Get, Inject, Injectable, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BoomController, MembersModule } from './harness.js';

/** A stand-in for @nestjs/config's ConfigService: what an app's factory reads. */
@Injectable()
class AppConfig {
  readonly values: Record<string, string> = {
    GDPR_MAIL_BASE_URL: 'https://shop.example/privacy',
  };
  get(key: string): string {
    const value = this.values[key];
    if (value === undefined) throw new Error(`missing ${key}`);
    return value;
  }
}

@Module({ providers: [AppConfig], exports: [AppConfig] })
class AppConfigModule {}

/** A feature module that injects the service without importing GdprMailModule. */
@Injectable()
class Newsletter {
  constructor(@Inject(GdprMailService) readonly gdpr: GdprMailService) {}
}

@Module({ providers: [Newsletter], exports: [Newsletter] })
class NewsletterModule {}

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function configFor(baseUrl = 'https://app.acme.test/gdpr'): GdprMailConfig {
  return testConfig({ store: new MemoryStore(), links: { baseUrl } });
}

async function start(
  imports: unknown[],
  extra: { controllers?: unknown[]; providers?: unknown[] } = {},
) {
  const moduleRef = await Test.createTestingModule({
    imports: imports as never[],
    controllers: (extra.controllers ?? []) as never[],
    providers: (extra.providers ?? []) as never[],
  }).compile();
  // The filter test lets an error reach Nest's default handler, which logs it.
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return { app, server: app.getHttpServer() as Server };
}

describe('GdprMailModule.forRoot', () => {
  it('builds the facade from the config; the service exposes it and closes it on app.close()', async () => {
    const { app: nest } = await start([GdprMailModule.forRoot({ config: configFor() })]);
    const service = nest.get(GdprMailService);
    const gdpr = nest.get<GdprMail>(GDPR_MAIL);
    expect(service.gdpr).toBe(gdpr);
    expect(service.config).toBe(gdpr.config);
    expect(service.consent).toBe(gdpr.consent);
    expect(service.dsar).toBe(gdpr.dsar);
    await service.consent.record({
      email: 'ada@example.com',
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    expect((await service.canSend('ada@example.com', 'newsletter')).allowed).toBe(true);

    let closed = 0;
    const close = gdpr.close.bind(gdpr);
    (gdpr as { close: () => Promise<void> }).close = async () => {
      closed += 1;
      await close();
    };
    await nest.close();
    app = undefined;
    expect(closed).toBe(1);
  });

  it('takes a ready instance, and leaves it open with closeOnDestroy: false', async () => {
    const gdpr = createGdprMail(configFor());
    let closed = 0;
    const close = gdpr.close.bind(gdpr);
    const owned: GdprMail = {
      ...gdpr,
      close: async () => {
        closed += 1;
      },
    };
    const { app: nest } = await start([
      GdprMailModule.forRoot({ gdpr: owned, closeOnDestroy: false, routes: false }),
    ]);
    expect(nest.get(GdprMailService).gdpr).toBe(owned);
    await nest.close();
    app = undefined;
    expect(closed).toBe(0);
    await close();
  });

  it('refuses options with neither config nor gdpr (CONFIG_INVALID)', async () => {
    const builder = Test.createTestingModule({
      imports: [GdprMailModule.forRoot({} as GdprMailModuleOptions)],
    });
    await expect(builder.compile()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('isGlobal: true lets any module inject GdprMailService without importing the module', async () => {
    const { app: nest } = await start([
      GdprMailModule.forRoot({ config: configFor(), isGlobal: true, routes: false }),
      NewsletterModule,
    ]);
    expect(nest.get(Newsletter).gdpr).toBe(nest.get(GdprMailService));
  });

  it('without isGlobal, a module that does not import it cannot inject the service', async () => {
    const builder = Test.createTestingModule({
      imports: [GdprMailModule.forRoot({ config: configFor(), routes: false }), NewsletterModule],
    });
    await expect(builder.compile()).rejects.toThrow(/GdprMailService/);
  });
});

describe('GdprMailModule.forRootAsync', () => {
  it('useFactory with imports + inject: the options come from a config provider', async () => {
    const { server, app: nest } = await start([
      GdprMailModule.forRootAsync({
        imports: [AppConfigModule],
        inject: [AppConfig],
        useFactory: (config: AppConfig) => ({
          config: configFor(config.get('GDPR_MAIL_BASE_URL')),
          routes: { secureCookies: false },
        }),
      }),
    ]);
    expect(nest.get(GdprMailService).config.links.baseUrl).toBe('https://shop.example/privacy');
    // The routes follow the path of the links the factory configured.
    const form = await request(server).get('/privacy/signup').set('accept', 'application/json');
    expect(form.status).toBe(200);
    expect(form.body.action).toBe('/privacy/signup');
    await request(server).get('/gdpr/signup').expect(404);
  });

  it('useClass: the class builds the options', async () => {
    @Injectable()
    class Options implements GdprMailOptionsFactory {
      createGdprMailOptions(): GdprMailModuleOptions {
        return { config: configFor(), routes: false };
      }
    }
    const { app: nest } = await start([
      GdprMailModule.forRootAsync({ useClass: Options, isGlobal: true }),
    ]);
    expect(nest.get<GdprMailModuleOptions>(GDPR_MAIL_OPTIONS).routes).toBe(false);
    expect(nest.get(GdprMailService).config.controller.name).toBe('Acme SAS');
  });

  it('useExisting: reuses a provider of an imported module', async () => {
    @Injectable()
    class SharedOptions implements GdprMailOptionsFactory {
      async createGdprMailOptions(): Promise<GdprMailModuleOptions> {
        return { config: configFor('https://shared.example/gdpr'), routes: false };
      }
    }
    @Module({ providers: [SharedOptions], exports: [SharedOptions] })
    class SharedModule {}
    const { app: nest } = await start([
      GdprMailModule.forRootAsync({ imports: [SharedModule], useExisting: SharedOptions }),
    ]);
    expect(nest.get(GdprMailService).config.links.baseUrl).toBe('https://shared.example/gdpr');
  });
});

describe('@RequireConsent guard', () => {
  async function guarded(resolveEmail?: GdprMailModuleOptions['resolveEmail']) {
    const { server, app: nest } = await start([
      GdprMailModule.forRoot({
        config: configFor(),
        isGlobal: true,
        routes: false,
        ...(resolveEmail ? { resolveEmail } : {}),
      }),
      MembersModule,
    ]);
    return { server, gdpr: nest.get(GdprMailService) };
  }

  it('lets a person with a current consent through, denies others with a 403 problem', async () => {
    const { server, gdpr } = await guarded((req) => req.header('x-user'));
    await gdpr.consent.record({
      email: 'yes@example.com',
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    const allowed = await request(server)
      .get('/members/newsletter-archive')
      .set('x-user', 'yes@example.com');
    expect(allowed.status).toBe(200);
    expect(allowed.body).toEqual({ issues: ['2026-11', '2026-12'] });

    const denied = await request(server)
      .get('/members/newsletter-archive')
      .set('x-user', 'no@example.com');
    expect(denied.status).toBe(403);
    expect(denied.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(denied.body).toMatchObject({
      status: 403,
      code: 'CONSENT_REQUIRED',
      type: 'https://gdpr-mail.dev/problems/consent-required',
    });

    // REQ-16: a sign-up not yet confirmed is no consent.
    await gdpr.optIn.request('pending@example.com', ['newsletter'], checkboxEvidence);
    const pending = await request(server)
      .get('/members/newsletter-archive')
      .set('x-user', 'pending@example.com');
    expect(pending.status).toBe(403);
    expect(pending.body.code).toBe('CONSENT_REQUIRED');

    const anonymous = await request(server).get('/members/newsletter-archive');
    expect(anonymous.status).toBe(403);
    expect(anonymous.body.code).toBe('CONSENT_REQUIRED');
  });

  it('refuses a malformed address with the same 403 CONSENT_REQUIRED as no address', async () => {
    const { server } = await guarded((req) => req.header('x-user'));
    for (const address of ['not-an-address', 'two@@example.com']) {
      const refused = await request(server)
        .get('/members/newsletter-archive')
        .set('x-user', address);
      expect(refused.status).toBe(403);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 403, code: 'CONSENT_REQUIRED' });
      expect(JSON.stringify(refused.body)).not.toContain(address);
    }
  });

  it('REQ-10: a withdrawal closes the route at once', async () => {
    const { server, gdpr } = await guarded((req) => req.header('x-user'));
    const email = 'gone@example.com';
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await request(server).get('/members/newsletter-archive').set('x-user', email).expect(200);
    await gdpr.consent.withdraw({
      email,
      purposes: ['newsletter'],
      evidence: { source: 'preference-centre' },
    });
    await request(server).get('/members/newsletter-archive').set('x-user', email).expect(403);
  });

  it('asks core (gdpr.consent.assertCurrent) rather than restating the rule', async () => {
    const gdpr = createGdprMail(configFor());
    const asked = vi.spyOn(gdpr.consent, 'assertCurrent');
    const { server } = await start([
      GdprMailModule.forRoot({
        gdpr,
        isGlobal: true,
        routes: false,
        resolveEmail: (req) => req.header('x-user'),
      }),
      MembersModule,
    ]);
    await request(server)
      .get('/members/newsletter-archive')
      .set('x-user', 'asked@example.com')
      .expect(403);
    expect(asked).toHaveBeenCalledWith('asked@example.com', ['newsletter']);
    await gdpr.close();
  });

  it('REQ-08: a grant to an outdated notice is refused until renewed', async () => {
    const store = new MemoryStore();
    const email = 'old-notice@example.com';
    const v1 = createGdprMail(testConfig({ store }));
    await v1.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    const base = testConfig({ store });
    const v2 = createGdprMail({
      ...base,
      purposes: base.purposes.map((p) =>
        p.id === 'newsletter'
          ? { ...p, notice: { version: '2.0', text: `${p.notice.text} Now weekly.` } }
          : p,
      ),
    });
    const { server } = await start([
      GdprMailModule.forRoot({
        gdpr: v2,
        isGlobal: true,
        routes: false,
        resolveEmail: (req) => req.header('x-user'),
      }),
      MembersModule,
    ]);
    const refused = await request(server).get('/members/newsletter-archive').set('x-user', email);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('CONSENT_REQUIRED');
    expect(JSON.stringify(refused.body)).not.toContain(email);
    await v2.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await request(server).get('/members/newsletter-archive').set('x-user', email).expect(200);
  });

  it('by default reads request.user.email, as Passport-style auth leaves it', async () => {
    @Injectable()
    class FakeAuth {
      use(
        req: { user?: unknown; headers: Record<string, unknown> },
        _res: unknown,
        next: () => void,
      ) {
        if (typeof req.headers['x-user'] === 'string') req.user = { email: req.headers['x-user'] };
        next();
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        GdprMailModule.forRoot({ config: configFor(), isGlobal: true, routes: false }),
        MembersModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication();
    const auth = new FakeAuth();
    app.use(auth.use.bind(auth));
    await app.init();
    const server = app.getHttpServer() as Server;
    await app.get(GdprMailService).consent.record({
      email: 'user@example.com',
      purposes: ['newsletter'],
      evidence: checkboxEvidence,
    });
    await request(server)
      .get('/members/newsletter-archive')
      .set('x-user', 'user@example.com')
      .expect(200);
    await request(server)
      .get('/members/newsletter-archive')
      .set('x-user', 'other@example.com')
      .expect(403);
  });
});

describe('the routes and the app’s own guards', () => {
  it('REQ-12: a global guard that refuses everything does not block the gdpr-mail links', async () => {
    @Injectable()
    class DenyAll {
      canActivate(): boolean {
        return false;
      }
    }
    const { server } = await start(
      [GdprMailModule.forRoot({ config: configFor(), routes: { secureCookies: false } })],
      { controllers: [BoomController], providers: [{ provide: APP_GUARD, useClass: DenyAll }] },
    );
    await request(server).get('/boom/unknown-purpose').expect(403);
    await request(server).get('/gdpr/signup').set('accept', 'application/json').expect(200);
    const oneClick = await request(server)
      .post('/gdpr/u/forged-token')
      .type('form')
      .send('List-Unsubscribe=One-Click');
    // The token, not the app's guard, decides.
    expect(oneClick.body.code).toBe('TOKEN_INVALID');
  });
});

describe('@PrivacySignals and GdprProblemFilter', () => {
  it('REQ-15: the decorator reads DNT and Sec-GPC (only the value "1" counts)', async () => {
    const { server } = await start([
      GdprMailModule.forRoot({ config: configFor(), isGlobal: true, routes: false }),
      MembersModule,
    ]);
    const both = await request(server).get('/members/signals').set('dnt', '1').set('sec-gpc', '1');
    expect(both.body).toEqual({ dnt: true, gpc: true });
    const none = await request(server).get('/members/signals').set('sec-gpc', '0');
    expect(none.body).toEqual({ dnt: false, gpc: false });
  });

  it('as APP_FILTER, maps a GdprMailError code to RFC 9457 JSON and leaves other errors to Nest', async () => {
    @Controller('other')
    class OtherController {
      @Get('plain')
      plain(): never {
        throw new Error('internal detail');
      }
      @Get('suppressed')
      suppressed(): never {
        throw new GdprMailError('SUPPRESSED', 'This address is on the suppression list.');
      }
      @Get('limited')
      limited(): never {
        throw new GdprMailError('RATE_LIMITED', 'Too many requests from this address.', {
          retryable: true,
          details: { retryAfterMs: 3_600_000 },
        });
      }
    }
    const { server } = await start(
      [GdprMailModule.forRoot({ config: configFor(), isGlobal: true, routes: false })],
      {
        controllers: [BoomController, OtherController],
        providers: [{ provide: APP_FILTER, useClass: GdprProblemFilter }],
      },
    );
    const unknown = await request(server).get('/boom/unknown-purpose');
    expect(unknown.status).toBe(400);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(unknown.body).toMatchObject({
      type: 'https://gdpr-mail.dev/problems/unknown-purpose',
      title: 'Bad Request',
      status: 400,
      code: 'UNKNOWN_PURPOSE',
    });
    const suppressed = await request(server).get('/other/suppressed');
    expect(suppressed.status).toBe(403);
    expect(suppressed.body).toMatchObject({
      code: 'SUPPRESSED',
      detail: 'This address is on the suppression list.',
    });
    // A 429 says when to come back, in the header and the document (what `gdpr.dsar.request` throws).
    const limited = await request(server).get('/other/limited');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('3600');
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 3600 });
    expect(suppressed.headers['retry-after']).toBeUndefined();
    const plain = await request(server).get('/other/plain');
    expect(plain.status).toBe(500);
    expect(plain.headers['content-type']).toMatch(/^application\/json/);
    expect(plain.body).toEqual({ statusCode: 500, message: 'Internal server error' });
  });
});
