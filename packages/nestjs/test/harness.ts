import type { Server } from 'node:http';
import type { GdprMail, GdprMailConfig, RenderedMail } from '@gdpr-mail/core';
import { MemoryStore } from '@gdpr-mail/core';
import { createMemoryRateLimiter } from '@gdpr-mail/core/http';
import { testConfig } from '@gdpr-mail/core/testing';
import type { GdprMailModuleOptions, GdprMailRoutesOptions } from '@gdpr-mail/nestjs';
import { GDPR_MAIL, GdprMailModule, PrivacySignals, RequireConsent } from '@gdpr-mail/nestjs';
import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { Controller, Get, Inject, Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';

/** An app route behind the consent guard, and one reading the privacy signals. */
@Controller('members')
export class MembersController {
  @Get('newsletter-archive')
  @RequireConsent('newsletter')
  archive(): { issues: string[] } {
    return { issues: ['2026-11', '2026-12'] };
  }

  @Get('signals')
  signals(@PrivacySignals() signals: { dnt: boolean; gpc: boolean }): {
    dnt: boolean;
    gpc: boolean;
  } {
    return signals;
  }
}

@Module({ controllers: [MembersController] })
export class MembersModule {}

/** A route that lets a GdprMailError escape, for the filter. */
@Controller('boom')
export class BoomController {
  constructor(@Inject(GDPR_MAIL) private readonly gdpr: GdprMail) {}

  @Get('unknown-purpose')
  async unknownPurpose(): Promise<unknown> {
    return this.gdpr.consent.state('ada@example.com', 'no-such-purpose');
  }
}

export interface Harness {
  app: INestApplication;
  gdpr: GdprMail;
  store: MemoryStore;
  mails: RenderedMail[];
  server: Server;
  agent: () => request.Agent;
  close(): Promise<void>;
}

export interface HarnessOptions {
  routes?: Partial<GdprMailRoutesOptions> | false;
  config?: Partial<GdprMailConfig>;
  module?: Partial<Pick<GdprMailModuleOptions, 'resolveEmail' | 'closeOnDestroy'>>;
  app?: NestApplicationOptions;
}

/** A Nest app with the module at /gdpr, on 127.0.0.1 and an ephemeral port. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const store = new MemoryStore();
  const mails: RenderedMail[] = [];
  const moduleRef = await Test.createTestingModule({
    imports: [
      GdprMailModule.forRoot({
        isGlobal: true,
        config: testConfig({ store, ...options.config }),
        // Tests sign in by header: the app's own auth would set request.user.
        resolveEmail: (req) => req.header('x-test-user'),
        ...options.module,
        routes:
          options.routes === false
            ? false
            : {
                sendMail: async (mail) => {
                  mails.push(mail);
                },
                // The test client speaks plain http to 127.0.0.1: a Secure cookie would never come back.
                secureCookies: false,
                signup: { rateLimiter: createMemoryRateLimiter({ limit: 1000, windowMs: 60_000 }) },
                ...options.routes,
              },
      }),
      MembersModule,
    ],
    controllers: [BoomController],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>(options.app);
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  return {
    app,
    gdpr: app.get<GdprMail>(GDPR_MAIL),
    store,
    mails,
    server,
    agent: () => request.agent(server),
    close: () => app.close(),
  };
}

/** GETs the form as a JSON client: the CSRF cookie lands in the agent's jar. */
export async function csrfFor(agent: request.Agent, path = '/gdpr/signup'): Promise<string> {
  const res = await agent.get(path).set('accept', 'application/json').expect(200);
  return (res.body as { csrf: string }).csrf;
}

export async function signUp(
  h: Harness,
  email: string,
  purposes: string[],
): Promise<request.Response> {
  const agent = h.agent();
  const csrf = await csrfFor(agent);
  const res = await agent
    .post('/gdpr/signup')
    .type('form')
    .send(formBody({ email, purposes, _csrf: csrf }));
  // The opt-in and its mail run after the answer, from the outbox (#19): wait for them.
  await h.gdpr.outbox.idle();
  return res;
}

export function tokenFrom(mail: RenderedMail | undefined, path: string): string {
  const match = mail?.text.match(new RegExp(`${path}/([A-Za-z0-9._~-]+)`));
  if (!match?.[1]) throw new Error(`no ${path} link in the mail`);
  return match[1];
}

/** urlencoded the way a browser sends it: a repeated key per ticked box. */
export function formBody(fields: Record<string, string | readonly string[]>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const one of typeof value === 'string' ? [value] : value) params.append(name, one);
  }
  return params.toString();
}
