import { createGdprMail } from '@gdpr-mail/core';
import { createGdprRoutes } from '@gdpr-mail/core/http';
import { testConfig } from '@gdpr-mail/core/testing';
import { gdprMailOpenApi, installPrivacySignals, privacySignals } from '@gdpr-mail/express';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

describe('gdprMailOpenApi', () => {
  it('documents every mounted route at the configured paths', () => {
    const gdpr = createGdprMail(
      testConfig({
        links: {
          baseUrl: 'https://app.acme.test/mail',
          paths: { confirm: '/c', unsubscribe: '/unsub', preferences: '/prefs' },
        },
      }),
    );
    const doc = gdprMailOpenApi(gdpr, { version: '2.0.0', webhooks: ['ses', 'mailjet'] });
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: 'https://app.acme.test/mail' }]);
    const paths = doc.paths as Record<string, Record<string, { operationId: string }>>;
    const documented = Object.entries(paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((method) => method === 'get' || method === 'post')
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    // Exactly what the router serves: every route and webhook, nothing else.
    const noop = { handle: async () => ({ status: 200 }) };
    const routes = createGdprRoutes(gdpr, {
      webhooks: [
        { name: 'ses', ...noop },
        { name: 'mailjet', ...noop },
      ],
    });
    const served = [...routes.routes, ...routes.webhooks].map(
      (route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`,
    );
    expect(documented.sort()).toEqual(served.sort());
    expect(paths['/c/{token}']?.post?.operationId).toBe('confirm');
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});

describe('privacySignals()', () => {
  it('puts DNT and Sec-GPC on req.privacySignals', async () => {
    const app = express();
    app.use(privacySignals());
    app.get('/', (req, res) => {
      res.json(req.privacySignals);
    });
    const server = app.listen(0, '127.0.0.1');
    try {
      const agent = request(server);
      expect((await agent.get('/').set('sec-gpc', '1')).body).toEqual({ dnt: false, gpc: true });
      expect((await agent.get('/').set('dnt', '1')).body).toEqual({ dnt: true, gpc: false });
      expect((await agent.get('/').set('dnt', 'yes')).body).toEqual({ dnt: false, gpc: false });
    } finally {
      server.close();
    }
  });
});

describe('installPrivacySignals()', () => {
  it('gives routes req.privacySignals without a middleware, read from each request (REQ-15)', async () => {
    const app = express();
    installPrivacySignals(app);
    app.get('/', (req, res) => {
      res.json(req.privacySignals);
    });
    const server = app.listen(0, '127.0.0.1');
    try {
      const agent = request(server);
      expect((await agent.get('/').set('sec-gpc', '1')).body).toEqual({ dnt: false, gpc: true });
      expect((await agent.get('/').set('dnt', '1')).body).toEqual({ dnt: true, gpc: false });
      expect((await agent.get('/')).body).toEqual({ dnt: false, gpc: false });
    } finally {
      server.close();
    }
  });

  it('stays on its own app and lets an assignment win', async () => {
    const installed = express();
    installPrivacySignals(installed);
    installed.get('/', (req, res) => {
      req.privacySignals = { dnt: true, gpc: true };
      res.json(req.privacySignals);
    });
    const other = express();
    other.get('/', (req, res) => {
      res.json({ present: req.privacySignals !== undefined });
    });
    const a = installed.listen(0, '127.0.0.1');
    const b = other.listen(0, '127.0.0.1');
    try {
      expect((await request(a).get('/')).body).toEqual({ dnt: true, gpc: true });
      expect((await request(b).get('/').set('sec-gpc', '1')).body).toEqual({ present: false });
    } finally {
      a.close();
      b.close();
    }
  });
});
