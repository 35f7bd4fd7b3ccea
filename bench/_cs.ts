import { createGdprMail, MemoryStore } from '../packages/core/src/index.js';
import { checkboxEvidence, testConfig } from '../packages/core/src/testing/index.js';
const gdpr = createGdprMail(testConfig({ store: new MemoryStore() }));
const email = 'ada@example.com';
const { token } = await gdpr.optIn.request(email, ['newsletter'], checkboxEvidence);
await gdpr.optIn.confirm(token);
for (let r = 0; r < 3; r++) {
  const n = 200000; const s = performance.now();
  for (let i = 0; i < n; i++) await gdpr.canSend(email, 'newsletter');
  console.log(((performance.now() - s) * 1000 / n).toFixed(2), 'µs/canSend');
}
if (process.env.PROF) { for (let i = 0; i < 1000000; i++) await gdpr.canSend(email, 'newsletter'); }
