import { describe, expect, it } from 'vitest';
import { confirmPage, errorPage, preferencesPage, signupPage } from './consent-pages.js';
import { messagesFor } from './messages.js';

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
});
