import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KMSClient } from '@aws-sdk/client-kms';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAwsKmsKeyProvider, createKek } from '../src/index.js';

// A small local KMS: blobs are AES-256-GCM under a test master key, with the
// EncryptionContext as AAD, as real KMS binds it.
const MASTER = randomBytes(32);
const URL_ = 'https://kms.eu-west-1.amazonaws.com/';
let mode: 'ok' | 'throttle' | '5xx' = 'ok';
const leaked: string[] = [];

const aad = (ctx: Record<string, string> | undefined) =>
  Buffer.from(JSON.stringify(Object.entries(ctx ?? {}).sort()));

const server = setupServer(
  http.post(URL_, async ({ request }) => {
    if (mode === 'throttle') {
      return HttpResponse.json(
        { __type: 'ThrottlingException', message: 'Rate exceeded' },
        { status: 400, headers: { 'content-type': 'application/x-amz-json-1.1' } },
      );
    }
    if (mode === '5xx') {
      return HttpResponse.json(
        { __type: 'KMSInternalException', message: 'internal' },
        { status: 500, headers: { 'content-type': 'application/x-amz-json-1.1' } },
      );
    }
    const target = request.headers.get('x-amz-target');
    const body = (await request.json()) as {
      CiphertextBlob?: string;
      EncryptionContext?: Record<string, string>;
      KeyId?: string;
    };
    const headers = { 'content-type': 'application/x-amz-json-1.1' };
    if (target === 'TrentService.GenerateDataKey') {
      const plain = randomBytes(32);
      leaked.push(plain.toString('base64'));
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', MASTER, iv).setAAD(aad(body.EncryptionContext));
      const ct = Buffer.concat([c.update(plain), c.final()]);
      const blob = Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64');
      return HttpResponse.json(
        { CiphertextBlob: blob, Plaintext: plain.toString('base64'), KeyId: body.KeyId },
        { headers },
      );
    }
    if (target === 'TrentService.Decrypt') {
      const raw = Buffer.from(body.CiphertextBlob ?? '', 'base64');
      try {
        const d = createDecipheriv('aes-256-gcm', MASTER, raw.subarray(0, 12))
          .setAAD(aad(body.EncryptionContext))
          .setAuthTag(raw.subarray(12, 28));
        const plain = Buffer.concat([d.update(raw.subarray(28)), d.final()]);
        return HttpResponse.json({ Plaintext: plain.toString('base64') }, { headers });
      } catch {
        return HttpResponse.json(
          { __type: 'InvalidCiphertextException', message: '' },
          { status: 400, headers },
        );
      }
    }
    return HttpResponse.json({ __type: 'UnknownOperationException' }, { status: 400, headers });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  mode = 'ok';
});
afterAll(() => server.close());

const client = () =>
  new KMSClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });

describe('@gdpr-mail/aws-kms', () => {
  it('REQ-34: createKek then load() gives back the same 32 bytes', async () => {
    const kek = await createKek({ client: client(), keyId: 'alias/gdpr-mail', id: '2026-12' });
    expect(JSON.stringify(kek)).not.toContain(leaked.at(-1));
    const loaded = await createAwsKmsKeyProvider({ client: client(), keys: [kek] }).load();
    expect(loaded.current).toBe('2026-12');
    expect(loaded.keys[0]?.key).toHaveLength(32);
    expect(Buffer.from(loaded.keys[0]?.key ?? []).toString('base64')).toBe(leaked.at(-1));
  });

  it('REQ-34: a blob swapped to another id (wrong EncryptionContext) fails as ENCRYPTION_KEY_UNKNOWN', async () => {
    const kek = await createKek({ client: client(), keyId: 'alias/gdpr-mail', id: 'a' });
    const provider = createAwsKmsKeyProvider({
      client: client(),
      keys: [{ id: 'b', ciphertext: kek.ciphertext }],
    });
    const error = await provider.load().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ENCRYPTION_KEY_UNKNOWN', retryable: false });
    expect((error as Error).message).toContain('"b"');
    expect((error as Error).message).not.toContain(kek.ciphertext);
  });

  it('REQ-34: throttling and 5xx map to retryable PROVIDER_UNAVAILABLE without key bytes', async () => {
    const kek = await createKek({ client: client(), keyId: 'alias/gdpr-mail', id: 'k1' });
    for (const m of ['throttle', '5xx'] as const) {
      mode = m;
      const error = await createAwsKmsKeyProvider({ client: client(), keys: [kek] })
        .load()
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retryable: true });
      const text = JSON.stringify(error) + String((error as Error).message);
      expect(text).not.toContain(kek.ciphertext);
      expect(text).not.toContain(leaked.at(-1));
    }
  });

  it('refuses a bad key id with the same CONFIG_INVALID as the local provider (one validator in core)', async () => {
    for (const id of ['', 'has space', 'x'.repeat(65), 'slash/id']) {
      expect(() => createAwsKmsKeyProvider({ keys: [{ id, ciphertext: 'AAAA' }] })).toThrow(
        expect.objectContaining({
          code: 'CONFIG_INVALID',
          message: `Encryption key id "${id}" is not a valid key id.`,
        }),
      );
      await expect(
        createKek({ client: client(), keyId: 'alias/gdpr-mail', id }),
      ).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: `Encryption key id "${id}" is not a valid key id.`,
      });
    }
    expect(() =>
      createAwsKmsKeyProvider({
        keys: [
          { id: 'k', ciphertext: 'AAAA' },
          { id: 'k', ciphertext: 'BBBB' },
        ],
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: 'Encryption key id "k" appears twice.',
      }),
    );
  });
});
