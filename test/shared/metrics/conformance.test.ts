import { describe, expect, it } from 'vitest';
import { deduplicate } from '../../../shared/metrics/dedup';
import { computeFigures } from '../../../shared/metrics/figures';
import { linksFromEvents } from '../../../shared/metrics/links';
import { ARRIVAL_DEPENDENT_PATHS, compareFigures } from '../../helpers/compare-figures';
import { loadConformanceData } from '../../helpers/conformance';

const DATES = ['2026-10-24', '2026-10-25', '2026-10-26', '2026-10-27'];

describe('conformance data set (shared/conformance)', () => {
  // Throws (fails the suite, never skips) when the data set is missing.
  const data = loadConformanceData();
  const links = linksFromEvents(deduplicate(data.events).events);

  it('has an expected figures file for every day it covers', () => {
    expect([...data.expected.keys()]).toEqual(DATES);
  });

  it.each(DATES)('reproduces the expected figures of %s', (date) => {
    const figures = computeFigures({
      config: data.config,
      date,
      events: data.events,
      links,
      status: 'provisional',
      revision: 1,
      computedAt: '2026-10-28T01:00:00.000Z',
    });
    // The single-day set has no expectations for the sections that look across days (the outcomes set has).
    const differences = compareFigures(data.expected.get(date), figures, {
      ignore: [...ARRIVAL_DEPENDENT_PATHS, 'outcomes', 'customers'],
    });
    expect(differences, `${differences.length} figures differ:\n${differences.join('\n')}`).toEqual([]);
  });
});
