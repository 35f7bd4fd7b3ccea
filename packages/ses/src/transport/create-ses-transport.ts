import {
  DeleteContactCommand,
  DeleteSuppressedDestinationCommand,
  GetAccountCommand,
  type GetAccountCommandOutput,
  SESv2Client,
  SendEmailCommand,
  type SendEmailCommandInput,
} from '@aws-sdk/client-sesv2';
import {
  abortedResult,
  failed,
  GdprMailError,
  invalidResult,
  isEea,
  type OutgoingMessage,
  type ProcessorDescriptor,
  type ProcessorErasureResult,
  type SendOptions,
  type SendResult,
  sendResultError,
  TRANSFER_SAFEGUARDS,
  type Transport,
  type TransportCapabilities,
  type ValidatedMessage,
  validateMessage,
} from '@gdpr-mail/core';
import { buildRawMessage } from './build-raw-message.js';
import { emailTags } from './email-tags.js';
import { formatMailbox } from './format-mailbox.js';
import { mapSesError, type SesCallState } from './map-ses-error.js';
import { countryOfRegion } from './region.js';
import type { SesTransportOptions } from './ses-transport-options.js';

export const DEFAULT_SES_PROCESSOR_NAME = 'Amazon Web Services EMEA SARL';
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
// SES has no batch send for distinct raw messages: the batch is sent concurrently, this many at once.
const BATCH_CONCURRENCY = 10;

const CAPABILITIES: TransportCapabilities = {
  maxBatchSize: 100,
  maxRecipients: 50,
  customHeaders: true,
  nativeIdempotency: false,
};

function configError(message: string, details: Record<string, unknown>): GdprMailError {
  return new GdprMailError('CONFIG_INVALID', message, { details });
}

/** The processor entry for the record of processing, checked like the config (SEED-11). */
export function sesProcessor(options: SesTransportOptions): ProcessorDescriptor {
  const { region } = options;
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw configError('The SES transport needs the AWS region it sends from, e.g. "eu-west-1".', {
      field: 'region',
    });
  }
  const country = (options.processor?.country ?? countryOfRegion(region))?.toUpperCase();
  if (country === undefined || !/^[A-Z]{2}$/.test(country)) {
    throw configError(
      `The country of AWS region "${region}" is not known: declare it as processor.country.`,
      { field: 'processor.country', region },
    );
  }
  const transferSafeguard = options.transferSafeguard ?? options.processor?.transferSafeguard;
  if (transferSafeguard !== undefined && !TRANSFER_SAFEGUARDS.includes(transferSafeguard)) {
    throw configError(`Unknown transfer safeguard "${String(transferSafeguard)}".`, {
      field: 'transferSafeguard',
      allowed: TRANSFER_SAFEGUARDS,
    });
  }
  if (!isEea(country) && transferSafeguard === undefined) {
    throw configError(
      `AWS region "${region}" processes mail in ${country}, outside the EEA: declare the transferSafeguard it rests on (Chapter V GDPR), or use an EU region such as eu-west-1.`,
      { field: 'transferSafeguard', region, country, allowed: TRANSFER_SAFEGUARDS },
    );
  }
  return {
    name: options.processor?.name ?? DEFAULT_SES_PROCESSOR_NAME,
    role: options.processor?.role ?? 'email delivery',
    country,
    region,
    ...(transferSafeguard === undefined ? {} : { transferSafeguard }),
  };
}

async function clientMaxAttempts(client: SESv2Client): Promise<number> {
  const setting: unknown = client.config.maxAttempts;
  const value = typeof setting === 'function' ? await (setting as () => unknown)() : setting;
  return typeof value === 'number' ? value : Number.NaN;
}

/**
 * An Amazon SES v2 transport. Sends `Content.Raw` by default so every header
 * (List-Unsubscribe, List-Unsubscribe-Post) reaches SES exactly as given.
 * Never retries: the SDK client runs with `maxAttempts: 1` and core's
 * `withRetries` decides; a call whose fate is unknown is `ambiguous`.
 */
export function createSesTransport(options: SesTransportOptions): Transport {
  const processor = sesProcessor(options);
  const ownClient = options.client === undefined;
  const client = options.client ?? new SESv2Client({ region: options.region, maxAttempts: 1 });
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const mode = options.content ?? 'raw';
  let closed = false;
  let clientChecked: Promise<string | undefined> | undefined;

  // A user's client that retries on its own could mail twice after a timeout.
  function checkClient(): Promise<string | undefined> {
    clientChecked ??= ownClient
      ? Promise.resolve(undefined)
      : clientMaxAttempts(client).then((attempts) =>
          attempts === 1
            ? undefined
            : 'The SESv2Client retries on its own: create it with maxAttempts: 1 (SES has no idempotency key, a retry after a timeout can mail twice).',
        );
    return clientChecked;
  }

  async function input(message: ValidatedMessage): Promise<SendEmailCommandInput> {
    const tags = emailTags(message.tags, message.metadata);
    const common: Omit<SendEmailCommandInput, 'Content'> = {
      FromEmailAddress: formatMailbox(message.from),
      Destination: { ToAddresses: [message.to.address] },
      ...(message.replyTo === undefined
        ? {}
        : { ReplyToAddresses: [formatMailbox(message.replyTo)] }),
      ...(options.configurationSetName === undefined
        ? {}
        : { ConfigurationSetName: options.configurationSetName }),
      ...(tags.length === 0 ? {} : { EmailTags: tags }),
    };
    if (mode === 'simple') {
      const headers = Object.entries(message.headers).map(([Name, Value]) => ({ Name, Value }));
      return {
        ...common,
        Content: {
          Simple: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: {
              ...(message.text === undefined
                ? {}
                : { Text: { Data: message.text, Charset: 'UTF-8' } }),
              ...(message.html === undefined
                ? {}
                : { Html: { Data: message.html, Charset: 'UTF-8' } }),
            },
            ...(headers.length === 0 ? {} : { Headers: headers }),
          },
        },
      };
    }
    const raw = await buildRawMessage(message, new Date());
    return { ...common, Content: { Raw: { Data: raw } } };
  }

  async function sendValidated(
    message: ValidatedMessage,
    signal?: AbortSignal,
  ): Promise<SendResult> {
    const command = new SendEmailCommand(await input(message));
    const state: SesCallState = { dispatched: false, timedOut: false, aborted: false };
    const controller = new AbortController();
    // Innermost middleware, right before the HTTP handler: from here on SES may have the request.
    command.middlewareStack.add(
      (next) => async (args) => {
        // Aborted or timed out while the SDK resolved credentials or signed: nothing left yet.
        if (controller.signal.aborted) {
          throw Object.assign(new Error('Aborted before the request was sent.'), {
            name: 'AbortError',
          });
        }
        state.dispatched = true;
        return next(args);
      },
      { step: 'deserialize', priority: 'low', name: 'gdprMailDispatchMarker' },
    );
    const onAbort = () => {
      state.aborted = true;
      controller.abort(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      state.timedOut = true;
      controller.abort(new Error('SES request timed out'));
    }, requestTimeoutMs);
    try {
      const call = client.send(command, { abortSignal: controller.signal });
      // The SDK only watches the signal once the HTTP handler has the request; a hung
      // credential lookup would outlive the timeout. Race it: the marker above keeps a
      // late call from ever leaving.
      call.catch(() => {});
      const stopped = new Promise<never>((_, reject) => {
        controller.signal.addEventListener(
          'abort',
          () =>
            reject(Object.assign(new Error('The SES call was stopped.'), { name: 'AbortError' })),
          { once: true },
        );
      });
      stopped.catch(() => {});
      const output = await Promise.race([call, stopped]);
      if (output.MessageId === undefined || output.MessageId === '') {
        return {
          status: 'ambiguous',
          message: 'SES answered without a MessageId: the message may have been sent.',
        };
      }
      return { status: 'accepted', providerMessageId: output.MessageId };
    } catch (error) {
      return mapSesError(error, state);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async function send(
    message: OutgoingMessage,
    sendOptions: SendOptions = {},
  ): Promise<SendResult> {
    if (sendOptions.signal?.aborted) return abortedResult();
    if (closed) return failed('transient', 'The SES transport is closed.', { retryable: false });
    let validated: ValidatedMessage;
    try {
      validated = validateMessage(message);
    } catch (error) {
      return invalidResult(error);
    }
    const problem = await checkClient();
    if (problem !== undefined) {
      return failed('invalid', problem, { retryable: false, providerCode: 'CONFIG_INVALID' });
    }
    if (sendOptions.signal?.aborted) return abortedResult();
    try {
      return await sendValidated(validated, sendOptions.signal);
    } catch (error) {
      // Building the MIME failed: nothing left.
      return invalidResult(error);
    }
  }

  async function sendBatch(
    messages: readonly OutgoingMessage[],
    sendOptions: SendOptions = {},
  ): Promise<SendResult[]> {
    const results: SendResult[] = new Array(messages.length);
    let next = 0;
    async function worker(): Promise<void> {
      while (next < messages.length) {
        const index = next;
        next += 1;
        results[index] = await send(messages[index] as OutgoingMessage, sendOptions);
      }
    }
    await Promise.all(
      Array.from({ length: Math.min(BATCH_CONCURRENCY, messages.length) }, () => worker()),
    );
    return results;
  }

  const erasure = options.erasure;
  async function eraseContact(email: string): Promise<ProcessorErasureResult> {
    const steps: [string, () => Promise<unknown>][] = [];
    if (erasure?.accountSuppressionList) {
      steps.push([
        'account suppression list',
        () => client.send(new DeleteSuppressedDestinationCommand({ EmailAddress: email })),
      ]);
    }
    if (erasure?.contactListName !== undefined) {
      const ContactListName = erasure.contactListName;
      steps.push([
        `contact list ${ContactListName}`,
        () => client.send(new DeleteContactCommand({ ContactListName, EmailAddress: email })),
      ]);
    }
    const done: string[] = [];
    for (const [what, run] of steps) {
      try {
        await run();
        done.push(`${what}: deleted`);
      } catch (error) {
        const name = (error as { name?: unknown }).name;
        if (name === 'NotFoundException') {
          done.push(`${what}: not present`);
          continue;
        }
        // The detail names the step and SES's error code, never the address.
        done.push(`${what}: failed (${typeof name === 'string' ? name : 'Error'})`);
        return { ok: false, detail: done.join('; ') };
      }
    }
    return { ok: true, detail: done.join('; ') };
  }
  const hasErasure =
    erasure !== undefined &&
    (erasure.accountSuppressionList === true || erasure.contactListName !== undefined);

  return {
    name: 'ses',
    capabilities: CAPABILITIES,
    processor,
    send,
    sendBatch,
    ...(hasErasure ? { eraseContact } : {}),
    async verify(verifyOptions: SendOptions = {}) {
      const problem = await checkClient();
      if (problem !== undefined) throw configError(problem, { field: 'client' });
      const clientRegion: unknown = await client.config.region();
      if (clientRegion !== options.region) {
        throw configError(
          `The SESv2Client sends from "${String(clientRegion)}" but the transport declares "${options.region}" for the record of processing.`,
          { field: 'region' },
        );
      }
      const state: SesCallState = { dispatched: false, timedOut: false, aborted: false };
      let account: GetAccountCommandOutput;
      try {
        account = await client.send(
          new GetAccountCommand({}),
          verifyOptions.signal === undefined ? {} : { abortSignal: verifyOptions.signal },
        );
      } catch (error) {
        const result = mapSesError(error, state);
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
      if (closed) return;
      closed = true;
      if (ownClient) client.destroy();
    },
  };
}
