import { describe, expect, it } from 'vitest';
import { chooseMeasurements } from '../../../shared/cost/measurements';
import { REQUIRED_MEASUREMENTS } from '../../../shared/cost/model';

const complete = (value: number) =>
  Object.fromEntries(REQUIRED_MEASUREMENTS.map((key) => [key, value])) as Record<string, number>;

const SHIPPED = {
  file: 'bench/measurements.json',
  content: {
    measuredAt: '2026-12-02T14:00:00.000Z',
    command: 'roxtrail bench --seconds 5 --events 1000000',
    measured: complete(1),
  },
};
const local = (content: unknown) => ({ file: 'bench/results.json', content });

describe('chooseMeasurements', () => {
  it('prices with the shipped measurements when there is no local run, and says of which day and command', () => {
    const chosen = chooseMeasurements(SHIPPED, local(undefined));

    expect(chosen.source).toBe('shipped');
    expect(chosen.measured.collectorHandlerMsPerRequest).toBe(1);
    expect(chosen.description).toBe(
      'shipped measurements of 2026-12-02 (bench/measurements.json, roxtrail bench --seconds 5 --events 1000000); npm run bench measures your machine',
    );
  });

  it('prefers a complete local run newer than the shipped one', () => {
    const chosen = chooseMeasurements(
      SHIPPED,
      local({ measuredAt: '2026-12-05T09:30:00.000Z', measured: complete(2) }),
    );

    expect(chosen.source).toBe('local');
    expect(chosen.measured.collectorHandlerMsPerRequest).toBe(2);
    expect(chosen.description).toBe(
      'measured by your bench run of 2026-12-05T09:30:00.000Z (bench/results.json), newer than the shipped ones of 2026-12-02',
    );
  });

  it('keeps the shipped measurements over an older local run, and says why', () => {
    const chosen = chooseMeasurements(
      SHIPPED,
      local({ measuredAt: '2026-11-01T09:30:00.000Z', measured: complete(2) }),
    );

    expect(chosen.source).toBe('shipped');
    expect(chosen.localIgnored).toBe('its run of 2026-11-01T09:30:00.000Z is older');
  });

  it('keeps the shipped measurements over a local run that lacks some, or is not a run at all', () => {
    const { collectorHandlerMsPerRequest: _left, ...partial } = complete(2);
    const lacking = chooseMeasurements(
      SHIPPED,
      local({ measuredAt: '2026-12-05T09:30:00Z', measured: partial }),
    );
    const broken = chooseMeasurements(SHIPPED, local(null));

    expect(lacking.source).toBe('shipped');
    expect(lacking.localIgnored).toBe('it lacks collectorHandlerMsPerRequest');
    expect(broken.source).toBe('shipped');
    expect(broken.localIgnored).toBe('not a bench run (it needs measuredAt and measured)');
  });

  it('throws, naming the file, only when nothing can be priced with', () => {
    expect(() =>
      chooseMeasurements({ file: 'bench/measurements.json', content: {} }, local(undefined)),
    ).toThrow('no measurements to price with: bench/measurements.json: not a bench run');
  });
});
