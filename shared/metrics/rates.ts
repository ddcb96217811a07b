/** Ratios of the figures: null when the denominator is 0 (metrics.md §4). */

export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

/** A `{ key: value }` record with keys in code-point order, so equal data gives byte-equal documents. */
export function sortedRecord<V>(entries: Iterable<[string, V]>): Record<string, V> {
  const record: Record<string, V> = {};
  for (const [key, value] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return record;
}
