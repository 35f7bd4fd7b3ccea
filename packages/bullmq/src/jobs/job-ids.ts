/**
 * A BullMQ job id from an idempotency key. BullMQ refuses `:` in custom ids;
 * escaping `%` first keeps the mapping one-to-one, so two keys never share a
 * job and the same key always names the same job (adding it twice is a no-op).
 */
export function jobIdFor(idempotencyKey: string): string {
  return idempotencyKey.replaceAll('%', '%25').replaceAll(':', '%3A');
}

export function campaignJobKey(campaignId: string): string {
  return `campaign:${campaignId}`;
}

export function chunkJobKey(campaignId: string, range: { after?: string; until?: string }): string {
  // The range itself, not the chunk's index: a re-planned audience gives other
  // ranges, hence other jobs, and the union still covers everyone.
  return `campaign:${campaignId}:chunk:${range.after ?? '^'}:${range.until ?? '$'}`;
}

export function sweepJobKey(sweepId: string): string {
  return `retention-sweep:${sweepId}`;
}
