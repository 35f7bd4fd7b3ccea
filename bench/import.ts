// Contact import throughput, same run: three overlapping generated lists
// (ROWS rows in all, 40/35/25 %) streamed as CSV into the memory store and into
// PGlite (in memory), against a baseline that only parses the same CSV
// (the floor any importer pays). Prints rows/s, the ratio to the baseline, the
// re-run (every row unchanged) and the peak RSS.
// Run: pnpm bench:import   (ROWS=100000 by default; PGLITE_ROWS=20000)
import { createGdprMail, csvRows, type GdprStore, MemoryStore } from '@gdpr-mail/core';
import { csvChunks, type GeneratedList, generateContactLists } from '@gdpr-mail/core/testing';
import { createPgliteStore } from '@gdpr-mail/postgres';
import { benchConfig } from './fixtures.js';

const ROWS = Number(process.env.ROWS ?? 100_000);
const PGLITE_ROWS = Number(process.env.PGLITE_ROWS ?? 20_000);

function lists(rows: number): GeneratedList[] {
  return generateContactLists({
    seed: 7,
    sizes: [Math.round(rows * 0.4), Math.round(rows * 0.35), Math.round(rows * 0.25)],
    people: Math.round(rows * 0.6),
    suppressed: Math.round(rows / 200),
  }).lists;
}

async function parseOnly(all: GeneratedList[]): Promise<number> {
  const start = performance.now();
  let n = 0;
  for (const list of all) for await (const _ of csvRows(csvChunks(list))) n += 1;
  if (n === 0) throw new Error('nothing parsed');
  return performance.now() - start;
}

async function importAll(store: GdprStore, all: GeneratedList[]) {
  const gdpr = createGdprMail({ ...benchConfig(), store });
  const run = async () => {
    const start = performance.now();
    let unchanged = 0;
    for (const list of all) {
      const report = await gdpr.contacts.import(csvChunks(list), {
        basis: 'consent',
        list: list.name,
        source: list.source,
        defaultLanguage: 'en',
      });
      unchanged += report.unchanged;
    }
    return { ms: performance.now() - start, unchanged };
  };
  const first = await run();
  const again = await run();
  return { first, again };
}

function line(name: string, rows: number, ms: number, baseMs: number) {
  const perSecond = Math.round(rows / (ms / 1000));
  console.log(
    `${name.padEnd(28)} ${rows.toLocaleString('en').padStart(8)} rows  ${(ms / 1000).toFixed(2).padStart(6)} s  ${perSecond.toLocaleString('en').padStart(8)} rows/s  ${(ms / baseMs).toFixed(1).padStart(5)}x parse-only`,
  );
}

const memoryLists = lists(ROWS);
const memoryBase = await parseOnly(memoryLists);
line('parse only (baseline)', ROWS, memoryBase, memoryBase);
const memory = await importAll(new MemoryStore(), memoryLists);
line('memory store, first run', ROWS, memory.first.ms, memoryBase);
line('memory store, re-run', ROWS, memory.again.ms, memoryBase);

const pgLists = lists(PGLITE_ROWS);
const pgBase = await parseOnly(pgLists);
const pgStore = await createPgliteStore({}); // in memory
const pglite = await importAll(pgStore, pgLists);
line('parse only (baseline)', PGLITE_ROWS, pgBase, pgBase);
line('PGlite, first run', PGLITE_ROWS, pglite.first.ms, pgBase);
line('PGlite, re-run', PGLITE_ROWS, pglite.again.ms, pgBase);
await pgStore.close();
console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
