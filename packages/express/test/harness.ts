import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GdprMail, GdprMailConfig, RenderedMail } from '@gdpr-mail/core';
import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { createMemoryRateLimiter } from '@gdpr-mail/core/http';
import { testConfig } from '@gdpr-mail/core/testing';
import type { GdprMailRouterOptions } from '@gdpr-mail/express';
import { gdprMailRouter, privacySignals } from '@gdpr-mail/express';
import express from 'express';
import request from 'supertest';

export interface Harness {
  gdpr: GdprMail;
  store: MemoryStore;
  mails: RenderedMail[];
  server: Server;
  url: string;
  agent: () => request.Agent;
  close(): Promise<void>;
}

/** An ordinary app with the router at /gdpr, on 127.0.0.1 and an ephemeral port. */
export async function startHarness(
  options: Partial<GdprMailRouterOptions> = {},
  config: Partial<GdprMailConfig> = {},
): Promise<Harness> {
  const store = new MemoryStore();
  const gdpr = createGdprMail(testConfig({ store, ...config }));
  const mails: RenderedMail[] = [];
  const app = express();
  app.use(privacySignals());
  app.use(
    '/gdpr',
    gdprMailRouter(gdpr, {
      sendMail: async (mail) => {
        mails.push(mail);
      },
      // The test client speaks plain http to 127.0.0.1: a Secure cookie would never come back.
      secureCookies: false,
      signup: { rateLimiter: createMemoryRateLimiter({ limit: 1000, windowMs: 60_000 }) },
      ...options,
    }),
  );
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    gdpr,
    store,
    mails,
    server,
    url: `http://127.0.0.1:${port}`,
    agent: () => request.agent(server),
    close: async () => {
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      await gdpr.close();
    },
  };
}

/** GETs the form as a JSON client: the CSRF cookie lands in the agent's jar. */
export async function csrfFor(agent: request.Agent): Promise<string> {
  const res = await agent.get('/gdpr/signup').set('accept', 'application/json').expect(200);
  return (res.body as { csrf: string }).csrf;
}

/** Signs up through the form with a fresh agent and returns the confirm token mailed. */
export async function signUp(
  h: Harness,
  email: string,
  purposes: string[],
  headers: Record<string, string> = {},
): Promise<request.Response> {
  const agent = h.agent();
  const csrf = await csrfFor(agent);
  let req = agent.post('/gdpr/signup').type('form');
  for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
  const res = await req.send(formBody({ email, purposes, _csrf: csrf }));
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
