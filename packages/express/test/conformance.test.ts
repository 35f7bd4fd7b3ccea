import type { RequestListener, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GdprMail } from '@gdpr-mail/core';
import { createGdprMail } from '@gdpr-mail/core';
import type { GdprHandlerOptions } from '@gdpr-mail/core/http';
import { runHttpConformance } from '@gdpr-mail/core/testing';
import { gdprMailRouter, privacySignals } from '@gdpr-mail/express';
import express from 'express';
import express4 from 'express4';

async function listen(app: RequestListener) {
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

runHttpConformance('Express 5', {
  createGdprMail,
  mount: async (gdpr: GdprMail, options: GdprHandlerOptions) => {
    const app = express();
    app.use(privacySignals());
    app.use('/gdpr', gdprMailRouter(gdpr, options));
    return listen(app);
  },
});

// Express 4 (a dev alias of express@4): the router is the same object both versions accept.
runHttpConformance('Express 4', {
  createGdprMail,
  mount: async (gdpr: GdprMail, options: GdprHandlerOptions) => {
    const app = express4();
    app.use('/gdpr', gdprMailRouter(gdpr, options) as unknown as express4.Router);
    return listen(app);
  },
});
