import { describe, expect, it } from 'vitest';
import { dsarMail } from './dsar-mail.js';

const base = {
  to: 'ada@example.org',
  url: 'https://shop.test/gdpr/dsar/verify/t',
  expiresAt: new Date('2026-03-01T10:00:00Z'),
  controllerName: 'Acme <Garden>',
  privacyUrl: 'https://shop.test/privacy',
};

describe('DSAR mails (issue #21)', () => {
  it('a verification mail is a styled page with a title and a heading that name the request and what follows', () => {
    const erasure = dsarMail('verify', { ...base, type: 'erasure' });
    expect(erasure.subject).toBe(
      'Acme <Garden>: confirm your request for the erasure of your data',
    );
    expect(erasure.html).toContain(
      '<title>Acme &lt;Garden&gt;: confirm your request for the erasure of your data</title>',
    );
    expect(erasure.html).toContain('>Confirm your request for the erasure of your data</h1>');
    expect(erasure.html).toMatch(
      /<p style="[^"]+">Once you confirm, your data will be erased and cannot be recovered/,
    );
    expect(erasure.html).toContain('max-width:36rem');
    expect(erasure.text).toContain('cannot be recovered');

    const access = dsarMail('verify', { ...base, type: 'access', language: 'fr-FR' });
    expect(access.html).toContain('<html lang="fr">');
    expect(access.html).toContain('>Confirmez votre demande (copie de vos données)</h1>');
    expect(access.text).toContain('télécharger une copie de vos données');
  });

  it('the download mail says the copy is ready and that its link works once', () => {
    const ready = dsarMail('ready', { ...base, type: 'access' });
    expect(ready.html).toContain('>Your copy of your data is ready</h1>');
    expect(ready.text).toContain('This link works once');
    expect(ready.html).not.toMatch(/<img|<script/);
  });
});
