import {
  DeleteContactCommand,
  DeleteSuppressedDestinationCommand,
  GetAccountCommand,
  type GetAccountCommandOutput,
  SESv2Client,
  SendEmailCommand,
  type SendEmailCommandInput,
  type SendEmailCommandOutput,
} from '@aws-sdk/client-sesv2';
import { DEFAULT_REQUEST_TIMEOUT_MS, type SesTransportOptions } from './config.js';
import type { SesCallState } from './result-mapper.js';

/** What one SendEmail call came to, before it is mapped to a result. */
export type SesOutcome =
  | { kind: 'answered'; output: SendEmailCommandOutput }
  | { kind: 'error'; error: unknown; state: SesCallState };

/** The provider side of the SES driver: one SESv2Client, never retrying on its own. */
export interface SesClient {
  /**
   * Why the client must not be used (a user's client that retries on its
   * own), or `undefined`. Checked once.
   */
  problem(): Promise<string | undefined>;
  /** The region the client really sends from. */
  region(): Promise<unknown>;
  sendEmail(input: SendEmailCommandInput, signal?: AbortSignal): Promise<SesOutcome>;
  getAccount(signal?: AbortSignal): Promise<GetAccountCommandOutput>;
  deleteSuppressedDestination(email: string): Promise<unknown>;
  deleteContact(contactListName: string, email: string): Promise<unknown>;
  /** Destroys the client the transport made (never one it was given). */
  close(): void;
}

async function clientMaxAttempts(client: SESv2Client): Promise<number> {
  const setting: unknown = client.config.maxAttempts;
  const value = typeof setting === 'function' ? await (setting as () => unknown)() : setting;
  return typeof value === 'number' ? value : Number.NaN;
}

function abortError(message: string): Error {
  return Object.assign(new Error(message), { name: 'AbortError' });
}

export function createSesClient(options: SesTransportOptions): SesClient {
  const owned = options.client === undefined;
  const client = options.client ?? new SESv2Client({ region: options.region, maxAttempts: 1 });
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  let checked: Promise<string | undefined> | undefined;

  async function sendEmail(
    input: SendEmailCommandInput,
    signal?: AbortSignal,
  ): Promise<SesOutcome> {
    const command = new SendEmailCommand(input);
    const state: SesCallState = { dispatched: false, timedOut: false, aborted: false };
    const controller = new AbortController();
    // Innermost middleware, right before the HTTP handler: from here on SES may have the request.
    command.middlewareStack.add(
      (next) => async (args) => {
        // Aborted or timed out while the SDK resolved credentials or signed: nothing left yet.
        if (controller.signal.aborted) throw abortError('Aborted before the request was sent.');
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
          () => reject(abortError('The SES call was stopped.')),
          { once: true },
        );
      });
      stopped.catch(() => {});
      return { kind: 'answered', output: await Promise.race([call, stopped]) };
    } catch (error) {
      return { kind: 'error', error, state };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    // A user's client that retries on its own could mail twice after a timeout.
    problem() {
      checked ??= owned
        ? Promise.resolve(undefined)
        : clientMaxAttempts(client).then((attempts) =>
            attempts === 1
              ? undefined
              : 'The SESv2Client retries on its own: create it with maxAttempts: 1 (SES has no idempotency key, a retry after a timeout can mail twice).',
          );
      return checked;
    },
    region: () => client.config.region(),
    sendEmail,
    getAccount: (signal) =>
      client.send(new GetAccountCommand({}), signal === undefined ? {} : { abortSignal: signal }),
    deleteSuppressedDestination: (email) =>
      client.send(new DeleteSuppressedDestinationCommand({ EmailAddress: email })),
    deleteContact: (ContactListName, email) =>
      client.send(new DeleteContactCommand({ ContactListName, EmailAddress: email })),
    close() {
      if (owned) client.destroy();
    },
  };
}
