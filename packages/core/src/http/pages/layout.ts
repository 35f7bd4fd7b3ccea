import { html, SafeHtml } from '../html.js';

import type { Locale } from './messages.js';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
fieldset{border:1px solid #999;padding:1rem}label{display:block;margin:.5rem 0}
.notice{font-size:.9rem;color:#444;margin:0 0 1rem 1.75rem}button{font:inherit;padding:.5rem 1rem}
input[type=email]{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}.error{color:#a00}
footer{margin-top:2rem}.next{margin-top:1.5rem}a{color:#1a4fb8}
main{overflow-wrap:anywhere}`;

/**
 * The plain, accessible page every built-in view renders into. Its empty icon
 * keeps browsers from requesting /favicon.ico on every page (a logged 404).
 */
export function layout(options: {
  locale: Locale;
  title: string;
  body: SafeHtml;
  privacyUrl?: string;
  privacyLabel?: string;
  /** More CSS rules for an app's own page in this layout (e.g. a table), after the built-in ones; a `<` is dropped so they stay inside the style element. */
  style?: string;
}): string {
  return html`<!doctype html>
<html lang="${options.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${options.title}</title>
<style>${new SafeHtml(options.style ? `${STYLE}\n${options.style.replaceAll('<', '')}` : STYLE)}</style>
</head>
<body>
<main>
<h1>${options.title}</h1>
${options.body}
</main>
${options.privacyUrl ? html`<footer><a href="${options.privacyUrl}">${options.privacyLabel ?? 'Privacy'}</a></footer>` : ''}
</body>
</html>
`.value;
}
