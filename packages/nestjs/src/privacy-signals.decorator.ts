import type { IncomingHttpHeaders } from 'node:http';
import type { PrivacySignals as PrivacySignalsValue } from '@gdpr-mail/core/http';
import { readPrivacySignals } from '@gdpr-mail/core/http';
import type { ExecutionContext } from '@nestjs/common';
import { createParamDecorator } from '@nestjs/common';

/**
 * The request's `DNT` / `Sec-GPC` signals (`{ dnt, gpc }`) as a handler
 * parameter: treat either as an objection to tracking (Art. 21(5), REQ-15).
 */
export const PrivacySignals: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext): PrivacySignalsValue => {
    const request = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>();
    return readPrivacySignals(request.headers);
  },
);
