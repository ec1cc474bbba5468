/**
 * The items of an infinite query's pages, in order, each once (the first copy wins). Pages fetched
 * at different moments can overlap — a refetch racing a change to the list, or a second refetch
 * cancelling the first — and a list keyed by id renders a repeated item as two rows.
 */
export function itemsOfPages<P, T>(pages: readonly P[] | undefined, items: (page: P) => readonly T[], keyOf: (item: T) => string | number): T[] {
  const seen = new Set<string | number>();
  const out: T[] = [];
  for (const page of pages ?? []) {
    for (const item of items(page)) {
      const key = keyOf(item);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(item);
    }
  }
  return out;
}
