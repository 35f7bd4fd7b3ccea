// The measuring half of bench/express.ts and bench/fastify.ts: three servers (the bare
// framework, the same route with the SDK, and a variant), an unrecorded warm-up of each
// (BENCH_WARMUP seconds, default 3), then rounds that alternate bare, gdpr, variant so drift
// hits all alike, and the table both print. BENCH_SECONDS per round (default 5), BENCH_ROUNDS
// (default 3).
import autocannon from 'autocannon';

export const seconds = Number(process.env.BENCH_SECONDS ?? 5);
export const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
export const warmup = Number(process.env.BENCH_WARMUP ?? 3);

export interface RoundUrls {
  bare: string;
  gdpr: string;
  variant: string;
}

export interface Round {
  round: number;
  bare: number;
  gdpr: number;
  variant: number;
}

async function measure(url: string): Promise<number> {
  const result = await autocannon({
    url,
    connections: 50,
    duration: seconds,
    headers: { 'sec-gpc': '1', accept: 'application/json' },
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`failures against ${url}`);
  return result.requests.average;
}

export async function measureRounds(urls: RoundUrls): Promise<Round[]> {
  // A warm-up each, unrecorded: the JIT and the connection pools settle. One second was
  // too short for the longer route (its first round read 0.81x, the next two 0.95x).
  await autocannon({ url: urls.bare, connections: 50, duration: warmup });
  await autocannon({ url: urls.gdpr, connections: 50, duration: warmup });
  await autocannon({ url: urls.variant, connections: 50, duration: warmup });
  const rows: Round[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    const bare = await measure(urls.bare);
    const gdpr = await measure(urls.gdpr);
    rows.push({ round, bare, gdpr, variant: await measure(urls.variant) });
  }
  return rows;
}

/** Column headings of the three servers, and how the summary line names the variant. */
export interface RoundLabels {
  bare: string;
  gdpr: string;
  variant: string;
  variantSummary: string;
}

export function reportRounds(rows: readonly Round[], labels: RoundLabels): void {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  console.log(
    `Node ${process.version}, ${process.platform} ${process.arch}, ${seconds}s x ${rounds}`,
  );
  console.log(`| round | ${labels.bare} | ${labels.gdpr} | ratio | ${labels.variant} | ratio |`);
  console.log('| ----- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    console.log(
      `| ${row.round} | ${fmt(row.bare)} | ${fmt(row.gdpr)} | ${ratio(row.gdpr, row.bare)} | ${fmt(row.variant)} | ${ratio(row.variant, row.bare)} |`,
    );
  }
  const total = (key: 'bare' | 'gdpr' | 'variant') => rows.reduce((sum, row) => sum + row[key], 0);
  console.log(
    `overall ratio: ${ratio(total('gdpr'), total('bare'))} (goal >= 0.9x); ${labels.variantSummary}: ${ratio(total('variant'), total('bare'))}`,
  );
}
