export interface CalendarDuration {
  years: number;
  months: number;
  days: number;
}

const ISO_DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/;

/** Parses the calendar part of an ISO 8601 duration (`P3Y`, `P1Y6M`, `P30D`, `P2W`). */
export function parseIsoDuration(text: string): CalendarDuration | undefined {
  const match = ISO_DURATION.exec(text);
  if (!match || text === 'P') return undefined;
  const [, y, m, w, d] = match;
  const duration = {
    years: Number(y ?? 0),
    months: Number(m ?? 0),
    days: Number(w ?? 0) * 7 + Number(d ?? 0),
  };
  return duration.years + duration.months + duration.days > 0 ? duration : undefined;
}

/** Adds a calendar duration in UTC; month ends clamp (31 Jan + 1 month = 28/29 Feb). */
export function addDuration(from: Date, duration: CalendarDuration): Date {
  const totalMonths = from.getUTCMonth() + duration.months + duration.years * 12;
  const year = from.getUTCFullYear() + Math.floor(totalMonths / 12);
  const month = ((totalMonths % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(from.getUTCDate(), lastDay);
  const shifted = new Date(
    Date.UTC(
      year,
      month,
      day,
      from.getUTCHours(),
      from.getUTCMinutes(),
      from.getUTCSeconds(),
      from.getUTCMilliseconds(),
    ),
  );
  return new Date(shifted.getTime() + duration.days * 86_400_000);
}
