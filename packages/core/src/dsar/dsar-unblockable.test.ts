import { describe, expect, it } from 'vitest';
import { checkboxEvidence } from '../testing/fixtures.js';
import { testGdpr } from '../testing/test-gdpr.js';

const email = 'victim@example.org';

const setup = () => testGdpr();

describe('#19 finding 3: a third party cannot silence a rights request', () => {
  it('REQ-20: access requests by others never drop the owner’s erasure request', async () => {
    const { gdpr, store, transport } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4']) {
      await gdpr.dsar.request({ email, type: 'access', ip });
    }
    const before = transport.sentTo(email).length;
    await gdpr.dsar.request({ email, type: 'erasure', ip: '203.0.113.9' });
    expect(transport.sentTo(email).length).toBe(before + 1);
    const requests = await store.listDsarRequests({ limit: 100 });
    expect(requests.filter((r) => r.type === 'erasure')).toHaveLength(1);
    // Repeats of the access request reuse the pending one instead of piling up.
    expect(requests.filter((r) => r.type === 'access')).toHaveLength(1);
  });

  it('REQ-21: a repeat re-sends the pending link, at most 3 times an hour', async () => {
    const { gdpr, store, transport } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    for (let i = 0; i < 6; i += 1) await gdpr.dsar.request({ email, type: 'access' });
    expect(transport.sentTo(email)).toHaveLength(3);
    expect(await store.listDsarRequests({ limit: 100 })).toHaveLength(1);
  });
});
