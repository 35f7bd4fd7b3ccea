import type { AddressInfo } from 'node:net';
import { createGdprMail } from '@gdpr-mail/core';
import { runHttpConformance } from '@gdpr-mail/core/testing';
import { GdprMailModule } from '@gdpr-mail/nestjs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';

// The same module on platform-fastify: its middleware runs before Fastify reads the body,
// so the core handler reads every body itself.
runHttpConformance('Nest on platform-fastify', {
  createGdprMail,
  mount: async (gdpr, options) => {
    const moduleRef = await Test.createTestingModule({
      imports: [GdprMailModule.forRoot({ gdpr, closeOnDestroy: false, routes: options })],
    }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
  },
});
