// Sign+verify throughput of the gdpr-mail token signer, against a bare
// node:crypto HMAC loop (the floor: what any HMAC token must pay) and jose
// HS256 JWTs (what an app would otherwise reach for), measured in one run.
// Run: pnpm bench:tokens   (BENCH_ROUNDS, default 20; BENCH_SLICE ops per slice, default 20,000)
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
// The built package, as users run it (`pnpm build` first).
import { createKeyRing, createTokenSigner } from '@gdpr-mail/core';
import { jwtVerify, SignJWT } from 'jose';

const secret = 'bench-token-key-0123456789abcdefghijklmnop';
const signer = createTokenSigner(createKeyRing([{ id: 'k1', secret }]), () => new Date());
const claims = {
  type: 'unsubscribe' as const,
  subjectId: '3f1c2a9e-7b4d-4e8a-9c61-0d2b5e8f4a17',
  purposes: ['newsletter', 'partners'],
  noticeVersions: { newsletter: '1.0', partners: '1.0' },
  expiresAt: new Date(Date.now() + 86_400_000),
};

// The raw baseline signs and checks the very text the signer MACs (`<kid>.<body>`, all
// before the last `.`: the body holds dots of its own), nothing else.
const rawKey = createSecretKey(Buffer.from(secret, 'utf8'));
const sample = signer.sign(claims);
const rawPayload = sample.slice(0, sample.lastIndexOf('.'));
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

// Interleaved rounds instead of one long run per side: on a shared machine the load moves
// during a run; alternating short slices (the order flipping each round) lets both sides
// see the same machine. A side's figure is its total operations over its total time.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const SLICE = Number(process.env.BENCH_SLICE ?? 20_000);
const JOSE_SLICE = SLICE / 20;
function slice(fn: () => void, n: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}
async function sliceAsync(fn: () => Promise<void>, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}
// Warm-up: the JIT settles on all three before anything counts.
slice(oursSignVerify, SLICE);
slice(rawSignVerify, SLICE);
await sliceAsync(joseSignVerify, JOSE_SLICE);
const seconds = { ours: 0, raw: 0, jose: 0 };
const perRound: number[] = [];
// Phase 1, the close comparison: signer and raw HMAC alternate, nothing else in between
// (jose's garbage would land on whichever side ran next).
for (let round = 0; round < ROUNDS; round += 1) {
  const first = round % 2 === 0 ? oursSignVerify : rawSignVerify;
  const second = round % 2 === 0 ? rawSignVerify : oursSignVerify;
  const a = slice(first, SLICE);
  const b = slice(second, SLICE);
  const o = round % 2 === 0 ? a : b;
  const r = round % 2 === 0 ? b : a;
  seconds.ours += o;
  seconds.raw += r;
  perRound.push(r / o);
}
// Phase 2: jose, far slower, on its own.
for (let round = 0; round < ROUNDS; round += 1) {
  seconds.jose += await sliceAsync(joseSignVerify, JOSE_SLICE);
}
const ours = (ROUNDS * SLICE) / seconds.ours;
const raw = (ROUNDS * SLICE) / seconds.raw;
const jose = (ROUNDS * JOSE_SLICE) / seconds.jose;
perRound.sort((x, y) => x - y);
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
const median = perRound[Math.floor(perRound.length / 2)] ?? Number.NaN;
console.log(
  `${ROUNDS} rounds of ${SLICE.toLocaleString('en')} ops a side; signer/raw per round: min ${perRound[0]?.toFixed(2)}x, median ${median.toFixed(2)}x, max ${perRound.at(-1)?.toFixed(2)}x`,
);
const vsRaw = ours / raw;
const vsJose = ours / jose;
console.log(`signer / raw HMAC = ${vsRaw.toFixed(2)}x (goal >= 0.70x)`);
console.log(`signer / jose HS256 = ${vsJose.toFixed(2)}x (goal >= 3.00x)`);
console.log(`node ${process.version}, ${process.platform} ${process.arch}`);
