import { isGdprMailError } from '@gdpr-mail/core';
import { PROBLEM_CONTENT_TYPE, toProblem } from '@gdpr-mail/core/http';
import type { ArgumentsHost } from '@nestjs/common';
import { Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';

/**
 * Answers every `GdprMailError` as RFC 9457 problem JSON (`application/problem+json`,
 * the status of its stable code, the code as an extension member); anything else
 * goes to Nest's default handling. Register it app-wide with
 * `{ provide: APP_FILTER, useClass: GdprProblemFilter }` or per controller with `@UseFilters()`.
 */
@Catch()
export class GdprProblemFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    const adapter = this.applicationRef ?? this.httpAdapterHost?.httpAdapter;
    if (!isGdprMailError(exception) || host.getType() !== 'http' || !adapter) {
      super.catch(exception, host);
      return;
    }
    const details = toProblem(exception);
    const response: unknown = host.switchToHttp().getResponse();
    adapter.setHeader(response, 'content-type', PROBLEM_CONTENT_TYPE);
    if (details.retryAfter !== undefined) {
      adapter.setHeader(response, 'retry-after', String(details.retryAfter));
    }
    adapter.reply(response, JSON.stringify(details), details.status);
  }
}
