import 'reflect-metadata';
import type { GdprMail } from '@gdpr-mail/core';
import { GdprMailService } from '@gdpr-mail/nestjs';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ExampleAppOptions } from './app.module.js';
import { AppModule } from './app.module.js';
import { exampleConfig } from './config.js';
import type { DevInbox } from './dev-inbox.js';
import { DEV_INBOX } from './dev-inbox.js';
import { mountStaffConsole } from './staff-console.js';

export interface ExampleApp {
  app: NestExpressApplication;
  gdpr: GdprMail;
  inbox: DevInbox;
}

/** Creates (does not start) the demo app. */
export async function createExampleApp(
  options: ExampleAppOptions & { logger?: false },
): Promise<ExampleApp> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forExample(options), {
    // Provider webhooks need the exact bytes of JSON bodies.
    rawBody: true,
    ...(options.logger === false ? { logger: false } : {}),
  });
  app.disable('x-powered-by');
  const gdpr: GdprMail = app.get(GdprMailService);
  // The privacy console at /admin/privacy, behind the shop's staff login (here a demo one).
  mountStaffConsole(app, gdpr, exampleConfig(options.baseUrl).secrets.pepper);
  return { app, gdpr, inbox: app.get<DevInbox>(DEV_INBOX) };
}
