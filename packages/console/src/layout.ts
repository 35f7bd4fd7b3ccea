import { html, SafeHtml } from '@gdpr-mail/core/http';
import type { ConsoleLocale, ConsoleMessages } from './messages.js';

/**
 * One inline style block (the CSP allows inline styles, never scripts): no
 * external font, image or script. Tables scroll inside their box on a phone.
 * WCAG 2.1 AA: a focus ring of 3:1 or more against what is around it (white on the
 * dark header, where the skip link shows too), no motion, text that follows the
 * reader's font size.
 */
const STYLE = `*{box-sizing:border-box}
body{font:100%/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff}
a{color:#1a4fb8}a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #1a4fb8;outline-offset:2px}
input:focus-within{outline:3px solid #1a4fb8;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;outline-color:#fff}
header{background:#1f2937;color:#fff;padding:.75rem 1rem}header a{color:#fff}header a:focus{outline-color:#fff}
header .brand{font-weight:700;margin-right:1rem}
nav ul{list-style:none;margin:.5rem 0 0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
nav a[aria-current=page]{text-decoration:underline;font-weight:700}
main{max-width:72rem;margin:0 auto;padding:1rem;overflow-wrap:anywhere}
.table{overflow-x:auto}table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
.table table{min-width:40rem;overflow-wrap:normal}
th,td{border-bottom:1px solid #ccc;padding:.4rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f4f6}
.overdue{color:#8b0000;font-weight:700}.ok{color:#14532d;font-weight:700}
.error{color:#8b0000;border-left:4px solid #8b0000;padding:.25rem .75rem}
.notice{border-left:4px solid #1a4fb8;padding:.25rem .75rem}
form.box{border:1px solid #999;padding:1rem;margin:1rem 0;max-width:40rem}
label{display:block;margin:.5rem 0 .25rem;font-weight:600}
input[type=text],input[type=email],input[type=tel],input[type=number],input[type=date],input[type=datetime-local],select,textarea{font:inherit;padding:.4rem;width:100%;border:1px solid #555}
textarea{min-height:4rem}.check{font-weight:400}
button{font:inherit;padding:.5rem 1rem;margin-top:.75rem;background:#1a4fb8;color:#fff;border:0;cursor:pointer}
button.danger{background:#8b0000}
code,.mono{font-family:ui-monospace,monospace;font-size:.9em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}
@media (max-width:40rem){dl{grid-template-columns:1fr}header .brand{display:block}}
@media print{header,.noprint{display:none}main{max-width:none}}`;

export type ConsoleSection = 'requests' | 'person' | 'breaches' | 'retention' | 'records' | 'audit';

const SECTIONS: readonly ConsoleSection[] = [
  'requests',
  'person',
  'breaches',
  'retention',
  'records',
  'audit',
];

/** The page frame: a skip link, the navigation, one `<main>`. */
export function consoleLayout(options: {
  locale: ConsoleLocale;
  messages: ConsoleMessages;
  basePath: string;
  section: ConsoleSection | undefined;
  title: string;
  body: SafeHtml;
}): string {
  const { messages: m, basePath } = options;
  const links = SECTIONS.map(
    (section) =>
      html`<li><a href="${basePath}/${section}"${options.section === section ? html` aria-current="page"` : ''}>${m.nav[section]}</a></li>`,
  );
  return html`<!doctype html>
<html lang="${options.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${options.title} · ${m.console}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<a class="skip" href="#content">${m.skip}</a>
<header>
<span class="brand">${m.console}</span>
<nav aria-label="${m.console}"><ul>${links}</ul></nav>
</header>
<main id="content">
<h1>${options.title}</h1>
${options.body}
</main>
</body>
</html>
`.value;
}
