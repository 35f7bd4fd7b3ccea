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
