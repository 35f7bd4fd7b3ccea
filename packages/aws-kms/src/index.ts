import type { KeyEncryptionKey, KeyProvider } from '@gdpr-mail/core';
import { assertKeyId, GdprMailError } from '@gdpr-mail/core';

/** The subset of `KMSClient` this package uses (so a user's own client fits). */
export interface KmsClientLike {
  send(command: unknown): Promise<unknown>;
}

export interface AwsKmsKek {
  /** The KEK id stored with every wrap, e.g. `2026-12`. */
  id: string;
  /** Base64 `CiphertextBlob` from `createKek` (KMS `GenerateDataKey`). */
  ciphertext: string;
}

export interface AwsKmsKeyProviderOptions {
  /** Your own `KMSClient`; otherwise one is made for `region`. */
  client?: KmsClientLike;
  region?: string;
  /** The first entry is the current one unless `current` says otherwise. */
  keys: readonly AwsKmsKek[];
  current?: string;
}

const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
]);

/** The EncryptionContext binding a blob to its KEK id, so blobs can't be swapped between ids. */
export function kekEncryptionContext(id: string): Record<string, string> {
  return { 'gdpr-mail:kek': id };
}

async function loadSdk(): Promise<typeof import('@aws-sdk/client-kms')> {
  try {
    return await import('@aws-sdk/client-kms');
  } catch (cause) {
    throw new GdprMailError(
      'CONFIG_INVALID',
      'The AWS KMS key provider needs @aws-sdk/client-kms: install it next to @gdpr-mail/aws-kms.',
      { cause },
    );
  }
}

function mapError(error: unknown, id: string, action: string): GdprMailError {
  const e = error as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  const status = e?.$metadata?.httpStatusCode;
  const name = e?.name ?? '';
  const network =
    typeof e?.code === 'string' && /^(ECONN|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE)/.test(e.code);
  if (
    RETRYABLE_NAMES.has(name) ||
    (status !== undefined && status >= 500) ||
    network ||
    e?.$retryable !== undefined
  ) {
    return new GdprMailError(
      'PROVIDER_UNAVAILABLE',
      `AWS KMS could not ${action} key-encryption key "${id}" right now (${name || 'network error'}).`,
      { retryable: true, details: { keyId: id, kms: name } },
    );
  }
  return new GdprMailError(
    'ENCRYPTION_KEY_UNKNOWN',
    `AWS KMS refused to ${action} key-encryption key "${id}" (${name || 'unknown error'}).`,
    { details: { keyId: id, kms: name } },
  );
}

/**
 * A KeyProvider whose KEKs are KMS data keys kept as ciphertext blobs in the
 * app's config. `load()` calls KMS `Decrypt` once per key; the plaintext keys
 * stay in memory and every per-person wrap happens locally.
 */
export function createAwsKmsKeyProvider(options: AwsKmsKeyProviderOptions): KeyProvider {
  const { keys } = options;
  if (keys.length === 0) {
    throw new GdprMailError('CONFIG_INVALID', 'The AWS KMS key provider needs at least one key.');
  }
  const seen = new Set<string>();
  for (const { id, ciphertext } of keys) {
    assertKeyId(id);
    if (seen.has(id)) {
      throw new GdprMailError('CONFIG_INVALID', `Encryption key id "${id}" appears twice.`);
    }
    seen.add(id);
    if (typeof ciphertext !== 'string' || ciphertext.length === 0) {
      throw new GdprMailError('CONFIG_INVALID', `Encryption key "${id}" has no ciphertext.`);
    }
  }
  const current = options.current ?? keys[0]?.id ?? '';
  if (!seen.has(current)) {
    throw new GdprMailError(
      'CONFIG_INVALID',
      `The current key "${current}" is not among the keys.`,
    );
  }
  return {
    kind: 'aws-kms',
    async load() {
      const sdk = await loadSdk();
      const client: KmsClientLike =
        options.client ??
        new sdk.KMSClient(options.region === undefined ? {} : { region: options.region });
      const loaded: KeyEncryptionKey[] = [];
      for (const { id, ciphertext } of keys) {
        let output: { Plaintext?: Uint8Array };
        try {
          output = (await client.send(
            new sdk.DecryptCommand({
              CiphertextBlob: Buffer.from(ciphertext, 'base64'),
              EncryptionContext: kekEncryptionContext(id),
            }),
          )) as { Plaintext?: Uint8Array };
        } catch (error) {
          throw mapError(error, id, 'decrypt');
        }
        const plaintext = output.Plaintext;
        if (plaintext === undefined || plaintext.length !== 32) {
          throw new GdprMailError(
            'ENCRYPTION_KEY_UNKNOWN',
            `AWS KMS returned no 32-byte key for key-encryption key "${id}".`,
          );
        }
        loaded.push({ id, key: new Uint8Array(plaintext) });
      }
      return { current, keys: loaded };
    },
  };
}

export interface CreateKekOptions {
  client?: KmsClientLike;
  region?: string;
  /** The KMS key ARN, key id or alias (`alias/gdpr-mail`). */
  keyId: string;
  /** The new KEK's id, e.g. `2027-01`. */
  id: string;
}

/**
 * Makes a new KEK for rotation: KMS `GenerateDataKey` (AES_256) bound to the
 * id by the EncryptionContext. Returns only the ciphertext blob to paste into
 * the config; the plaintext is dropped.
 */
export async function createKek(options: CreateKekOptions): Promise<AwsKmsKek> {
  const { id, keyId } = options;
  assertKeyId(id);
  const sdk = await loadSdk();
  const client: KmsClientLike =
    options.client ??
    new sdk.KMSClient(options.region === undefined ? {} : { region: options.region });
  let output: { CiphertextBlob?: Uint8Array; Plaintext?: Uint8Array };
  try {
    output = (await client.send(
      new sdk.GenerateDataKeyCommand({
        KeyId: keyId,
        KeySpec: 'AES_256',
        EncryptionContext: kekEncryptionContext(id),
      }),
    )) as { CiphertextBlob?: Uint8Array; Plaintext?: Uint8Array };
  } catch (error) {
    throw mapError(error, id, 'generate');
  }
  output.Plaintext?.fill(0);
  if (output.CiphertextBlob === undefined) {
    throw new GdprMailError(
      'ENCRYPTION_KEY_UNKNOWN',
      `AWS KMS returned no ciphertext for "${id}".`,
    );
  }
  return { id, ciphertext: Buffer.from(output.CiphertextBlob).toString('base64') };
}
