import type { GdprLogger } from '../observability/logger.js';

export interface CapturedLogLine {
  level: keyof GdprLogger;
  fields: Record<string, unknown>;
  message?: string;
}

const LIMIT = 10_000;
const lines: CapturedLogLine[] = [];
let total = 0;

function at(level: keyof GdprLogger) {
  return (fields: Record<string, unknown>, message?: string) => {
    total += 1;
    // The newest lines are kept: a long suite does not grow without bound.
    if (lines.length >= LIMIT) lines.shift();
    lines.push({ level, fields, ...(message === undefined ? {} : { message }) });
  };
}

/**
 * The logger `testConfig()` gives every GdprMail built in tests: it keeps what the SDK logs
 * (every level), so a suite can check that no line carries personal data.
 */
export const testLogger: GdprLogger = {
  debug: at('debug'),
  info: at('info'),
  warn: at('warn'),
  error: at('error'),
};
// A test config written out as JSON (the CLI's config files) leaves the logger out rather
// than writing `{}`, which the config check would refuse.
Object.defineProperty(testLogger, 'toJSON', { value: () => undefined, enumerable: false });

/** The lines `testLogger` kept (the last 10,000) and how many it saw in all. */
export function capturedLogLines(): { lines: readonly CapturedLogLine[]; total: number } {
  return { lines, total };
}
