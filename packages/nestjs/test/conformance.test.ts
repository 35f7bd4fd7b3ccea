import type { AddressInfo } from 'node:net';
import type { GdprMail } from '@gdpr-mail/core';
import { createGdprMail, MemoryStore } from '@gdpr-mail/core';
import { runHttpConformance, testConfig } from '@gdpr-mail/core/testing';
import { GdprMailModule, GdprMailService, InjectGdprMail } from '@gdpr-mail/nestjs';
import { Controller, Get, Inject, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { expect, it } from 'vitest';

// With Nest's own body parser on, a malformed JSON body is answered by Nest (a 400 in its
// format) before the module sees it, and a JSON webhook needs `rawBody: true`: with the
// parser off, the core handler reads every body itself, as it does under the other adapters.
runHttpConformance('Nest on platform-express (bodyParser: false)', {
  createGdprMail,
  mount: async (gdpr, options) => {
    const moduleRef = await Test.createTestingModule({
      imports: [GdprMailModule.forRoot({ gdpr, closeOnDestroy: false, routes: options })],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false, bodyParser: false });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
  },
});

@Controller('whoami')
class InjectedController {
  constructor(
    @InjectGdprMail() readonly gdpr: GdprMail,
    @Inject(GdprMailService) readonly service: GdprMailService,
  ) {}

  @Get()
  name(): string {
    return this.gdpr.config.controller.name;
  }
}

@Module({ controllers: [InjectedController] })
class InjectedModule {}

it('@InjectGdprMail() injects the GdprMail itself; the deprecated service forwards to it', async () => {
  const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
  const moduleRef = await Test.createTestingModule({
    imports: [GdprMailModule.forRoot({ gdpr, isGlobal: true, routes: false }), InjectedModule],
  }).compile();
  const controller = moduleRef.get(InjectedController);
  expect(controller.gdpr).toBe(gdpr);
  expect(controller.service.consent).toBe(gdpr.consent);
  expect(controller.service.config).toBe(gdpr.config);
  const decision = await controller.service.canSend('ada@example.com', 'newsletter');
  expect(decision).toEqual(await gdpr.canSend('ada@example.com', 'newsletter'));
  await moduleRef.close();
  // The service closed the facade on module destroy (closeOnDestroy defaults to true).
  await expect(controller.service.close()).resolves.toBeUndefined();
});
