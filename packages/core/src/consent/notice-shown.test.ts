import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/parse-config.js';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { createGdprMail } from '../gdpr-mail.js';
import { MemoryStore } from '../store/memory-store.js';
import { checkboxEvidence, testConfig } from '../testing/fixtures.js';

// Issue #21: a grant records a notice version and the hash of its text; with no
// text, that proof would name a text the person never saw.

/** A running SDK whose newsletter notice lost its text after the config was checked. */
function withBlankNotice() {
  const store = new MemoryStore();
  const gdpr = createGdprMail(testConfig({ store }));
  const purpose = gdpr.config.purposes.find((p) => p.id === 'newsletter');
  if (!purpose) throw new Error('the test config has a newsletter purpose');
  (purpose.notice as { text: string }).text = '  ';
  return { gdpr, store };
}

describe('REQ-04: no grant for a notice without text', () => {
  it('the config refuses a blank notice text', () => {
    const config = testConfig();
    const blank = {
      ...config,
      purposes: config.purposes.map((p) =>
        p.id === 'newsletter' ? { ...p, notice: { ...p.notice, text: '   ' } } : p,
      ),
    };
    let code = '';
    try {
      parseConfig(blank);
    } catch (error) {
      if (isGdprMailError(error)) code = error.code;
    }
    expect(code).toBe('CONFIG_INVALID');
  });

  it('REQ-05: consent.record, consent.choices and a double opt-in refuse it, and store nothing', async () => {
    const { gdpr, store } = withBlankNotice();
    const before = store.dump();
    const email = 'noor@example.org';
    const refused = { code: 'NOTICE_INCOMPLETE' };
    await expect(
      gdpr.consent.record({ email, purposes: ['newsletter'], evidence: checkboxEvidence }),
    ).rejects.toMatchObject(refused);
    await expect(
      gdpr.consent.choices({ email, choices: { newsletter: true }, evidence: checkboxEvidence }),
    ).rejects.toMatchObject(refused);
    await expect(gdpr.optIn.request(email, ['newsletter'], checkboxEvidence)).rejects.toMatchObject(
      refused,
    );
    expect(store.dump()).toEqual(before);
    // A purpose whose notice has its text is still granted as before.
    await gdpr.consent.record({ email, purposes: ['partners'], evidence: checkboxEvidence });
    expect((await gdpr.consent.states(email)).partners?.status).toBe('granted');
    await gdpr.close();
  });
});
