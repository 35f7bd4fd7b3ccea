import {
  defineTransport,
  failed,
  GdprMailError,
  type SendResult,
  sendResultError,
  type Transport,
} from '@gdpr-mail/core';
import { invalidResult } from '@gdpr-mail/core/internal';
import {
  BATCH_CONCURRENCY,
  configError,
  SES_CAPABILITIES,
  type SesTransportOptions,
  sesProcessor,
} from './config.js';
import { eraseSesContact, hasSesErasure } from './erase.js';
import { createSesClient, mapSesError, mapSesOutcome } from './http-client.js';
import { toSendEmailInput } from './message-converter.js';

/**
 * An Amazon SES v2 transport. Sends `Content.Raw` by default so every header
 * (List-Unsubscribe, List-Unsubscribe-Post) reaches SES exactly as given.
 * Never retries: the SDK client runs with `maxAttempts: 1` and core's
 * `withRetries` decides; a call whose fate is unknown is `ambiguous`.
 * Validation, abort, batching and close are core's `defineTransport`.
 */
export function createSesTransport(options: SesTransportOptions): Transport {
  const processor = sesProcessor(options);
  const client = createSesClient(options);
  const { erasure } = options;

  return defineTransport({
    name: 'ses',
    capabilities: SES_CAPABILITIES,
    processor,
    concurrency: BATCH_CONCURRENCY,
    async precheck() {
      const problem = await client.problem();
      return problem === undefined
        ? undefined
        : failed('invalid', problem, { retryable: false, providerCode: 'CONFIG_INVALID' });
    },
    async sendValidated(message, { signal }): Promise<SendResult> {
      let input: Awaited<ReturnType<typeof toSendEmailInput>>;
      try {
        input = await toSendEmailInput(message, options);
      } catch (error) {
        // Building the MIME failed: nothing left.
        return invalidResult(error);
      }
      return mapSesOutcome(await client.sendEmail(input, signal));
    },
    ...(erasure !== undefined && hasSesErasure(erasure)
      ? { eraseContact: (email: string) => eraseSesContact(client, erasure, email) }
      : {}),
    async verify({ signal }) {
      const problem = await client.problem();
      if (problem !== undefined) throw configError(problem, { field: 'client' });
      const clientRegion = await client.region();
      if (clientRegion !== options.region) {
        throw configError(
          `The SESv2Client sends from "${String(clientRegion)}" but the transport declares "${options.region}" for the record of processing.`,
          { field: 'region' },
        );
      }
      let account: Awaited<ReturnType<typeof client.getAccount>>;
      try {
        account = await client.getAccount(signal);
      } catch (error) {
        const result = mapSesError(error, { dispatched: false, timedOut: false, aborted: false });
        throw (
          sendResultError(result) ??
          new GdprMailError('PROVIDER_UNAVAILABLE', 'SES could not be verified.')
        );
      }
      if (account.SendingEnabled === false) {
        throw new GdprMailError(
          'PROVIDER_ACCOUNT_BLOCKED',
          `Sending is paused for this SES account in ${options.region}.`,
          { details: { enforcementStatus: account.EnforcementStatus } },
        );
      }
    },
    async close() {
      client.close();
    },
  });
}
