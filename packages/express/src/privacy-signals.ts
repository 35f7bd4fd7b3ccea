import type { PrivacySignals } from '@gdpr-mail/core/http';
import { readPrivacySignals } from '@gdpr-mail/core/http';
import type { Request, RequestHandler } from 'express';

declare global {
  namespace Express {
    interface Request {
      /** DNT / Sec-GPC as read by `privacySignals()` or `installPrivacySignals()` (REQ-15). */
      privacySignals?: PrivacySignals;
    }
  }
}

/**
 * Reads `DNT` and `Sec-GPC` into `req.privacySignals`, so any route (yours and
 * the gdpr-mail ones) can treat them as an objection to tracking (Art. 21(5)).
 *
 * A middleware runs on every request of the app, read or not; `installPrivacySignals(app)`
 * gives the same `req.privacySignals` for free until a route reads it.
 */
export function privacySignals(): RequestHandler {
  return (req, _res, next) => {
    req.privacySignals = readPrivacySignals(req.headers);
    next();
  };
}

const OWN = Symbol('gdpr-mail.privacySignals');
type WithOwn = Request & { [OWN]?: PrivacySignals };

/**
 * Makes `req.privacySignals` a getter on the app's request prototype: the headers are read
 * only when a route asks, so routes that never look pay nothing (no extra middleware layer).
 * One call on the top app serves the sub-apps mounted under it (Express chains their request
 * prototypes to its own). An assignment (the `privacySignals()` middleware, a test) still wins.
 */
export function installPrivacySignals(app: { request: object }): void {
  Object.defineProperty(app.request, 'privacySignals', {
    configurable: true,
    enumerable: false,
    get(this: WithOwn): PrivacySignals {
      return this[OWN] ?? readPrivacySignals(this.headers);
    },
    set(this: WithOwn, value: PrivacySignals) {
      this[OWN] = value;
    },
  });
}
