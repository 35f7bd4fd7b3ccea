import type { DsarDataSource, DsarSubject } from './data-source.js';

export const EXPORT_FORMAT = 'gdpr-mail/dsar-export@1';

export interface ExportHeader {
  request: { id: string; type: string; receivedAt: Date };
  subject: { id: string; email: string; createdAt: Date; profile: unknown };
  /** The Art. 15(1)(a)-(h) facts: purposes, categories, recipients, retention, rights… */
  facts: unknown;
}

/**
 * The machine-readable bundle (REQ-22, REQ-23) as a stream of JSON text:
 * sources are written row by row, so a person with 100,000 rows never sits
 * in memory. A source that fails mid-way keeps the rows it gave and is listed
 * under `failures`; the document stays valid JSON.
 */
export async function* exportBundle(
  header: ExportHeader,
  subject: DsarSubject,
  sources: readonly DsarDataSource[],
  now: Date,
  onSource: (name: string, result: { ok: boolean; count: number; error?: string }) => void,
): AsyncGenerator<string> {
  yield `{"format":${JSON.stringify(EXPORT_FORMAT)},"generatedAt":${JSON.stringify(now)},`;
  yield `"request":${JSON.stringify(header.request)},"subject":${JSON.stringify(header.subject)},`;
  yield `"facts":${JSON.stringify(header.facts)},"sources":{`;
  const failures: Record<string, string> = {};
  let first = true;
  for (const source of sources) {
    if (!source.export) continue;
    yield `${first ? '' : ','}${JSON.stringify(source.name)}:[`;
    first = false;
    let count = 0;
    try {
      for await (const row of source.export(subject)) {
        yield `${count === 0 ? '' : ','}${JSON.stringify(row)}`;
        count += 1;
      }
      onSource(source.name, { ok: true, count });
    } catch (error) {
      failures[source.name] = error instanceof Error ? error.name : 'Error';
      onSource(source.name, { ok: false, count, error: failures[source.name] });
    }
    yield ']';
  }
  yield `},"failures":${JSON.stringify(failures)}}`;
}
