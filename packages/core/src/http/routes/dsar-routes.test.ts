import { describe, expect, it } from 'vitest';
import type { DsarSubject } from '../../dsar/data-source.js';
import { createGdprMail } from '../../gdpr-mail.js';
import { MemoryStore } from '../../store/memory-store.js';
import { checkboxEvidence, testConfig } from '../../testing/fixtures.js';
import { InMemoryTransport } from '../../transport/memory-transport.js';
import { createGdprRoutes } from './create-gdpr-routes.js';
import type { GdprHttpRequest } from './gdpr-http-types.js';

const email = 'camille@example.org';

function setup() {
  const store = new MemoryStore();
  const transport = new InMemoryTransport();
  const gdpr = createGdprMail(
    testConfig({
      store,
      transport,
      mailer: {
        from: { address: 'privacy@acme.test' },
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      },
      outbox: { drainAfterResponse: false },
    }),
  );
  const { routes } = createGdprRoutes(gdpr);
  const route = (name: string) => routes.find((r) => r.name === name)!;
  /** The token of the last verification link mailed to the person. */
  const verifyToken = () => {
    const text = transport.sentTo(email).at(-1)?.message.text ?? '';
    const url = /(https:\/\/\S+\/dsar\/verify\/\S+)/.exec(text)?.[1] ?? '';
    return url.slice(url.lastIndexOf('/') + 1);
  };
  const post = (name: string, token: string, accept = 'application/json') =>
    route(name).handle({
      method: 'POST',
      path: '/',
      params: { token },
      query: {},
      body: {},
      headers: { accept },
      ip: '192.0.2.10',
      cookies: {},
    } satisfies GdprHttpRequest);
  return { gdpr, store, transport, verifyToken, post };
}

describe('the DSAR verification link carries out what the person asked for (REQ-21, REQ-24, REQ-25)', () => {
  it('REQ-24: a confirmed rectification request stays open for the correction and records no objection', async () => {
    const { gdpr, verifyToken, post } = setup();
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await gdpr.dsar.request({ email, type: 'rectification' });

    const answer = await post('dsarVerify', verifyToken());
    expect(answer.status).toBe(200);
    expect(JSON.parse(String(answer.body))).toEqual({ status: 'confirmed', type: 'rectification' });

    const [request] = await gdpr.dsar.list();
    // Verified, still open for `rectify`; not an objection, not closed.
    expect(request!.status).toBe('identity-verified');
    expect(request!.steps.map((s) => s.action)).toEqual(['received', 'identity-verified']);
    let actions: string[] = [];
    for await (const entry of gdpr.audit.entries()) actions = [...actions, entry.action];
    expect(actions).not.toContain('consent.objected');
    expect(actions).not.toContain('consent.withdrawn');
    // The person's marketing consent is untouched.
    const rectified = await gdpr.dsar.rectify(request!.id, { country: 'BE' });
    expect(rectified.status).toBe('identity-verified');
    expect((await gdpr.consent.state(email, 'newsletter')).status).toBe('granted');
  });

  it('REQ-25: an erasure a source could not finish is not announced as done', async () => {
    const { gdpr, store, verifyToken, post } = setup();
    gdpr.dsar.registerSource({
      name: 'orders',
      async erase(_subject: DsarSubject) {
        throw new Error('orders database down');
      },
    });
    await gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence });
    await gdpr.dsar.request({ email, type: 'erasure' });

    const page = await post('dsarVerify', verifyToken(), 'text/html');
    expect(page.status).toBe(200);
    const body = String(page.body);
    expect(body).not.toContain('Your data has been erased');
    expect(body).toContain('could not be erased yet');
    // The person is still on file, to be erased when the source is back.
    expect(await store.listSubjects({ limit: 10 })).toHaveLength(1);
    const [request] = await gdpr.dsar.list();
    expect(request!.status).toBe('in-progress');
  });
});
