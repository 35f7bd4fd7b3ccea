/**
 * A pino-compatible logger: an object first, then a message. pino, bunyan-style
 * wrappers and `console`-backed adapters all fit.
 */
export interface GdprLogger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
}

export type LogLevel = keyof GdprLogger;

/**
 * A set-up mistake the operator must hear of even without a logger: to the configured
 * logger with its stable code, or else the console. The text names no person.
 */
export function warnOperator(logger: GdprLogger | undefined, code: string, text: string): void {
  if (logger) logger.warn({ code }, text);
  else console.warn(text);
}

const noop = () => undefined;

/** The default: the SDK says nothing unless it is given a logger. */
export const silentLogger: GdprLogger = { debug: noop, info: noop, warn: noop, error: noop };

// An address anywhere in a string, and the SDK's signed tokens
// (`<kid>.1~<type>~…~<nonce>.<43-character MAC>`, see tokens/token-signer.ts).
// Any local@domain, not only a dotted public one: `root@mailhost`, `ops@localhost` and
// `admin@[192.0.2.1]` deliver on an intranet and name a person just as well.
const ADDRESS_SOURCE = /[^\s"'<>@,;:()[\]]+@(?:\[[^\s\]]+\]|[^\s"'<>@,;:()[\]]+)/.source;
const TOKEN_SOURCE = /[A-Za-z0-9_-]{1,16}\.1~[a-z]~[^\s"'<>]*?\.[A-Za-z0-9_-]{43}/.source;
const ADDRESS = new RegExp(ADDRESS_SOURCE, 'g');
// Redaction takes the whole MAC, not a 43-character prefix of a longer run.
const TOKEN = new RegExp(`${TOKEN_SOURCE}(?![A-Za-z0-9_-])`, 'g');
const HOLDS_ADDRESS = new RegExp(ADDRESS_SOURCE);
const HOLDS_TOKEN = new RegExp(TOKEN_SOURCE);

/** Whether a text holds anything shaped like an address or a signed token (the suite's log check). */
export function holdsPersonalData(text: string): boolean {
  return HOLDS_ADDRESS.test(text) || HOLDS_TOKEN.test(text);
}
const REDACTED = '[redacted]';

// How many times a call site handed the logger something personal, across every bundle
// copy of this module: the test suite's log check expects 0 (a redaction is a bug upstream).
const REDACTIONS = Symbol.for('gdpr-mail.log-redactions');
const counter = globalThis as { [REDACTIONS]?: number };

/** Redactions since the process started (see the log check in the test suite). */
export function logRedactions(): number {
  return counter[REDACTIONS] ?? 0;
}

function scrubString(value: string, count = true): string {
  const clean = value.replace(ADDRESS, REDACTED).replace(TOKEN, REDACTED);
  if (count && clean !== value) counter[REDACTIONS] = (counter[REDACTIONS] ?? 0) + 1;
  return clean;
}

function scrub(value: unknown, depth: number, count: boolean): unknown {
  if (typeof value === 'string') return scrubString(value, count);
  if (value instanceof Error) {
    // The code and the name tell what went wrong; messages can quote input.
    const code = (value as { code?: unknown }).code;
    return { name: value.name, ...(typeof code === 'string' ? { code } : {}) };
  }
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  if (depth >= 4) return '[object]';
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1, count));
  const out: Record<string, unknown> = {};
  // Keys too: a map keyed by address (`{ [email]: n }`) carries it in the key. Two keys
  // redacted alike collapse into one; the line loses a value, never the address's secrecy.
  for (const [key, item] of Object.entries(value)) {
    out[scrubString(key, count)] = scrub(item, depth + 1, count);
  }
  return out;
}

/**
 * Wraps the configured logger so that nothing personal leaves through it, whatever a
 * call site passes: addresses and tokens are redacted from every string and object
 * key, errors are reduced to their name and code. The SDK only ever logs pseudonymous
 * ids; this is the second line.
 */
export function safeLogger(
  logger: GdprLogger,
  options: { countRedactions?: boolean } = {},
): GdprLogger {
  const count = options.countRedactions ?? true;
  const level =
    (name: LogLevel) =>
    (fields: Record<string, unknown>, message?: string): void => {
      try {
        const clean = scrub(fields, 0, count) as Record<string, unknown>;
        if (message === undefined) logger[name](clean);
        else logger[name](clean, scrubString(message, count));
      } catch {
        // A logger that throws never breaks the operation it describes.
      }
    };
  return { debug: level('debug'), info: level('info'), warn: level('warn'), error: level('error') };
}

export function isLogger(value: unknown): value is GdprLogger {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (['debug', 'info', 'warn', 'error'] as const).every(
    (name) => typeof candidate[name] === 'function',
  );
}
