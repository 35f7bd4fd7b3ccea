import { escapeHtml } from '../http/html.js';

/** Appends a 1×1 image before </body>; the text part never carries tracking. */
export function withPixel(html: string, url: string): string {
  const img = `<img src="${escapeHtml(url)}" width="1" height="1" alt="" style="display:block;border:0">`;
  return /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${img}</body>`) : `${html}${img}`;
}
