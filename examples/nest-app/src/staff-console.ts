import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsoleAction } from '@gdpr-mail/console';
import { CONSOLE_ACTIONS, createGdprConsole, nodeConsoleHandler } from '@gdpr-mail/console';
import type { GdprMail } from '@gdpr-mail/core';
import { html, isCrossSiteRequest, layout, parseCookies } from '@gdpr-mail/core/http';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** The demo shop's staff and what each may do in the privacy console. */
export const DEMO_STAFF: Readonly<Record<string, readonly ConsoleAction[]>> = {
  dpo: CONSOLE_ACTIONS,
  support: ['view'],
};

/** Whether the console's actor may do `action` (the core's `dsar.authorize` asks for admin exports). */
export function staffMay(actor: string, action: ConsoleAction): boolean {
  const user = actor.startsWith('staff:') ? actor.slice('staff:'.length) : '';
  return DEMO_STAFF[user]?.includes(action) ?? false;
}

const COOKIE = 'acme_staff';
type Req = IncomingMessage & { body?: unknown };
type Next = (error?: unknown) => void;

async function formOf(req: Req): Promise<URLSearchParams> {
  if (req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body)) {
    return new URLSearchParams(req.body as Record<string, string>);
  }
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 2048) break;
  }
  return new URLSearchParams(text);
}

function redirect(res: ServerResponse, location: string, cookie?: string): void {
  res.statusCode = 303;
  res.setHeader('location', location);
  if (cookie) res.setHeader('set-cookie', cookie);
  res.end();
}

/**
 * A deliberately small demo login for the shop's staff (password `DEMO_STAFF_PASSWORD`,
 * default `demo` outside production; the session a signed cookie), and the privacy console at /admin/privacy
 * behind it. A real app puts the console behind its own login and roles.
 */
export function mountStaffConsole(app: NestExpressApplication, gdpr: GdprMail, secret: string) {
  // The published demo password opens nothing in production: there, only DEMO_STAFF_PASSWORD
  // does (unset, every login is refused), or anyone could export and erase anyone's data.
  const password =
    process.env.DEMO_STAFF_PASSWORD ?? (process.env.NODE_ENV === 'production' ? undefined : 'demo');
  const sign = (user: string) =>
    createHmac('sha256', secret).update(`acme-staff:${user}`).digest('base64url');
  const staffOf = (req: IncomingMessage): string | undefined => {
    const [user = '', mac = ''] = (parseCookies(req.headers.cookie)[COOKIE] ?? '').split('.');
    if (!Object.hasOwn(DEMO_STAFF, user)) return undefined;
    const expected = Buffer.from(sign(user));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given) ? user : undefined;
  };

  const ownOrigin = new URL(gdpr.config.links.baseUrl).origin;
  app.use('/login', (req: Req, res: ServerResponse, next: Next) => {
    if (req.method === 'POST') {
      // Another site's form must not log a visitor in as the attacker's staff member.
      if (isCrossSiteRequest(req.headers, ownOrigin)) {
        res.statusCode = 403;
        res.end('Refused.');
        return;
      }
      formOf(req).then((form) => {
        const user = form.get('user') ?? '';
        if (
          !Object.hasOwn(DEMO_STAFF, user) ||
          password === undefined ||
          form.get('password') !== password
        ) {
          redirect(res, '/login?failed=1');
          return;
        }
        const cookie = `${COOKIE}=${user}.${sign(user)}; Path=/; HttpOnly; SameSite=Strict`;
        redirect(res, '/admin/privacy', cookie);
      }, next);
      return;
    }
    if (req.method !== 'GET') return next();
    const failed = (req.url ?? '').includes('failed=1');
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(
      layout({
        locale: 'en',
        title: 'Staff login',
        body: html`${failed ? html`<p class="error" role="alert">Wrong name or password.</p>` : ''}
<p>Demo login of the shop's staff (password <code>demo</code>): <strong>dpo</strong> may do everything
in the privacy console, <strong>support</strong> may only look.</p>
<form method="post" action="/login">
<label for="user">Staff member</label>
<select id="user" name="user" autocomplete="username"><option>dpo</option><option>support</option></select>
<label for="password">Password</label>
<input id="password" name="password" type="password" required autocomplete="current-password">
<p><button type="submit">Log in</button></p>
</form>`,
      }),
    );
  });

  const privacyConsole = createGdprConsole(gdpr, {
    basePath: '/admin/privacy',
    authorize: (_request, action, context) => {
      const user = typeof context.user === 'string' ? context.user : undefined;
      return user && DEMO_STAFF[user]?.includes(action) ? `staff:${user}` : null;
    },
  });
  const serve = nodeConsoleHandler(privacyConsole, { user: (req) => staffOf(req) });
  app.use('/admin/privacy', (req: Req, res: ServerResponse, next: Next) => {
    if (!staffOf(req)) redirect(res, '/login');
    else serve(req, res, next);
  });
}
