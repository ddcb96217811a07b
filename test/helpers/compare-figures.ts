/** Deep comparison of a figures document with an expected one, reporting every difference by its path. */

/** Paths that depend on when and how events arrive, left out of the conformance files. */
export const ARRIVAL_DEPENDENT_PATHS: readonly string[] = [
  'status',
  'revision',
  'computedAt',
  'quality.lateEvents',
  'quality.rejected',
];

/** Figures that are counts: compared exactly. Every other number gets the relative tolerance. */
const COUNT_KEYS = new Set([
  'events',
  'journeys',
  'sessions',
  'pageviews',
  'orders',
  'customers',
  'refunds',
  'created',
  'converted',
  'abandoned',
  'started',
  'completed',
  'responses',
  'promoters',
  'passives',
  'detractors',
  'respondents',
  'new',
  'returning',
  'sessionsWithFriction',
  'duplicates',
  'unconvertedOrders',
  'lateEvents',
]);

export interface CompareOptions {
  /** Paths (and everything under them) not compared. */
  ignore?: readonly string[];
  /** Relative tolerance for non-count numbers. Default 1e-9. */
  relativeTolerance?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

function isCountPath(path: string): boolean {
  const key = path.slice(path.lastIndexOf('.') + 1).replace(/\[\d+\]$/, '');
  return COUNT_KEYS.has(key) || /^experience\.friction\.byKind\./.test(path);
}

function numbersMatch(expected: number, actual: number, exact: boolean, tolerance: number): boolean {
  if (exact) return expected === actual;
  if (expected === actual) return true;
  // A relative tolerance, with a tiny absolute floor so sums that cancel to zero in another order match.
  return Math.abs(expected - actual) <= tolerance * Math.max(Math.abs(expected), Math.abs(actual)) + 1e-12;
}

/**
 * Lists the differences between `expected` and `actual` as `path: expected X, got Y` lines (empty when
 * they match). Object key order is free (the §6 key order has its own test); arrays are compared in
 * order. Keys present on one side only are differences too, except under ignored paths.
 */
export function compareFigures(expected: unknown, actual: unknown, options: CompareOptions = {}): string[] {
  const ignore = options.ignore ?? [];
  const tolerance = options.relativeTolerance ?? 1e-9;
  const differences: string[] = [];
  const ignored = (path: string) => ignore.some((p) => path === p || path.startsWith(`${p}.`));

  const walk = (path: string, e: unknown, a: unknown): void => {
    if (path !== '' && ignored(path)) return;
    const label = path === '' ? '(document)' : path;
    if (Array.isArray(e)) {
      if (!Array.isArray(a)) {
        differences.push(`${label}: expected an array, got ${show(a)}`);
        return;
      }
      if (e.length !== a.length) differences.push(`${label}.length: expected ${e.length}, got ${a.length}`);
      for (let i = 0; i < Math.min(e.length, a.length); i++) walk(`${path}[${i}]`, e[i], a[i]);
      return;
    }
    if (isRecord(e)) {
      if (!isRecord(a)) {
        differences.push(`${label}: expected an object, got ${show(a)}`);
        return;
      }
      const prefix = path === '' ? '' : `${path}.`;
      for (const key of Object.keys(e)) {
        if (!Object.hasOwn(a, key)) {
          if (!ignored(`${prefix}${key}`))
            differences.push(`${prefix}${key}: expected ${show(e[key])}, got undefined`);
          continue;
        }
        walk(`${prefix}${key}`, e[key], a[key]);
      }
      for (const key of Object.keys(a)) {
        if (!Object.hasOwn(e, key) && !ignored(`${prefix}${key}`)) {
          differences.push(`${prefix}${key}: expected undefined, got ${show(a[key])}`);
        }
      }
      return;
    }
    if (typeof e === 'number' && typeof a === 'number') {
      if (!numbersMatch(e, a, isCountPath(path), tolerance))
        differences.push(`${label}: expected ${e}, got ${a}`);
      return;
    }
    if (e !== a) differences.push(`${label}: expected ${show(e)}, got ${show(a)}`);
  };

  walk('', expected, actual);
  return differences;
}
