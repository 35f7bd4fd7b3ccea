import { describe, expect, it } from 'vitest';
import type { ProblemDetails } from '../problem-details.js';
import {
  confirmPage,
  errorPage,
  messagePage,
  preferencesPage,
  signupPage,
} from './consent-pages.js';
import { dsarFormPage } from './dsar-pages.js';
import { DEFAULT_MESSAGES, formErrorMessage, LOCALES, messagesFor } from './messages.js';

const purposes = [
  {
    id: 'newsletter',
    title: 'Newsletter',
    noticeText: 'Acme sends news. Withdraw any time.',
    noticeVersion: '1.0',
  },
  {
    id: 'partners',
    title: 'Partners <b>offers</b>',
    noticeText: 'Shared with partners.',
    noticeVersion: '2.1',
  },
];

describe('built-in pages', () => {
  it('REQ-01/REQ-02: the signup form has one unticked box per purpose with its notice and version', () => {
    const page = signupPage({
      locale: 'fr',
      messages: messagesFor('fr'),
      action: '/gdpr/signup',
      csrfField: 'c',
      purposes,
    });
    expect(page).toContain('<html lang="fr">');
    expect(page.match(/type="checkbox"/g)).toHaveLength(2);
    expect(page).not.toMatch(/checked/);
    expect(page).toContain('name="notice_partners" value="2.1"');
    expect(page).toContain('Partners &lt;b&gt;offers&lt;/b&gt;');
    expect(page).toContain("M'inscrire".replace("'", '&#39;'));
  });

  it('renders the confirm interstitial as a POST form carrying the token', () => {
    const page = confirmPage({
      locale: 'en',
      messages: messagesFor('en'),
      action: '/gdpr/confirm',
      token: 'tok"en',
      purposes,
    });
    expect(page).toContain('<form method="post" action="/gdpr/confirm">');
    expect(page).toContain('value="tok&quot;en"');
  });

  it('pre-ticks only what the person holds and offers unsubscribe-from-all', () => {
    const page = preferencesPage({
      locale: 'en',
      messages: messagesFor('en', { en: { preferencesTitle: 'Your mail' } }),
      action: '/p',
      token: 't',
      purposes: [{ ...purposes[0]!, checked: true }, purposes[1]!],
      tracking: { purposeId: 'open_tracking', checked: false },
    });
    expect(page).toContain('<title>Your mail</title>');
    expect(page.match(/ checked/g)).toHaveLength(1);
    expect(page).toContain('value="unsubscribe-all"');
  });

  it('shows a problem without markup injection', () => {
    const page = errorPage(
      { locale: 'en', messages: messagesFor('en') },
      { type: 't', title: 'Bad', status: 400, detail: '<script>x</script>', code: 'TOKEN_INVALID' },
    );
    expect(page).not.toContain('<script>');
    expect(page).toContain('TOKEN_INVALID');
  });

  it('issue #21: a form sent back escapes what was typed and shows plain words, the code only as an attribute', () => {
    const messages = messagesFor('en');
    const page = signupPage({
      locale: 'en',
      messages,
      action: '/gdpr/signup',
      csrfField: 'c',
      purposes: [purposes[0]!, { ...purposes[1]!, checked: true }],
      email: '"><img src=x onerror=alert(1)>',
      error: formErrorMessage(messages, 'INVALID_EMAIL'),
      errorCode: 'INVALID_EMAIL',
      privacyUrl: 'https://acme.test/privacy?a=1&b="2"',
    });
    expect(page).not.toContain('<img');
    expect(page).toContain('value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
    expect(page).toContain(
      '<p class="error" role="alert" id="form-error" data-code="INVALID_EMAIL">This email address does not look right.',
    );
    // WCAG 3.3.1: the field at fault is marked invalid and described by the words.
    expect(page).toContain('aria-invalid="true" aria-describedby="form-error">');
    // A problem that is no field's (an expired form) marks none.
    const expired = signupPage({
      locale: 'en',
      messages,
      action: '/gdpr/signup',
      csrfField: 'c',
      purposes,
      error: formErrorMessage(messages, 'CSRF_FAILED'),
      errorCode: 'CSRF_FAILED',
    });
    expect(expired).toContain('id="form-error"');
    expect(expired).not.toContain('aria-invalid="true"');
    expect(page).toContain('href="https://acme.test/privacy?a=1&amp;b=&quot;2&quot;"');
    expect(page).toContain('<link rel="icon" href="data:,">');

    const dsar = dsarFormPage(
      { locale: 'fr', messages: messagesFor('fr') },
      { action: '/gdpr/dsar', csrfField: 'c', email: '<x>', type: 'objection' },
    );
    expect(dsar).toContain('value="&lt;x&gt;"');
    expect(dsar).toMatch(/value="objection" checked>/);
    expect(dsar.match(/ checked/g)).toHaveLength(1);
    // An unknown type falls back to the first one, never to nothing ticked or two.
    const fallback = dsarFormPage(
      { locale: 'en', messages: messagesFor('en') },
      { action: '/d', csrfField: 'c', type: '" onfocus="x' },
    );
    expect(fallback).toMatch(/value="access" checked>/);
    expect(fallback).not.toContain('onfocus');
  });

  it('a message page may lead on, escaped; every locale has every new message', () => {
    const page = messagePage({ locale: 'en', messages: messagesFor('en') }, 'Done', 'Body', {
      href: '/back?x="1"',
      label: '<Back>',
    });
    expect(page).toContain('<a href="/back?x=&quot;1&quot;">&lt;Back&gt;</a>');
    for (const locale of LOCALES) {
      for (const [key, value] of Object.entries(DEFAULT_MESSAGES[locale])) {
        expect(value, `${locale}.${key}`).not.toBe('');
      }
      expect(Object.keys(DEFAULT_MESSAGES[locale]).sort()).toEqual(
        Object.keys(DEFAULT_MESSAGES.en).sort(),
      );
    }
  });

  it('issue #21: the tracking box and the confirm page show the notice text consent is given to', () => {
    const prefs = preferencesPage({
      locale: 'en',
      messages: messagesFor('en'),
      action: '/p',
      token: 't',
      purposes,
      tracking: {
        purposeId: 'open-tracking',
        checked: false,
        noticeText: 'Acme measures <opens>. Withdraw any time.',
        noticeVersion: '1.0',
      },
    });
    expect(prefs).toContain('aria-describedby="notice-open-tracking"');
    expect(prefs).toContain(
      '<p class="notice" id="notice-open-tracking">Acme measures &lt;opens&gt;. Withdraw any time. <small>(Notice version 1.0)</small></p>',
    );
    const confirm = confirmPage({
      locale: 'en',
      messages: messagesFor('en'),
      action: '/c',
      token: 't',
      purposes,
    });
    expect(confirm).toContain('id="notice-partners">Shared with partners.');
  });

  it('issue #21: every error page says what to do in plain words, keeps the code out of sight, and leads on', () => {
    const ctx = {
      locale: 'en' as const,
      messages: messagesFor('en'),
      siteUrl: 'https://shop.test/',
    };
    const codes: ProblemDetails['code'][] = [
      'TOKEN_EXPIRED',
      'TOKEN_INVALID',
      'TOKEN_WRONG_TYPE',
      'TOKEN_USED',
      'OPT_IN_NOT_PENDING',
      'NOT_FOUND',
      'METHOD_NOT_ALLOWED',
      'RATE_LIMITED',
      'CSRF_FAILED',
      'SUBJECT_NOT_FOUND',
      'DSAR_NOT_FOUND',
      'DSAR_NOT_VERIFIED',
      'DSAR_CLOSED',
      'VALIDATION_FAILED',
      'STORE_FAILURE',
    ];
    const titles = new Set<string>();
    for (const code of codes) {
      const status = code === 'STORE_FAILURE' ? 503 : 400;
      const page = errorPage(ctx, {
        type: 't',
        title: 'Bad',
        status,
        detail: 'raw detail for developers',
        code,
      });
      const visible = page.replace(/<[^>]+>/g, ' ');
      expect(visible, code).not.toContain(code);
      expect(visible, code).not.toContain('raw detail');
      expect(page, code).toContain(`data-code="${code}"`);
      expect(page, code).toContain(
        '<p class="next"><a href="https://shop.test/">Back to the website</a></p>',
      );
      titles.add(/<h1>([^<]+)<\/h1>/.exec(page)?.[1] ?? '');
    }
    // Link problems, missing pages, limits, forged posts, closed requests and outages read differently.
    expect(titles.size).toBeGreaterThanOrEqual(8);
    // A page that ends a flow leads back to the site when the caller gives no next step.
    expect(messagePage(ctx, 'Done', 'Body')).toContain('href="https://shop.test/"');
  });
});
