import { describe, expect, it } from 'vitest';
import { buildLedger } from '../../../shared/metrics/derived';
import { exposureWindowOf, outcomesFigures } from '../../../shared/metrics/outcomes';
import { addDays } from '../../../shared/time';
import { compareFigures } from '../../helpers/compare-figures';
import { derivedDaysOf, loadOutcomesConformance } from '../../helpers/outcomes-conformance';

function outcomesSection(expected: unknown): unknown {
  return typeof expected === 'object' && expected !== null && 'outcomes' in expected
    ? expected.outcomes
    : undefined;
}

describe('outcomes conformance (shared/conformance-outcomes, metrics.md §7)', () => {
  // Throws (fails the suite, never skips) when the data set is missing.
  const data = loadOutcomesConformance();
  const derived = derivedDaysOf(data);
  const ledger = buildLedger([...derived.values()]);
  const dates = [...data.expected.keys()].sort();

  it('has expected days to check', () => {
    expect(dates.length).toBeGreaterThanOrEqual(8);
  });

  it.each(dates)('reproduces the expected outcomes section of %s', (date) => {
    const expected = outcomesSection(data.expected.get(date));
    expect(expected).toBeDefined();
    const { from, to } = exposureWindowOf(date, data.config);
    const exposureDays = [];
    for (let day = from; day <= to; day = addDays(day, 1))
      exposureDays.push(derived.get(day)?.sessions ?? []);
    const figures = outcomesFigures({ config: data.config, date, exposureDays, ledger });
    const differences = compareFigures(expected, figures);
    expect(differences, `${differences.length} figures differ:\n${differences.join('\n')}`).toEqual([]);
  });
});
