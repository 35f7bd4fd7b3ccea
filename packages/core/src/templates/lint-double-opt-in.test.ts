import { describe, expect, it } from 'vitest';
import { GdprMailError } from '../errors/gdpr-mail-error.js';
import type { MailContent } from './confirmation-template.js';
import { builtInConfirmationTemplate } from './confirmation-template.js';
import { lintDoubleOptInTemplate } from './lint-double-opt-in.js';

const links = {
  confirmUrl: 'https://app.acme.test/gdpr/confirm/k1.abc~def.XYZ',
  privacyUrl: 'https://acme.test/privacy',
};

function render(locale: string): MailContent {
  return builtInConfirmationTemplate({
    locale,
    to: 'jane@example.com',
    controllerName: 'Acme <SAS>',
    purposes: [{ id: 'newsletter', title: 'News & "offers"' }],
    ...links,
    expiresAt: new Date('2026-03-08T10:00:00.000Z'),
  });
}

function issuesOf(content: MailContent): string[] {
  try {
    lintDoubleOptInTemplate(content, links);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(GdprMailError);
    expect((error as GdprMailError).code).toBe('TEMPLATE_REJECTED');
    return (error as GdprMailError).issues.map((i) => i.message);
  }
}

describe('double opt-in mail (REQ-17)', () => {
  it.each(['en', 'fr', 'de'])('REQ-17: the built-in %s template passes the lint', (locale) => {
    const mail = render(locale);
    expect(issuesOf(mail)).toEqual([]);
    expect(mail.text).toContain(links.confirmUrl);
    expect(mail.html).toContain('Acme &lt;SAS&gt;');
    expect(mail.html).not.toMatch(/<img/i);
  });

  it('REQ-17: a tracking pixel is refused', () => {
    const mail = render('en');
    const pixel = mail.html.replace(
      '</body>',
      '<img src="https://t.acme.test/open.gif" width="1" height="1"></body>',
    );
    expect(issuesOf({ ...mail, html: pixel }).join()).toMatch(/<img>/);
  });

  it('REQ-17: CSS backgrounds and other on-open loads are refused', () => {
    const mail = render('en');
    for (const extra of [
      '<div style="background-image:url(https://t.acme.test/p.png)"></div>',
      '<table background="https://t.acme.test/p.png"></table>',
      '<iframe></iframe>',
      '<style>@import "https://t.acme.test/a.css";</style>',
    ]) {
      expect(
        issuesOf({ ...mail, html: mail.html.replace('</body>', `${extra}</body>`) }),
      ).not.toEqual([]);
    }
  });

  it('REQ-17: a promo block (any link but confirm and privacy) is refused', () => {
    const mail = render('en');
    const promo = `<div><h2>Spring sale</h2><a href="https://shop.acme.test/sale?utm_source=doi">-30% now</a></div>`;
    expect(issuesOf({ ...mail, html: mail.html.replace('</body>', `${promo}</body>`) })).toEqual([
      'link to "https://shop.acme.test/sale?utm_source=doi" is not allowed: only the confirm and privacy links',
    ]);
    expect(
      issuesOf({ ...mail, text: `${mail.text}\nSpring sale: https://shop.acme.test/sale` }),
    ).toHaveLength(1);
    expect(issuesOf({ ...mail, text: `${mail.text}\nwww.shop.acme.test` })).toHaveLength(1);
    expect(
      issuesOf({ ...mail, html: `${mail.html}<a href="mailto:sales@acme.test">x</a>` }),
    ).toHaveLength(1);
  });

  it('REQ-17: a tracked confirm link (redirect or extra parameters) is refused', () => {
    const mail = render('en');
    const tracked = mail.html.replace(
      `href="${links.confirmUrl}"`,
      `href="https://click.esp.test/r?u=${encodeURIComponent(links.confirmUrl)}"`,
    );
    expect(issuesOf({ ...mail, html: tracked }).length).toBeGreaterThan(0);
  });

  it('a mail without the confirm link is refused', () => {
    expect(issuesOf({ subject: 'Hi', text: 'Hello', html: '<p>Hello</p>' })).toHaveLength(1);
  });
});
