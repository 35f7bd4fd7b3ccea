// The measured half of bench/dsar-export.ts, in plain Node on the built packages so
// the figure is the export's, not the TypeScript loader's: streams one request's
// export to a file and reports this process's peak RSS.
import { createWriteStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGdprMail, InMemoryTransport, isEncryptedStore } from '@gdpr-mail/core';
import { createPostgresStore } from '@gdpr-mail/postgres';
import pg from 'pg';

const [schema, requestId, file, configJson] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', max: 2 });
const store = await createPostgresStore({ pool, schema, migrate: false });
const gdpr = createGdprMail({
  ...JSON.parse(configJson),
  store,
  transport: new InMemoryTransport(),
});
const before = process.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 5);
const start = performance.now();
await pipeline(Readable.from(gdpr.dsar.exportJson(requestId)), createWriteStream(file));
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
process.send?.({
  before,
  peak,
  ms: performance.now() - start,
  bytes: statSync(file).size,
  encrypted: isEncryptedStore(gdpr.store),
});
await gdpr.close();
await pool.end();
