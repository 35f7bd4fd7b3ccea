import { createGdprMail } from '@gdpr-mail/core';
import { testConfig } from '@gdpr-mail/core/testing';
import { gdprMailOpenApi, privacySignals } from '@gdpr-mail/express';
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
    const doc = gdprMailOpenApi(gdpr, { version: '2.0.0' });
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: 'https://app.acme.test/mail' }]);
    const paths = doc.paths as Record<string, Record<string, { operationId: string }>>;
    expect(Object.keys(paths)).toEqual([
      '/signup',
      '/c/{token}',
      '/unsub/{token}',
      '/prefs/{token}',
    ]);
    const operations = Object.values(paths).flatMap((ops) =>
      Object.entries(ops)
        .filter(([method]) => method === 'get' || method === 'post')
        .map(([, op]) => op.operationId),
    );
    expect(operations).toHaveLength(8);
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
