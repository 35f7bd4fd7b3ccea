import type { PrivacySignals } from '@gdpr-mail/core/http';
import { readPrivacySignals } from '@gdpr-mail/core/http';
import type { RequestHandler } from 'express';

declare global {
  namespace Express {
    interface Request {
      /** DNT / Sec-GPC as read by `privacySignals()` (REQ-15). */
      privacySignals?: PrivacySignals;
    }
  }
}

/**
 * Reads `DNT` and `Sec-GPC` into `req.privacySignals`, so any route (yours and
 * the gdpr-mail ones) can treat them as an objection to tracking (Art. 21(5)).
 */
export function privacySignals(): RequestHandler {
  return (req, _res, next) => {
    req.privacySignals = readPrivacySignals(req.headers);
    next();
  };
}
