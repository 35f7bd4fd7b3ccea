import { html, layout } from '@gdpr-mail/core/http';

/**
 * The demo shop's privacy notice, at `/privacy`: `links.privacyUrl` points here,
 * so the signup and data-request forms link it (Art. 13) and no link leads nowhere.
 * A real shop links its own notice.
 */
export function privacyPage(): string {
  return layout({
    locale: 'en',
    title: 'Privacy notice',
    body: html`<p>Acme Garden SAS (privacy@acme-garden.example) sends the emails you ask for, and only those.
Each box on the signup form is one purpose, with its own notice and its own consent; you can change
or withdraw any of them with the link in every email.</p>
<p>You can ask for a copy of your data, or its erasure, on the <a href="/gdpr/dsar">data request page</a>.</p>
<p><a href="/">Back to the shop</a></p>`,
  });
}
