// HEAP_PROF=<dir>: a sampling profile of every allocation a sending process of
// bench/campaign-bullmq.ts makes from the moment it starts sending, the ones the GC
// collected included (what a CPU profile shows as scavenges), or with HEAP_PROF_SURVIVORS=1
// only what no scavenge collected (promoted to the old generation, or alive at the end). Plain JavaScript so the
// raw nodemailer child (run without tsx) and the worker child share it.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * Starts sampling when HEAP_PROF is set; the function it resolves to stops and writes
 * `<HEAP_PROF>/<name>-<pid>.heapprofile` (a no-op when HEAP_PROF is unset).
 * @param {string} name
 * @returns {Promise<() => Promise<void>>}
 */
export async function startHeapSampling(name) {
  const dir = process.env.HEAP_PROF;
  if (!dir) return async () => {};
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 16_384,
    includeObjectsCollectedByMajorGC: true,
    // HEAP_PROF_SURVIVORS=1: only what no scavenge collected (promoted, or alive at the end).
    includeObjectsCollectedByMinorGC: !process.env.HEAP_PROF_SURVIVORS,
  });
  return async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(join(dir, `${name}-${process.pid}.heapprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}
