import type { AuditEntry, GdprStore } from '@gdpr-mail/core';
import type { AuditTamper } from '@gdpr-mail/core/testing';
import { runStoreConformance } from '@gdpr-mail/core/testing';
import { MemoryStore } from './memory-store.js';

/** Reaches into the private state, as someone with the process memory could. */
function memoryTamper(store: GdprStore): AuditTamper {
  const rows = () =>
    (store as unknown as { state: { audit: Map<number, AuditEntry> } }).state.audit;
  return {
    async alter(seq) {
      const entry = rows().get(seq);
      if (entry) entry.reason = 'rewritten';
    },
    async remove(seq) {
      rows().delete(seq);
    },
    async swap(a, b) {
      const audit = rows();
      const first = audit.get(a)!;
      const second = audit.get(b)!;
      audit.set(a, { ...second, seq: a });
      audit.set(b, { ...first, seq: b });
    },
  };
}

runStoreConformance('memory', () => new MemoryStore(), { auditTamper: memoryTamper });
