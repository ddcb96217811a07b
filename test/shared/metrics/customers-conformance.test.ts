import { describe, expect, it } from 'vitest';
import { customersFigures } from '../../../shared/metrics/customers';
import { buildLedger } from '../../../shared/metrics/derived';
import { compareFigures } from '../../helpers/compare-figures';
import { derivedDaysOf, loadOutcomesConformance } from '../../helpers/outcomes-conformance';

const DATES = [
  '2026-09-29',
  '2026-10-05',
  '2026-10-11',
  '2026-10-17',
  '2026-10-23',
  '2026-10-26',
  '2026-10-31',
  '2026-11-06',
];

function customersSection(expected: unknown): unknown {
  return typeof expected === 'object' && expected !== null && 'customers' in expected
    ? expected.customers
    : undefined;
}

describe('customers conformance (shared/conformance-outcomes, metrics.md §8)', () => {
  // Throws (fails the suite, never skips) when the data set is missing.
  const data = loadOutcomesConformance();
  const ledger = buildLedger([...derivedDaysOf(data).values()]);

  it('has an expected file for every day the data set names', () => {
    expect([...data.expected.keys()].sort()).toEqual(DATES);
  });

  it.each(DATES)('reproduces the expected customers section of %s', (date) => {
    const expected = customersSection(data.expected.get(date));
    expect(expected).toBeDefined();
    const figures = customersFigures({ config: data.config, date, ledger });
    const differences = compareFigures(expected, figures);
    expect(differences, `${differences.length} figures differ:\n${differences.join('\n')}`).toEqual([]);
  });
});
