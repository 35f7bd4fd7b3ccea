import type { GdprMail } from '@gdpr-mail/core';
import { describe, expect, it } from 'vitest';
import { auditCommand } from '../src/commands/audit-command.js';
import { breachCommand } from '../src/commands/breach-command.js';
import { erasuresCommand } from '../src/commands/erasures-command.js';
import { KEYS_ACTIONS } from '../src/commands/keys-command.js';
import { retentionCommand } from '../src/commands/retention-command.js';
import { count } from '../src/plural.js';
import { captureIo } from './capture-io.js';

// The commands' human output, from a stand-in GdprMail answering fixed reports.
const fake = (parts: Record<string, unknown>) => parts as unknown as GdprMail;
const now = new Date('2026-12-07T00:00:00.000Z');

describe('count lines in the human output', () => {
  it('counts in the singular for one and the plural otherwise', () => {
    expect(count(0, 'subject')).toBe('0 subjects');
    expect(count(1, 'subject')).toBe('1 subject');
    expect(count(2, 'entry', 'entries')).toBe('2 entries');
  });

  it('retention plan: "1 subject scanned", "2 subjects scanned"', async () => {
    for (const [scanned, text] of [
      [1, '1 subject scanned'],
      [2, '2 subjects scanned'],
    ] as const) {
      const gdpr = fake({
        retention: {
          registerSource() {},
          plan: async () => ({ now, scanned, due: {}, held: {} }),
        },
      });
      const run = captureIo('.');
      expect(await retentionCommand(gdpr, 'plan', {}, run.io)).toBe(0);
      expect(run.out()).toBe(`Retention plan (2026-12-07T00:00:00.000Z): ${text}\n`);
    }
  });

  it('audit verify, erasures replay, keys status and rewrap with counts of one', async () => {
    const audit = captureIo('.');
    await auditCommand(
      fake({ audit: { verify: async () => ({ ok: true, checked: 1 }) } }),
      'verify',
      false,
      audit.io,
    );
    expect(audit.out()).toBe('Audit log intact: 1 entry verified.\n');

    const replay = captureIo('.');
    await erasuresCommand(
      fake({
        erasures: { replay: async () => ({ entries: 1, erased: 1, suppressionsRestored: 1 }) },
      }),
      'replay',
      { json: false },
      replay.io,
    );
    expect(replay.out()).toBe(
      'Erasure journal replayed: 1 entry read, 1 restored person erased again, 1 suppression entry put back.\n',
    );

    const keys = fake({
      keys: {
        status: async () => ({
          provider: 'local',
          current: 'k2',
          wrapsByKey: { k2: 1, k1: 2 },
          unencrypted: 1,
        }),
        rewrap: async () => ({ scanned: 1, rewrapped: 1, skipped: 0 }),
      },
    });
    const status = captureIo('.');
    await KEYS_ACTIONS.status?.({ json: false }, status.io, async () => keys);
    expect(status.out()).toContain('  k2 (current): 1 data key\n  k1: 2 data keys\n');
    expect(status.out()).toContain('  1 row has no data key');
    const rewrap = captureIo('.');
    await KEYS_ACTIONS.rewrap?.({ json: false }, rewrap.io, async () => keys);
    expect(rewrap.out()).toContain('Rewrap done: 1 subject scanned, 1 data key rewrapped');
  });
});

describe('breach lists with nothing in them', () => {
  const gdpr = fake({ breaches: { dueSoon: async () => [], list: async () => [] } });

  it('breach due says no notification is due instead of printing a blank line', async () => {
    const run = captureIo('.');
    expect(await breachCommand(gdpr, 'due', undefined, {}, run.io)).toBe(0);
    expect(run.out()).toBe('No breach notification is due.\n');
    const json = captureIo('.');
    expect(await breachCommand(gdpr, 'due', undefined, { json: true }, json.io)).toBe(0);
    expect(JSON.parse(json.out())).toEqual([]);
  });

  it('breach list says so when there is no incident', async () => {
    const all = captureIo('.');
    await breachCommand(gdpr, 'list', undefined, {}, all.io);
    expect(all.out()).toBe('No breach incident is on record.\n');
    const open = captureIo('.');
    await breachCommand(gdpr, 'list', undefined, { status: 'open' }, open.io);
    expect(open.out()).toBe('No open breach incident is on record.\n');
  });
});
