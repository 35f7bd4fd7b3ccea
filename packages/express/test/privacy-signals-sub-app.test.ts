import { installPrivacySignals } from '@gdpr-mail/express';
import express from 'express';
import express4 from 'express4';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

// docs/express.md#privacy-signals: Express chains a mounted sub-app's request prototype to
// its parent's, so one call on the top app serves every app mounted under it (REQ-15).
describe.each([
  ['Express 5', express as unknown as typeof express4],
  ['Express 4', express4],
])('installPrivacySignals() on %s', (_name, make) => {
  it('reaches the routes of a sub-app mounted under the app, before or after the call', async () => {
    const app = make();
    const before = make();
    before.get('/x', (req, res) => {
      res.json((req as { privacySignals?: unknown }).privacySignals ?? null);
    });
    app.use('/before', before);
    installPrivacySignals(app);
    const after = make();
    after.get('/x', (req, res) => {
      res.json((req as { privacySignals?: unknown }).privacySignals ?? null);
    });
    app.use('/after', after);
    const server = app.listen(0, '127.0.0.1');
    try {
      for (const path of ['/before/x', '/after/x']) {
        const answer = await request(server).get(path).set('sec-gpc', '1');
        expect(answer.body, path).toEqual({ dnt: false, gpc: true });
      }
    } finally {
      server.close();
    }
  });
});
