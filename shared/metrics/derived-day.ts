/** A day's derived record (derived.ts) from its day context: the one place that assembles it. */

import { ledgerPartOf } from './customers';
import type { DayContext } from './day';
import { DERIVED_FORMAT, type DerivedDay } from './derived';
import type { LookbackDay, LookbackSummary } from './lookback';
import { journeyActivityOf, outcomeSessionsOf } from './outcomes';

/**
 * The derived record of `day`. `lookback` holds the `activity` of the days before it, as many as
 * `lookbackDays` × 24 h can reach back from the day's first session (the `lookbackDays` + 1 days
 * before D cover every DST case), in any order, or their summary for D (lookback.ts).
 */
export function derivedDayOf(
  day: DayContext,
  lookback: readonly LookbackDay[] | LookbackSummary,
): DerivedDay {
  const lookbackDays = day.config.outcomes.lookbackDays;
  const { orders, responses } = ledgerPartOf(day);
  const activity = journeyActivityOf(day);
  return {
    format: DERIVED_FORMAT,
    site: day.config.site,
    date: day.date,
    lookbackDays,
    sessions: outcomeSessionsOf(day, lookback, lookbackDays, activity),
    activity,
    orders,
    responses,
  };
}
