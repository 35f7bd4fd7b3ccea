import { describe, expect, it } from 'vitest';
import { requireService } from './require-service.js';

const down = async () => {
  throw new Error('connect ECONNREFUSED');
};

describe('requireService', () => {
  it('reports an available service', async () => {
    const gate = await requireService('svc', async () => {});
    expect(gate).toMatchObject({ available: true, reason: undefined });
  });

  it('reports why a service is unavailable', async () => {
    const gate = await requireService('svc', down, {});
    expect(gate).toMatchObject({ available: false, reason: 'connect ECONNREFUSED' });
  });
});

// The two behaviours of an absent service, as vitest sees them.
const localGate = await requireService('absent service', down, {});
localGate.describe('skipped locally', () => {
  it('never runs', () => {
    throw new Error('should have been skipped');
  });
});
