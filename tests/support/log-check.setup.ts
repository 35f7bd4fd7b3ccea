// Runs after every test file of the unit suite (vitest setupFiles): whatever the SDK logged
// while the file ran, through the logger `testConfig()` installs, holds no address and no
// signed token, and the SDK never handed its redacting guard anything to redact (issue #20).
import { capturedLogLines, holdsPersonalData, logRedactions } from '@gdpr-mail/core/testing';
import { afterAll, expect } from 'vitest';

afterAll(() => {
  const { lines } = capturedLogLines();
  const personal = lines.filter((line) => holdsPersonalData(JSON.stringify(line)));
  expect(personal, 'log lines with an address or a token').toEqual([]);
  expect(logRedactions(), 'log calls that passed personal data to the redacting guard').toBe(0);
});
