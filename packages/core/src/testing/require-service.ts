import { describe, it } from 'vitest';

/** Set by CI (`.ci/run`): a service a test needs must be there. */
export const REQUIRE_SERVICES_ENV = 'GDPR_MAIL_REQUIRE_SERVICES';

export interface ServiceGate {
  readonly name: string;
  readonly available: boolean;
  /** Why the probe failed; undefined when available. */
  readonly reason: string | undefined;
  /**
   * `describe` when the service answered. Otherwise: locally, a skipped suite
   * whose title says why; with GDPR_MAIL_REQUIRE_SERVICES=1, a failing test.
   */
  describe(title: string, body: () => void): void;
}

/**
 * Probes a service once (call it at the top level of a test file, with await)
 * and decides what the suites that need it do when it is absent.
 */
export async function requireService(
  name: string,
  probe: () => Promise<void>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServiceGate> {
  let reason: string | undefined;
  try {
    await probe();
  } catch (error) {
    reason = error instanceof Error ? error.message || error.name : String(error);
  }
  const required = env[REQUIRE_SERVICES_ENV] === '1';
  return {
    name,
    available: reason === undefined,
    reason,
    describe(title, body) {
      if (reason === undefined) {
        describe(title, body);
      } else if (required) {
        describe(title, () => {
          it(`needs ${name}`, () => {
            throw new Error(
              `${name} is unreachable (${reason}) and ${REQUIRE_SERVICES_ENV}=1 requires it.`,
            );
          });
        });
      } else {
        describe.skip(
          `${title} — SKIPPED: ${name} is unreachable (${reason}); set ${REQUIRE_SERVICES_ENV}=1 to fail instead`,
          body,
        );
      }
    },
  };
}
