import { html, SafeHtml } from '../html.js';

import type { Locale } from './messages.js';

const STYLE = `body{font:100%/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;background:#fff}
fieldset{border:1px solid #767676;padding:1rem}label{display:block;margin:.5rem 0}
.notice{font-size:.9rem;color:#444;margin:0 0 1rem 1.75rem}button{font:inherit;padding:.5rem 1rem}
input[type=email]{font:inherit;padding:.4rem;width:100%;box-sizing:border-box;border:1px solid #767676}.error{color:#a00}
[aria-invalid=true]{border:2px solid #a00}
a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #1a4fb8;outline-offset:2px}
footer{margin-top:2rem}.next{margin-top:1.5rem}a{color:#1a4fb8}
main{overflow-wrap:anywhere}`;

/**
 * The plain, accessible page every built-in view renders into (WCAG 2.1 AA: the
 * locale's `lang`, the title as the one `h1`, a visible focus on every control,
 * text that follows the reader's font size, no motion, nothing wider than a 320 px
 * screen). Its empty icon keeps browsers from requesting /favicon.ico on every page
 * (a logged 404).
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
