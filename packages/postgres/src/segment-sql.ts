import type { AudienceSegment, SegmentField } from '@gdpr-mail/core';

/**
 * The columns migration 9 derives from the clear profile leaves. Every one of
 * them is NOT NULL for the arrays ('{}' when absent) and NULL for a missing
 * scalar, so each predicate below is guarded to be true or false, never NULL:
 * `NOT` then means what the reference evaluator (`matchesSegment`) means.
 */
const ARRAY_COLUMNS: Partial<Record<SegmentField, string>> = {
  segment: 'segments',
  tag: 'tags',
  source: 'sources',
};
const SCALAR_COLUMNS: Partial<Record<SegmentField, string>> = {
  language: 'language',
  country: 'country',
};

export interface SegmentSqlContext {
  /** Quoted schema name. */
  schema: string;
  /** Alias of the subjects row in the surrounding query. */
  alias: string;
  /** The campaign's purpose, which consent conditions read (a parameter too). */
  purposeId: string;
  /** The placeholder already holding `purposeId`, if the query has one. */
  purposeParam?: string;
}

/**
 * Compiles a resolved segment to a boolean SQL expression over `alias`.
 * Values never enter the text: each one is pushed to `params` and referred
 * to by its placeholder; only column names (fixed above) and the schema
 * (validated by `quoteSchema`) are written in.
 */
export function compileSegment(
  segment: AudienceSegment,
  context: SegmentSqlContext,
  params: unknown[],
): string {
  const { alias: t, schema: s } = context;
  const param = (value: unknown, type: string) => {
    params.push(value);
    return `$${params.length}::${type}`;
  };
  let purpose = context.purposeParam;
  const walk = (node: AudienceSegment): string => {
    switch (node.op) {
      case 'all':
        return node.of.length === 0 ? 'TRUE' : `(${node.of.map(walk).join(' AND ')})`;
      case 'any':
        return node.of.length === 0 ? 'FALSE' : `(${node.of.map(walk).join(' OR ')})`;
      case 'not':
        return `(NOT ${walk(node.of)})`;
      case 'in': {
        const values = param([...node.values], 'text[]');
        const array = ARRAY_COLUMNS[node.field];
        if (array) return `(${t}.${array} && ${values})`;
        const scalar = SCALAR_COLUMNS[node.field]!;
        return `(${t}.${scalar} IS NOT NULL AND ${t}.${scalar} = ANY (${values}))`;
      }
      case 'since': {
        const at = param(node.at, 'timestamptz');
        if (node.field === 'engagement') {
          return `(${t}.last_interaction_at IS NOT NULL AND ${t}.last_interaction_at >= ${at})`;
        }
        if (purpose === undefined) purpose = param(context.purposeId, 'text');
        return `EXISTS (SELECT 1 FROM ${s}.consent_events c
          WHERE c.subject_id = ${t}.id AND c.purpose_id = ${purpose}
            AND c.type IN ('granted', 'confirmed') AND c.at >= ${at})`;
      }
    }
  };
  return walk(segment);
}
