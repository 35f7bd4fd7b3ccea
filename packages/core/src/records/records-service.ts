import type { CoreContext } from '../context.js';
import { oneOfOption } from '../errors/option-checks.js';
import type { PrivacyNoticeFacts } from './privacy-notice-facts.js';
import { buildPrivacyNoticeFacts } from './privacy-notice-facts.js';
import type { ProcessorRecord, RecordsOfProcessing } from './records-of-processing.js';
import { buildRecordsOfProcessing } from './records-of-processing.js';
import {
  renderPrivacyNoticeHtml,
  renderPrivacyNoticeMarkdown,
  renderRecordsHtml,
  renderRecordsMarkdown,
} from './render-records.js';

export type RecordsFormat = 'json' | 'markdown' | 'html';

const RECORDS_FORMATS: readonly RecordsFormat[] = ['json', 'markdown', 'html'];
const RECORDS_DOCUMENTS = ['processing-activities', 'privacy-notice'] as const;

export interface RecordsService {
  /** Art. 30(1): one sheet per purpose. */
  processingActivities(): RecordsOfProcessing;
  /** Art. 13: what the privacy notice must say. */
  privacyNotice(): PrivacyNoticeFacts;
  /** The sub-processor register (SEED-09). */
  processors(): ProcessorRecord[];
  render(document: 'processing-activities' | 'privacy-notice', format: RecordsFormat): string;
}

export function createRecordsService(ctx: CoreContext): RecordsService {
  const ropa = () => buildRecordsOfProcessing(ctx.config, ctx.now());
  const notice = () => buildPrivacyNoticeFacts(ctx.config, ctx.now());
  return {
    processingActivities: ropa,
    privacyNotice: notice,
    processors: () => ropa().processors,
    render(document, format) {
      // A misspelt document or format is an error, not the other document or Markdown.
      oneOfOption('document', document, RECORDS_DOCUMENTS, 'processing-activities');
      oneOfOption('format', format, RECORDS_FORMATS, 'markdown');
      if (document === 'privacy-notice') {
        if (format === 'json') return JSON.stringify(notice(), null, 2);
        // HTML is served as a page (the console's download): configured text is escaped
        // there, never passed on as Markdown a browser would read as markup.
        return format === 'html'
          ? renderPrivacyNoticeHtml(notice())
          : renderPrivacyNoticeMarkdown(notice());
      }
      const records = ropa();
      if (format === 'json') return JSON.stringify(records, null, 2);
      return format === 'html' ? renderRecordsHtml(records) : renderRecordsMarkdown(records);
    },
  };
}
