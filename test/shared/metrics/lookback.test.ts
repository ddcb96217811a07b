import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JourneyActivity } from '../../../shared/metrics/derived';
import {
  DEPTH_CAP,
  journeyLookbacks,
  type LookbackSummary,
  lookbackBefore,
  lookbackSummaryOf,
} from '../../../shared/metrics/lookback';
import { activityColumnsOf } from '../../../shared/metrics/session-columns';
import { decodeColumnar, encodeColumnar } from '../../../shared/storage/columnar';
import { localDayBounds } from '../../../shared/time';

const HOUR = 3_600_000;
const DAY_MS = 86_400_000;

/** metrics.md §7 "Stratum" read directly: the events in [start − l × 24 h, start), capped at 20. */
function reference(
  activity: readonly JourneyActivity[],
  journeyId: string,
  start: number,
  lookbackDays: number,
) {
  const from = start - lookbackDays * DAY_MS;
  const inside = (time: number) => time >= from && time < start;
  const mine = activity.filter((journey) => journey.journeyId === journeyId);
  const events = mine.reduce((sum, journey) => sum + journey.times.filter(inside).length, 0);
  return {
    events: Math.min(events, DEPTH_CAP),
    intent: mine.some((journey) => journey.intentTimes.some(inside)),
  };
}

const sorted = (times: number[]) => [...times].sort((a, b) => a - b);

describe('lookbackSummaryOf (metrics.md §7 "Stratum", summarised once per day)', () => {
  // Ordinary days and both Europe/Rome DST changes: D lasts 24, 23 or 25 hours.
  const days = [
    { date: '2026-11-02', timeZone: 'UTC' },
    { date: '2026-03-29', timeZone: 'Europe/Rome' },
    { date: '2026-10-25', timeZone: 'Europe/Rome' },
    { date: '2026-10-26', timeZone: 'America/Los_Angeles' },
  ];

  it('gives every session of D the depth and intent of reading the lookback days directly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...days),
        fc.integer({ min: 0, max: 4 }),
        fc.array(
          fc.record({
            journey: fc.constantFrom('A', 'B', 'C'),
            // Times over the l + 2 days before D, in quarter hours (many fall on a boundary).
            times: fc.array(fc.integer({ min: 1, max: 6 * 96 }), { maxLength: 40 }),
            intent: fc.array(fc.boolean(), { maxLength: 40 }),
          }),
          { maxLength: 6 },
        ),
        fc.array(fc.integer({ min: 0, max: 25 * 4 - 1 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        ({ date, timeZone }, lookbackDays, days, starts, stored) => {
          const { start: startOfDay, end: endOfDay } = localDayBounds(date, timeZone);
          const activity: JourneyActivity[] = days.map(({ journey, times, intent }) => {
            const at = sorted(times.map((quarter) => startOfDay - quarter * (HOUR / 4)));
            return { journeyId: journey, times: at, intentTimes: at.filter((_, i) => intent[i] === true) };
          });
          // A day's activity is one entry per journey: split the list over days as the stored days are.
          const lookback = activity.map((journey) => [journey]);
          const input = stored ? lookback.map((day) => activityColumnsOf(day)) : lookback;
          let summary = lookbackSummaryOf(input, { date, timeZone, lookbackDays });
          if (stored) summary = decodeColumnar(encodeColumnar(summary)) as LookbackSummary;
          const found = journeyLookbacks(summary, new Set(['A', 'B', 'C']));
          for (const quarter of starts) {
            const start = Math.min(startOfDay + quarter * (HOUR / 4), endOfDay - 1);
            for (const journeyId of ['A', 'B', 'C']) {
              const entry = found.get(journeyId);
              const got = entry ? lookbackBefore(entry, start) : { events: 0, intent: false };
              expect({ ...got, events: Math.min(got.events, DEPTH_CAP) }).toEqual(
                reference(activity, journeyId, start, lookbackDays),
              );
            }
          }
        },
      ),
      { numRuns: 400, seed: 18 },
    );
  });

  it('keeps at most 20 counts and 20 edge times per journey, however busy the journey was', () => {
    const date = '2026-11-02';
    const { start: startOfDay } = localDayBounds(date, 'UTC');
    // 50 events settled (the last day before D) and 50 on the edge day (two days back, l = 2).
    const settled = Array.from({ length: 50 }, (_, i) => startOfDay - HOUR + i * 1000);
    const edge = Array.from({ length: 50 }, (_, i) => startOfDay - 2 * DAY_MS + (i * HOUR) / 10);
    const summary = lookbackSummaryOf(
      [[{ journeyId: 'A', times: sorted([...edge, ...settled]), intentTimes: [] }]],
      {
        date,
        timeZone: 'UTC',
        lookbackDays: 2,
      },
    );

    expect(summary.settled).toEqual([DEPTH_CAP * 2]);
    expect(summary.edgeTimes).toHaveLength(DEPTH_CAP);
    expect(summary.journeys).toEqual(['A']);
  });

  it('leaves out journeys whose activity is all older than any session of D can reach', () => {
    const date = '2026-11-02';
    const { start: startOfDay } = localDayBounds(date, 'UTC');
    const summary = lookbackSummaryOf(
      [[{ journeyId: 'old', times: [startOfDay - 3 * DAY_MS], intentTimes: [] }]],
      { date, timeZone: 'UTC', lookbackDays: 2 },
    );

    expect(summary.journeys).toEqual([]);
  });
});
