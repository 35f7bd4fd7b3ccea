/**
 * `1 subject`, `2 subjects`, `0 subjects`: a count and its noun, in the
 * singular for exactly one. `plural` defaults to the noun plus `s`.
 */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
