import type { AddressInfo } from 'node:net';
import { createGdprMail } from '@gdpr-mail/core';
import { runHttpConformance } from '@gdpr-mail/core/testing';
import { gdprMail } from '@gdpr-mail/fastify';
import Fastify from 'fastify';

runHttpConformance('Fastify 5', {
  createGdprMail,
  mount: async (gdpr, options) => {
    const app = Fastify();
    await app.register(gdprMail, { gdpr, ...options });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return {
      url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      close: () => app.close(),
    };
  },
});
