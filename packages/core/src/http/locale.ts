/** Picks the best supported locale from an Accept-Language header (q-values honoured). */
export function negotiateLocale<L extends string>(
  acceptLanguage: string | undefined,
  supported: readonly L[],
  fallback: L,
): L {
  if (!acceptLanguage) return fallback;
  const ranked = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((entry) => entry.tag && Number.isFinite(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    const exact = supported.find((l) => l.toLowerCase() === tag);
    if (exact) return exact;
    const base = supported.find((l) => l.toLowerCase() === tag.split('-')[0]);
    if (base) return base;
  }
  return fallback;
}
