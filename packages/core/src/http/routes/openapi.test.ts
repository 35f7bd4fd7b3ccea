import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfig } from '../../config/parse-config.js';
import { GdprMailError } from '../../errors/gdpr-mail-error.js';
import { createGdprMail } from '../../gdpr-mail.js';
import { MemoryStore } from '../../store/memory-store.js';
import type { GdprStore } from '../../store/store-types.js';
import { checkboxEvidence, testConfig } from '../../testing/fixtures.js';
import { createGdprHandler } from '../handler/create-gdpr-handler.js';
import { statusForCode } from '../problem-details.js';
import { createGdprRoutes } from './create-gdpr-routes.js';
import { preferencesBodySchema, signupBodySchema, tokenFormBodySchema } from './form-schemas.js';
import { createGdprOpenApi } from './openapi.js';
import type { DocumentedRoute, RouteAnswer } from './route-doc.js';

type Json = Record<string, unknown>;
interface Operation {
  operationId: string;
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
}
interface Doc {
  info: { license?: Json };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json> };
}

const noop = async () => ({ status: 200 });
const WEBHOOKS = ['ses', 'mailjet'].map((name) => ({ name, handle: noop }));

/** A memory store that fails every call with STORE_FAILURE once `down` is set. */
function breakableStore() {
  const state = { down: false };
  const store = new Proxy(new MemoryStore(), {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function' || name === 'close') return value;
      return (...args: unknown[]) => {
        if (state.down) throw new GdprMailError('STORE_FAILURE', 'The store is down.');
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as GdprStore;
  return { store, state };
}

function setup() {
  const { store, state } = breakableStore();
  const gdpr = createGdprMail(testConfig({ store, outbox: { drainAfterResponse: false } }));
  const options = { openapi: true, webhooks: WEBHOOKS } as const;
  const routes = createGdprRoutes(gdpr, options);
  const handler = createGdprHandler(gdpr, options);
  const table: DocumentedRoute[] = [...routes.routes, ...routes.webhooks];
  return { gdpr, state, routes, handler, table };
}

async function servedDocument(handler: ReturnType<typeof setup>['handler']): Promise<Doc> {
  const response = await handler(new Request('https://app.acme.test/gdpr/openapi.json'));
  expect(response.status).toBe(200);
  return (await response.json()) as Doc;
}

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');
const operationOf = (doc: Doc, route: DocumentedRoute) =>
  doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];

/** The JSON Schema of what a client sends, as zod writes it, without the dialect key. */
function inputSchema(schema: z.ZodType): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Json;
  return rest;
}

describe('the OpenAPI document, generated from the route table', () => {
  it('has one operation per route of the table, webhooks and itself included, and no other', async () => {
    const { gdpr, handler, table } = setup();
    const doc = await servedDocument(handler);
    for (const route of table) {
      expect(operationOf(doc, route), `${route.method} ${route.path}`).toBeDefined();
    }
    const documented = Object.values(doc.paths).flatMap((item) =>
      Object.keys(item).filter((key) => key !== 'parameters'),
    );
    expect(documented).toHaveLength(table.length);
    expect(table.map((route) => route.name)).toEqual(
      expect.arrayContaining(['signup', 'openapi', 'ses', 'mailjet', 'dsarDownload']),
    );
    await gdpr.close();
  });

  it('documents every request body as the JSON Schema of the zod schema the route parses with', async () => {
    const { gdpr, handler, table } = setup();
    const doc = await servedDocument(handler);
    let bodies = 0;
    for (const route of table) {
      const body = operationOf(doc, route)?.requestBody;
      expect(Boolean(body), `${route.method} ${route.path} body`).toBe(Boolean(route.doc.body));
      if (!body || !route.doc.body) continue;
      for (const media of Object.values(body.content)) {
        const name = media.schema.$ref.replace('#/components/schemas/', '');
        expect(doc.components.schemas[name], `${route.name}: ${name}`).toEqual(
          inputSchema(route.doc.body.schema),
        );
        bodies += 1;
      }
    }
    expect(bodies).toBeGreaterThan(10);
    // The route's doc names the very schema its handler parses with.
    const byName = (name: string) => table.find((route) => route.name === name)?.doc.body?.schema;
    expect(byName('signup')).toBe(signupBodySchema);
    expect(byName('preferences')).toBe(preferencesBodySchema);
    expect(byName('unsubscribe')).toBe(tokenFormBodySchema);
    // The drift of the hand-written document (issue #20): `_csrf` is not required by zod,
    // and the preference form may carry its token.
    expect(doc.components.schemas.SignupBody?.required).toEqual(['email']);
    expect(doc.components.schemas.PreferencesBody?.properties).toHaveProperty('token');
    await gdpr.close();
  });

  it('marks every operation public and gives each problem the status its code maps to', async () => {
    const { gdpr, handler, table } = setup();
    const doc = await servedDocument(handler);
    for (const route of table) {
      const operation = operationOf(doc, route)!;
      expect(operation.security, route.name).toEqual([]);
      for (const code of route.doc.problems) {
        const response = operation.responses[String(statusForCode(code))];
        expect(response?.description, `${route.name} ${code}`).toContain(code);
        expect(response?.content).toHaveProperty(['application/problem+json']);
      }
    }
    // Every route that reads the store documents its 503.
    for (const name of ['signup', 'confirmPage', 'confirm', 'preferences', 'dsarRequest']) {
      const route = table.find((r) => r.name === name)!;
      expect(operationOf(doc, route)?.responses['503']?.description, name).toContain(
        'STORE_FAILURE',
      );
    }
    await gdpr.close();
  });

  it('gives every GET a 4xx problem but the three that answer 200 to everything (see .redocly.lint-ignore.yaml)', async () => {
    const { gdpr, handler, table } = setup();
    const doc = await servedDocument(handler);
    const without = table
      .filter((route) => route.method === 'GET')
      .filter((route) => !Object.keys(operationOf(doc, route)!.responses).some((s) => s[0] === '4'))
      .map((route) => openApiPath(route.path));
    expect(without.sort()).toEqual(['/dsar', '/openapi.json', '/signup']);
    const ignored = readFileSync(
      new URL('../../../../../.redocly.lint-ignore.yaml', import.meta.url),
      'utf8',
    );
    const listed = [...ignored.matchAll(/["']#\/paths\/(.+?)\/get\/responses["']/g)].map((m) =>
      m[1]!.replaceAll('~1', '/'),
    );
    expect(listed.sort()).toEqual(without.sort());
    await gdpr.close();
  });

  it('documents the answer each route really gives: status, problem code, JSON body', async () => {
    const { gdpr, state, handler, table } = setup();
    const doc = await servedDocument(handler);
    const { token } = await gdpr.optIn.request('openapi@example.org', ['newsletter'], {
      ...checkboxEvidence,
      noticeVersions: { newsletter: '1.0' },
    });
    const seen: string[] = [];
    async function check(route: DocumentedRoute, params: Record<string, string>) {
      const path = route.path.replace(/:(\w+)/g, (_, name: string) => params[name] ?? '');
      const response = await handler(
        new Request(`https://app.acme.test/gdpr${path}`, {
          method: route.method,
          headers: { accept: 'application/json', 'content-type': 'application/json' },
          ...(route.method === 'POST' ? { body: '{}' } : {}),
        }),
      );
      const documented = operationOf(doc, route)!.responses[String(response.status)];
      // The route's pattern, not the path: a label must not show a token.
      const label = `${route.method} ${route.path} → ${response.status}`;
      expect(documented, label).toBeDefined();
      const type = response.headers.get('content-type') ?? '';
      if (type.startsWith('application/problem+json')) {
        const { code } = (await response.json()) as { code: string };
        expect(documented?.description, label).toContain(code);
        seen.push(`${route.name} ${code}`);
      } else if (type.startsWith('application/json') && route.name !== 'dsarDownload') {
        const answer = route.doc.answers[response.status] as RouteAnswer | undefined;
        const schema =
          answer?.kind === 'page'
            ? answer.json
            : answer?.kind === 'json'
              ? answer.schema
              : undefined;
        expect(schema, label).toBeDefined();
        expect(schema?.safeParse(await response.json()).success, label).toBe(true);
        seen.push(`${route.name} ${response.status}`);
      }
    }
    const own = table.filter((route) => !route.path.startsWith('/webhooks/'));
    for (const route of own) await check(route, { token: 'not-a-token', file: 'x.gif' });
    for (const route of own) await check(route, { token: '%E0', file: '%E0.gif' });
    const confirmPage = table.find((route) => route.name === 'confirmPage')!;
    await check(confirmPage, { token });
    state.down = true;
    await check(confirmPage, { token });
    expect(seen).toEqual(
      expect.arrayContaining([
        'signupForm 200',
        'signup CSRF_FAILED',
        'confirmPage TOKEN_INVALID',
        'confirmPage NOT_FOUND',
        'confirmPage 200',
        'confirmPage STORE_FAILURE',
        'dsarVerify TOKEN_INVALID',
        'openapi 200',
      ]),
    );
    state.down = false;
    await gdpr.close();
  });

  it('carries a licence: MIT by default (gdpr-mail own), or the one given', () => {
    const config = parseConfig(testConfig());
    const pkg = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as { license: string };
    expect(createGdprOpenApi(config).info).toMatchObject({
      license: { name: pkg.license, identifier: pkg.license },
    });
    const license = { name: 'Proprietary', url: 'https://acme.test/terms' };
    expect(createGdprOpenApi(config, { license }).info).toMatchObject({ license });
  });

  it('createGdprOpenApi(config) is the served document without its own route', async () => {
    const { gdpr, handler } = setup();
    const served = await servedDocument(handler);
    const alone = createGdprOpenApi(gdpr.config, {
      webhooks: ['ses', 'mailjet'],
    }) as unknown as Doc;
    const { '/openapi.json': own, ...paths } = served.paths;
    expect(own).toBeDefined();
    expect(alone.paths).toEqual(paths);
    expect(alone.components).toEqual(served.components);
    await gdpr.close();
  });
});
