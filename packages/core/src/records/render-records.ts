import { escapeHtml } from '../http/html.js';
import type { PrivacyNoticeFacts } from './privacy-notice-facts.js';
import type { ProcessingActivity, RecordsOfProcessing } from './records-of-processing.js';

function escapeMarkdownCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll(/\r?\n/g, ' ');
}

/** The rows of one Art. 30 sheet, shared by the Markdown and HTML renderings. */
function sheetRows(activity: ProcessingActivity): [string, string][] {
  const c = activity.controller;
  return [
    ['(a) Controller', `${c.name}, ${c.email}${c.address ? `, ${c.address}` : ''}`],
    [
      '(a) Data protection officer',
      activity.dpo ? `${activity.dpo.name}, ${activity.dpo.email}` : 'none designated',
    ],
    ['(b) Purpose', activity.purpose],
    [
      '(b) Lawful basis',
      activity.legitimateInterest
        ? `${activity.lawfulBasis}: ${activity.legitimateInterest}`
        : activity.lawfulBasis,
    ],
    ['(c) Categories of data subjects', activity.dataSubjectCategories.join(', ')],
    ['(c) Categories of personal data', activity.personalDataCategories.join(', ')],
    ['(d) Recipients', activity.recipients.join('; ') || 'none'],
    [
      '(e) Transfers to third countries',
      activity.transfers.map((t) => `${t.to} (${t.country}, ${t.safeguard})`).join('; ') || 'none',
    ],
    ['(f) Time limits for erasure', activity.retention.description],
    ['(g) Security measures', activity.securityMeasures.join('; ')],
  ];
}

export function renderRecordsMarkdown(records: RecordsOfProcessing): string {
  const lines = [
    `# Record of processing activities — ${records.controller.name}`,
    '',
    `Generated ${records.generatedAt} from the gdpr-mail configuration (Art. 30(1) GDPR).`,
  ];
  for (const activity of records.activities) {
    lines.push('', `## ${escapeMarkdownCell(activity.purpose)} (\`${activity.purposeId}\`)`, '');
    lines.push('| field | value |', '| --- | --- |');
    for (const [k, v] of sheetRows(activity)) lines.push(`| ${k} | ${escapeMarkdownCell(v)} |`);
  }
  lines.push(
    '',
    '## Sub-processors',
    '',
    '| name | role | country | region | safeguard |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const p of records.processors) {
    lines.push(
      `| ${escapeMarkdownCell(p.name)} | ${escapeMarkdownCell(p.role)} | ${p.country} | ${p.region ?? ''} | ${p.thirdCountry ? (p.transferSafeguard ?? 'none') : 'EEA'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function renderRecordsHtml(records: RecordsOfProcessing): string {
  const sheets = records.activities
    .map(
      (activity) => `<section>
<h2>${escapeHtml(activity.purpose)} <code>${escapeHtml(activity.purposeId)}</code></h2>
<table>
${sheetRows(activity)
  .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
  .join('\n')}
</table>
</section>`,
    )
    .join('\n');
  const processors = records.processors
    .map(
      (p) =>
        `<tr><td>${escapeHtml(p.name)}</td><td>${escapeHtml(p.role)}</td><td>${escapeHtml(p.country)}</td><td>${escapeHtml(p.region ?? '')}</td><td>${escapeHtml(p.thirdCountry ? (p.transferSafeguard ?? 'none') : 'EEA')}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Record of processing activities — ${escapeHtml(records.controller.name)}</title></head>
<body>
<h1>Record of processing activities — ${escapeHtml(records.controller.name)}</h1>
<p>Generated ${escapeHtml(records.generatedAt)} from the gdpr-mail configuration (Art. 30(1) GDPR).</p>
${sheets}
<section>
<h2>Sub-processors</h2>
<table>
<tr><th scope="col">name</th><th scope="col">role</th><th scope="col">country</th><th scope="col">region</th><th scope="col">safeguard</th></tr>
${processors}
</table>
</section>
</body>
</html>
`;
}

export function renderPrivacyNoticeMarkdown(facts: PrivacyNoticeFacts): string {
  const c = facts.controller;
  const lines = [
    `# How ${c.name} uses your email address`,
    '',
    `**Controller:** ${c.name}, ${c.email}${c.address ? `, ${c.address}` : ''}.`,
  ];
  if (facts.dpo) lines.push(`**Data protection officer:** ${facts.dpo.name}, ${facts.dpo.email}.`);
  lines.push('', '## Purposes', '');
  for (const p of facts.purposes) {
    const interest = p.legitimateInterest ? ` Legitimate interest: ${p.legitimateInterest}.` : '';
    lines.push(
      `- **${p.title}** — lawful basis: ${p.lawfulBasis}.${interest} ${p.retention.description}`,
    );
  }
  lines.push(
    '',
    '## Recipients',
    '',
    facts.recipients.length ? facts.recipients.map((r) => `- ${r}`).join('\n') : 'None.',
  );
  lines.push(
    '',
    '## Transfers outside the EEA',
    '',
    facts.transfers.length
      ? facts.transfers.map((t) => `- ${t.to} (${t.country}): ${t.safeguard}`).join('\n')
      : 'None.',
  );
  lines.push(
    '',
    '## Your rights',
    '',
    ...facts.rights.map((r) => `- ${r}`),
    '',
    facts.withdrawal,
    '',
    facts.complaint,
  );
  lines.push('', '## Automated decisions', '', facts.automatedDecisions);
  return `${lines.join('\n')}\n`;
}

/**
 * The privacy-notice facts as an HTML page: the same sections as the Markdown, every
 * configured string escaped (a title or processor name is text, never markup).
 */
export function renderPrivacyNoticeHtml(facts: PrivacyNoticeFacts): string {
  const c = facts.controller;
  const list = (items: readonly string[]) =>
    `<ul>\n${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('\n')}\n</ul>`;
  const purposes = facts.purposes.map((p) => {
    const interest = p.legitimateInterest
      ? ` Legitimate interest: ${escapeHtml(p.legitimateInterest)}.`
      : '';
    return `<li><strong>${escapeHtml(p.title)}</strong> — lawful basis: ${escapeHtml(p.lawfulBasis)}.${interest} ${escapeHtml(p.retention.description)}</li>`;
  });
  const controller = `${c.name}, ${c.email}${c.address ? `, ${c.address}` : ''}`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>How ${escapeHtml(c.name)} uses your email address</title></head>
<body>
<h1>How ${escapeHtml(c.name)} uses your email address</h1>
<p><strong>Controller:</strong> ${escapeHtml(controller)}.</p>
${facts.dpo ? `<p><strong>Data protection officer:</strong> ${escapeHtml(`${facts.dpo.name}, ${facts.dpo.email}`)}.</p>\n` : ''}<h2>Purposes</h2>
<ul>
${purposes.join('\n')}
</ul>
<h2>Recipients</h2>
${facts.recipients.length ? list(facts.recipients) : '<p>None.</p>'}
<h2>Transfers outside the EEA</h2>
${facts.transfers.length ? list(facts.transfers.map((t) => `${t.to} (${t.country}): ${t.safeguard}`)) : '<p>None.</p>'}
<h2>Your rights</h2>
${list(facts.rights)}
<p>${escapeHtml(facts.withdrawal)}</p>
<p>${escapeHtml(facts.complaint)}</p>
<h2>Automated decisions</h2>
<p>${escapeHtml(facts.automatedDecisions)}</p>
</body>
</html>
`;
}
