import { describe, expect, it } from 'vitest';
import { corpusFiles, corpusSource, EXPECTED, READER_MAPPING } from '../../test/corpus.js';
import { mapReport } from '../mapping/map-report.js';
import { parseReport } from './parse-report.js';

describe('the bounce corpus, parsed and mapped without a server', () => {
  it('has at least 20 shapes and an expectation for every one', () => {
    const files = corpusFiles();
    expect(files.length).toBeGreaterThanOrEqual(20);
    expect(Object.keys(EXPECTED).sort()).toEqual(files);
  });

  it.each(corpusFiles())('%s', (name) => {
    const source = corpusSource(name);
    const parsed = parseReport(source);
    const mapped = mapReport(parsed, source, READER_MAPPING);
    const expected = EXPECTED[name]!;
    expect({ kind: parsed.kind, format: parsed.format, verdict: mapped.verdict }).toEqual({
      kind: expected.kind,
      format: expected.format,
      verdict: expected.verdict,
    });
    expect(
      mapped.recipients.map((r) => (r.event ? [r.outcome, r.event.email] : [r.outcome])),
    ).toEqual(expected.recipients);
  });
});

describe('ARF feedback types', () => {
  function arf(feedbackType: string): Uint8Array {
    return Buffer.from(
      [
        'From: fbl@isp.example',
        'To: bounces@shop.example',
        'Subject: Feedback report',
        `Message-ID: <arf-${feedbackType}@isp.example>`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=feedback-report; boundary="F"',
        '',
        '--F',
        'Content-Type: text/plain',
        '',
        'A feedback report.',
        '',
        '--F',
        'Content-Type: message/feedback-report',
        '',
        `Feedback-Type: ${feedbackType}`,
        'Version: 1',
        'Original-Rcpt-To: <jane@example.com>',
        '',
        '--F',
        'Content-Type: text/rfc822-headers',
        '',
        'From: news@shop.example',
        'Message-ID: <msg-1@mail.shop.example>',
        '',
        '--F--',
        '',
      ].join('\r\n'),
    );
  }

  it.each(['abuse', 'fraud', 'other', 'Abuse'])('%s is a complaint that suppresses', (type) => {
    const source = arf(type);
    const mapped = mapReport(parseReport(source), source, READER_MAPPING);
    expect(mapped.verdict).toBe('applied');
    expect(mapped.recipients.map((r) => r.event?.type)).toEqual(['complaint']);
  });

  it.each(['auth-failure', 'virus', 'not-spam', 'dmarc-future-type'])(
    '%s is no complaint by the recipient: nothing is suppressed',
    (type) => {
      // RFC 6591 auth-failure reports an SPF/DKIM/DMARC failure (a spoofed or broken
      // message), virus a scan result: neither says the person complained.
      const source = arf(type);
      const mapped = mapReport(parseReport(source), source, READER_MAPPING);
      expect(mapped.verdict).toBe('ignored');
      expect(mapped.recipients.filter((r) => r.event !== undefined)).toEqual([]);
    },
  );
});
