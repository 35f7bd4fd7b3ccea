import { isGdprMailError } from '@gdpr-mail/core';
import { html, layout, toProblem, wantsJson } from '@gdpr-mail/core/http';
import { GdprProblemFilter } from '@gdpr-mail/nestjs';
import type { ArgumentsHost } from '@nestjs/common';
import { Catch } from '@nestjs/common';
import type { Request, Response } from 'express';

/** What a browser is shown on a subscribers-only page it may not open: words and a way in. */
function forbiddenPage(): string {
  return layout({
    locale: 'en',
    title: 'This page is for newsletter subscribers',
    body: html`<p role="alert">These garden tips are for people who subscribed to our monthly newsletter
and confirmed their address. We have no confirmed subscription for this address.</p>
<p>Subscribe (and confirm the link we email you), then come back to this page.</p>
<p><a href="/gdpr/signup">Subscribe to the newsletter</a></p>
<p><a href="/">Back to the website</a></p>`,
  });
}

/**
 * The shop's own page guarded by `@RequireConsent`: a browser (Accept:
 * text/html) gets an HTML 403 page it can act on, an API client keeps the
 * RFC 9457 problem JSON of `GdprProblemFilter`.
 */
@Catch()
export class MemberPageFilter extends GdprProblemFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() === 'http' && isGdprMailError(exception)) {
      const http = host.switchToHttp();
      const request = http.getRequest<Request>();
      const details = toProblem(exception);
      if (details.status === 403 && !wantsJson({ headers: request.headers })) {
        http
          .getResponse<Response>()
          .status(403)
          .type('html')
          .set('cache-control', 'no-store')
          .send(forbiddenPage());
        return;
      }
    }
    super.catch(exception, host);
  }
}
