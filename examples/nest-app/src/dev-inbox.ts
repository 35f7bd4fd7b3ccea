import type { GdprMail } from '@gdpr-mail/core';
import { isCrossSiteRequest } from '@gdpr-mail/core/http';
import { GdprMailService } from '@gdpr-mail/nestjs';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  Header,
  Headers,
  Inject,
  Injectable,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import type { Response } from 'express';
// The same dev inbox as the Express example: its pages and its newsletter, served by Nest.
import type { DevInbox } from '../../express-app/src/dev-inbox-kit.js';
import { inboxPage, mailPage, sendNewsletter } from '../../express-app/src/dev-inbox-kit.js';

export type { DevInbox, InboxMail } from '../../express-app/src/dev-inbox-kit.js';
export { createDevInbox } from '../../express-app/src/dev-inbox-kit.js';

/** The token the inbox is provided under. */
export const DEV_INBOX = Symbol.for('example-nest-app:dev-inbox');

/**
 * Every page here shows signed links (confirm, unsubscribe, DSAR): never cached, never sent on
 * as a Referer, never framed by another site (the mail page frames its own /html body).
 */
@Injectable()
export class DevInboxHeaders implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler) {
    context.switchToHttp().getResponse<Response>().set({
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "frame-ancestors 'self'",
    });
    return next.handle();
  }
}

/** The dev inbox pages, as an ordinary Nest controller injecting the service. */
@Controller('dev')
@UseInterceptors(DevInboxHeaders)
export class DevInboxController {
  constructor(
    @Inject(GdprMailService) private readonly gdpr: GdprMail,
    @Inject(DEV_INBOX) private readonly inbox: DevInbox,
  ) {}

  @Get('inbox')
  @Header('content-type', 'text/html; charset=utf-8')
  list(@Query('note') note?: string): string {
    return inboxPage(this.inbox, typeof note === 'string' ? note.slice(0, 300) : undefined);
  }

  @Get('inbox/:id')
  @Header('content-type', 'text/html; charset=utf-8')
  async show(@Param('id') id: string): Promise<string> {
    const page = await mailPage(this.inbox, Number(id));
    if (!page) throw new NotFoundException('No such mail.');
    return page;
  }

  @Get('inbox/:id/html')
  @Header('content-type', 'text/html; charset=utf-8')
  body(@Param('id') id: string): string {
    const mail = this.inbox.mails.find((m) => String(m.id) === id);
    if (!mail?.html) throw new NotFoundException('No such mail.');
    return mail.html;
  }

  @Get('inbox/:id/raw')
  async raw(@Param('id') id: string, @Res() res: Response): Promise<void> {
    const raw = await this.inbox.source(Number(id));
    if (!raw) throw new NotFoundException('No such mail.');
    res
      .type('message/rfc822')
      .attachment(`mail-${Number(id)}.eml`)
      .send(raw);
  }

  @Post('newsletter')
  async newsletter(
    @Body() body: { email?: unknown },
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Res() res: Response,
  ): Promise<void> {
    // Another site's form must not make this app mail someone.
    if (isCrossSiteRequest(headers, new URL(this.gdpr.config.links.baseUrl).origin)) {
      throw new ForbiddenException('Refused.');
    }
    const email = typeof body?.email === 'string' ? body.email : '';
    const note = await sendNewsletter(this.gdpr, email);
    res.redirect(303, `/dev/inbox?note=${encodeURIComponent(note)}`);
  }
}
