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

  it.each([
    ['image-set()', `<div style="background-image:image-set('//t.acme.test/p.gif' 1x)"></div>`],
    ['-webkit-image-set()', '<div style="background:-webkit-image-set(\'p.gif\' 1x)"></div>'],
    ['a CSS-escaped url()', '<div style="background:\\75 rl(//t.acme.test/p.gif)"></div>'],
    ['a CSS-escaped url() in a style sheet', '<style>p{background:\\000075rl(p.gif)}</style>'],
    ['an escaped @import', '<style>@\\69mport "a.css";</style>'],
    ['an entity-encoded CSS escape', '<div style="background:&#92;75 rl(p.gif)"></div>'],
    ['image()', '<div style="background:image(\'p.gif\')"></div>'],
    ['cross-fade()', "<div style=\"background:cross-fade('a.gif', 'b.gif', 50%)\"></div>"],
  ])('REQ-17: %s loads on open and is refused', (_name, extra) => {
    const mail = render('en');
    expect(issuesOf({ ...mail, html: mail.html.replace('</body>', `${extra}</body>`) })).toContain(
      'CSS url(), image-set() or @import loads content on open',
    );
  });

  it('REQ-17: a scheme-relative //host URL is refused like any other link', () => {
    const mail = render('en');
    const inCss = `<div style="background:url('//t.acme.test/p.gif')"></div>`;
    expect(issuesOf({ ...mail, html: mail.html.replace('</body>', `${inCss}</body>`) })).toContain(
      'link to "//t.acme.test/p.gif" is not allowed: only the confirm and privacy links',
    );
    expect(issuesOf({ ...mail, text: `${mail.text}\nSale: //shop.acme.test/sale` })).toEqual([
      'link to "//shop.acme.test/sale" is not allowed: only the confirm and privacy links',
    ]);
    // The confirm link's own "//" is not a second link.
    expect(issuesOf(mail)).toEqual([]);
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

  it('an impossible character reference or CSS escape is read as U+FFFD, not thrown', () => {
    const mail = render('en');
    for (const extra of [
      '<p>&#99999999;</p>',
      '<p>&#xD800;</p>',
      '<p style="x:\\110000 y">.</p>',
    ]) {
      expect(issuesOf({ ...mail, html: mail.html.replace('</body>', `${extra}</body>`) })).toEqual(
        [],
      );
    }
  });

  it('a mail without the confirm link is refused', () => {
    expect(issuesOf({ subject: 'Hi', text: 'Hello', html: '<p>Hello</p>' })).toHaveLength(1);
  });
});
