import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ConsoleAction } from '@gdpr-mail/console';
import { CONSOLE_ACTIONS, createGdprConsole, nodeConsoleHandler } from '@gdpr-mail/console';
import type { GdprMail } from '@gdpr-mail/core';
import { html, isCrossSiteRequest, layout, parseCookies } from '@gdpr-mail/core/http';
import type { Request, RequestHandler, Router } from 'express';
import express from 'express';

/**
 * The demo shop's staff and what each may do in the privacy console. A real app
 * has its own users and roles; the console only asks, per action, through `authorize`.
 */
export const DEMO_STAFF: Readonly<Record<string, readonly ConsoleAction[]>> = {
  dpo: CONSOLE_ACTIONS,
  support: ['view'],
};

const SESSION_COOKIE = 'acme_staff';

/**
 * A deliberately small demo login: pick a staff member, type the demo password
 * (`DEMO_STAFF_PASSWORD`, default `demo` outside production); the session is a signed cookie. It
 * stands for the app's real login, which the console sits behind.
 */
export function demoLogin(
  secret: string,
  ownOrigin: string,
): {
  router: Router;
  requireStaff: RequestHandler;
  staffOf(req: Request): string | undefined;
} {
  // The published demo password opens nothing in production: there, only DEMO_STAFF_PASSWORD
  // does (unset, every login is refused), or anyone could export and erase anyone's data.
  const password =
    process.env.DEMO_STAFF_PASSWORD ?? (process.env.NODE_ENV === 'production' ? undefined : 'demo');
  const sign = (user: string) =>
    createHmac('sha256', secret).update(`acme-staff:${user}`).digest('base64url');
  const staffOf = (req: Request): string | undefined => {
    const raw = parseCookies(req.headers.cookie)[SESSION_COOKIE] ?? '';
    const [user = '', mac = ''] = raw.split('.');
    if (!Object.hasOwn(DEMO_STAFF, user)) return undefined;
    const expected = Buffer.from(sign(user));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given) ? user : undefined;
  };
  // Another site's form must not log a visitor in (as the attacker's staff member) or out.
  const sameSiteOnly: RequestHandler = (req, res, next) => {
    if (isCrossSiteRequest(req.headers, ownOrigin)) res.status(403).type('text').send('Refused.');
    else next();
  };
  const router = express.Router();
  router.get('/login', (req, res) => {
    const failed = req.query.failed === '1';
    res.type('html').send(
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
  router.post(
    '/login',
    sameSiteOnly,
    express.urlencoded({ extended: false, limit: '2kb' }),
    (req, res) => {
      const { user, password: given } = (req.body ?? {}) as Record<string, unknown>;
      if (
        typeof user !== 'string' ||
        !Object.hasOwn(DEMO_STAFF, user) ||
        password === undefined ||
        given !== password
      ) {
        res.redirect(303, '/login?failed=1');
        return;
      }
      res.cookie(SESSION_COOKIE, `${user}.${sign(user)}`, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
      });
      res.redirect(303, '/admin/privacy');
    },
  );
  router.post('/logout', sameSiteOnly, (_req, res) => {
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/');
  });
  const requireStaff: RequestHandler = (req, res, next) => {
    if (staffOf(req)) next();
    else res.redirect(303, '/login');
  };
  return { router, requireStaff, staffOf };
}

/** The privacy console at /admin/privacy, behind the demo login. */
export function adminRouter(gdpr: GdprMail, secret: string): Router {
  const login = demoLogin(secret, new URL(gdpr.config.links.baseUrl).origin);
  const privacyConsole = createGdprConsole(gdpr, {
    basePath: '/admin/privacy',
    // The staff member the login put on the request; the actor is what the audit log names.
    authorize: (_request, action, context) => {
      const user = typeof context.user === 'string' ? context.user : undefined;
      return user && DEMO_STAFF[user]?.includes(action) ? `staff:${user}` : null;
    },
  });
  const router = express.Router();
  router.use(login.router);
  router.use(
    '/admin/privacy',
    login.requireStaff,
    nodeConsoleHandler(privacyConsole, { user: (req: Request) => login.staffOf(req) }),
  );
  return router;
}

/** Whether the staff member may do `action` (the core's `dsar.authorize` asks for admin exports). */
export function staffMay(actor: string, action: ConsoleAction): boolean {
  const user = actor.startsWith('staff:') ? actor.slice('staff:'.length) : '';
  return DEMO_STAFF[user]?.includes(action) ?? false;
}
