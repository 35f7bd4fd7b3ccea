// Sign+verify throughput of the gdpr-mail token signer, against a bare
// node:crypto HMAC loop (the floor: what any HMAC token must pay) and jose
// HS256 JWTs (what an app would otherwise reach for), measured in one run.
// Run: pnpm bench:tokens
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { Bench } from 'tinybench';
import { createKeyRing, createTokenSigner } from '../packages/core/src/index.js';

const secret = 'bench-token-key-0123456789abcdefghijklmnop';
const signer = createTokenSigner(createKeyRing([{ id: 'k1', secret }]), () => new Date());
const claims = {
  type: 'unsubscribe' as const,
  subjectId: '3f1c2a9e-7b4d-4e8a-9c61-0d2b5e8f4a17',
  purposes: ['newsletter', 'partners'],
  noticeVersions: { newsletter: '1.0', partners: '1.0' },
  expiresAt: new Date(Date.now() + 86_400_000),
};

// The raw baseline signs and checks a payload of the same size, nothing else.
const rawKey = createSecretKey(Buffer.from(secret, 'utf8'));
const rawPayload = signer.sign(claims).split('.').slice(0, 2).join('.');
function rawSignVerify(): void {
  const mac = createHmac('sha256', rawKey).update(rawPayload).digest();
  const again = createHmac('sha256', rawKey).update(rawPayload).digest();
  if (!timingSafeEqual(mac, again)) throw new Error('raw mismatch');
}

const joseKey = new TextEncoder().encode(secret);
async function joseSignVerify(): Promise<void> {
  const jwt = await new SignJWT({ typ: 'u', pur: claims.purposes, nv: ['1.0', '1.0'] })
    .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
    .setSubject(claims.subjectId)
    .setIssuedAt()
    .setExpirationTime('1d')
    .setJti('0123456789abcdef0123')
    .sign(joseKey);
  await jwtVerify(jwt, joseKey, { algorithms: ['HS256'] });
}

function oursSignVerify(): void {
  signer.verify(signer.sign(claims), 'unsubscribe');
}

const bench = new Bench({ time: 1500, warmup: true, warmupTime: 300 });
bench
  .add('gdpr-mail signer', oursSignVerify)
  .add('raw node:crypto HMAC', rawSignVerify)
  .add('jose HS256', joseSignVerify);
await bench.run();

const hz = (name: string) => {
  const task = bench.getTask(name);
  const result = task?.result as { throughput?: { mean: number }; hz?: number } | undefined;
  return result?.throughput?.mean ?? result?.hz ?? Number.NaN;
};
const ours = hz('gdpr-mail signer');
const raw = hz('raw node:crypto HMAC');
const jose = hz('jose HS256');
console.table(
  [
    ['gdpr-mail signer', ours],
    ['raw node:crypto HMAC', raw],
    ['jose HS256', jose],
  ].map(([name, opsPerSecond]) => ({
    'sign+verify': name,
    'ops/s': Math.round(opsPerSecond as number),
  })),
);
const vsRaw = ours / raw;
const vsJose = ours / jose;
console.log(`signer / raw HMAC = ${vsRaw.toFixed(2)}x (goal >= 0.70x)`);
console.log(`signer / jose HS256 = ${vsJose.toFixed(2)}x (goal >= 3.00x)`);
console.log(`node ${process.version}, ${process.platform} ${process.arch}`);
