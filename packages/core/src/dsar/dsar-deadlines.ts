import { addDuration } from '../config/iso-duration.js';

export interface DsarDeadlines {
  /** Art. 12(3): one month from receipt. */
  dueAt: Date;
  /** The latest an extension can push the answer to: two further months. */
  maxExtendedDueAt: Date;
}

/**
 * Deadlines by calendar month (31 Jan + 1 month = 28/29 Feb), per the EDPB's
 * reading of Art. 12(3) and Regulation 1182/71.
 */
export function dsarDeadlines(receivedAt: Date): DsarDeadlines {
  return {
    dueAt: addDuration(receivedAt, { years: 0, months: 1, days: 0 }),
    maxExtendedDueAt: addDuration(receivedAt, { years: 0, months: 3, days: 0 }),
  };
}

/** An extension must be decided and told within the first month (REQ-20). */
export function canExtend(receivedAt: Date, now: Date): boolean {
  return now <= dsarDeadlines(receivedAt).dueAt;
}

export function daysUntil(deadline: Date, now: Date): number {
  return Math.ceil((deadline.getTime() - now.getTime()) / 86_400_000);
}
