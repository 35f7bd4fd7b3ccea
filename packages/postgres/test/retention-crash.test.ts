import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createGdprMail } from '@gdpr-mail/core';
import { createPgliteStore } from '@gdpr-mail/postgres';
import { describe, expect, it } from 'vitest';
import { crashConfig } from './fixtures/retention-config.js';

// Issue #8 acceptance: kill a sweep mid-way (SIGKILL, a real crash), run it again:
// no record skipped, none processed twice, the audit chain intact.
const root = resolve(__dirname, '..', '..', '..');
const SUBJECTS = 120;

describe('retention sweep after a crash', () => {
  it('SEED-05/REQ-27: resumes without skipping or repeating anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gdpr-mail-crash-'));
    const dataDir = join(dir, 'store');
    try {
      const seeded = await createPgliteStore({ dataDir });
      const seeding = createGdprMail(
        crashConfig(seeded, () => new Date('2026-01-01T00:00:00.000Z')),
      );
      for (let i = 0; i < SUBJECTS; i += 1) {
        await seeding.consent.record({
          email: `p${i}@example.org`,
          purposes: ['newsletter'],
          evidence: { action: 'affirmative', method: 'checkbox', source: 'crash-test' },
        });
      }
      await seeding.close();

      const later = '2030-01-01T00:00:00.000Z';
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(__dirname, 'fixtures', 'sweep-child.ts'), dataDir, later],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      let errors = '';
      child.stderr.on('data', (d) => (errors += d));
      const killedAfter = await new Promise<number>((done, fail) => {
        child.stdout.on('data', (d) => {
          output += d;
          const pages = output.match(/^page /gm)?.length ?? 0;
          if (pages >= 3 && !child.killed) {
            child.kill('SIGKILL');
            done(pages);
          }
        });
        child.once('exit', (code) =>
          code === 0
            ? fail(new Error(`finished before the kill: ${output}`))
            : fail(new Error(`child died: ${errors}`)),
        );
      });
      await new Promise((ok) => child.once('exit', ok));
      expect(killedAfter).toBeGreaterThanOrEqual(3);
      expect(output).not.toContain('finished');

      const reopened = await createPgliteStore({ dataDir });
      const gdpr = createGdprMail(crashConfig(reopened, () => new Date(later)));
      const before = await reopened.listSubjects({ limit: 1000 });
      expect(before.length).toBeGreaterThan(0);
      expect(before.length).toBeLessThan(SUBJECTS);
      const report = await gdpr.retention.sweep({ batchSize: 10 });
      expect(report.deleted).toBe(before.length);
      expect(await reopened.listSubjects({ limit: 1000 })).toEqual([]);

      const deletions = new Map<string, number>();
      for await (const entry of gdpr.audit.entries()) {
        if (entry.action === 'retention.deleted') {
          const { purposes } = entry.details as { purposes: Record<string, [string, number][]> };
          for (const [subjectId] of Object.values(purposes).flat()) {
            deletions.set(subjectId, (deletions.get(subjectId) ?? 0) + 1);
          }
        }
      }
      expect(deletions.size).toBe(SUBJECTS);
      expect([...deletions.values()].every((n) => n === 1)).toBe(true);
      expect((await gdpr.audit.verify()).ok).toBe(true);
      await gdpr.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
