/**
 * Maps keyed by values a client sends (channels, friction kinds, teams, experiments, variants) are
 * bounded: a write key is public, and a day item must stay under DynamoDB's 400 KB. Each keeps its
 * MAX_MAP_KEYS keys of the largest weight (events, responses or journeys; ties by key), and what the
 * others count is figured under OTHER_KEY as if they were one key.
 */
export const MAX_MAP_KEYS = 100;
/** Experiments are maps of maps: fewer of them, and of their variants, keep a day's item small. */
export const MAX_EXPERIMENTS = 50;
export const MAX_VARIANTS = 10;
/** Longer keys are cut: a few long ones must not fill the item either. */
export const MAX_KEY_LENGTH = 100;
export const OTHER_KEY = '(other)';

/**
 * The keys to keep, or undefined when there are no more than `max` (then all stay, and no OTHER_KEY).
 */
export function keptKeys(
  weights: Iterable<readonly [string, number]>,
  max = MAX_MAP_KEYS,
): Set<string> | undefined {
  const all = [...weights];
  if (all.length <= max) return undefined;
  all.sort(([a, wa], [b, wb]) => wb - wa || (a < b ? -1 : a > b ? 1 : 0));
  return new Set(all.slice(0, max).map(([key]) => key));
}

/** The key a value counts under: itself (cut to MAX_KEY_LENGTH) when kept, else OTHER_KEY. */
export function boundedKey(key: string, kept: ReadonlySet<string> | undefined): string {
  return kept === undefined || kept.has(key) ? key.slice(0, MAX_KEY_LENGTH) : OTHER_KEY;
}
