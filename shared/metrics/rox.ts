/** Return on experience (metrics.md §4 "rox"). */
import type { DayContext, JourneyDay } from './day';
import { EVENT_NAMES } from './day';
import type { EnpsFigures, SurveyResponses } from './experience';
import { npsOf } from './experience';
import { ratio } from './rates';

export interface RoxTouchpointFigures {
  touchpoint: string;
  dailyCost: number;
  journeys: number;
  revenuePerJourneyEngaged: number | null;
  revenuePerJourneyOthers: number | null;
  incrementalRevenue: number | null;
  attributedRevenue: number;
  rox: number | null;
  conversionRateEngaged: number | null;
  conversionRateOthers: number | null;
  nps: number | null;
  frictionRate: number | null;
  team: string | null;
  teamEnps: number | null;
}

export interface RoxFigures {
  value: number | null;
  investment: number;
  incrementalRevenue: number;
  attributedRevenue: number;
  touchpoints: RoxTouchpointFigures[];
}

/**
 * Linear attribution (metrics.md §4 rox, `attributedRevenue`): each order of D with a converted value
 * is split equally over the distinct touchpoints — configured or not — on its journey's events of D
 * (any type) at or before the order time; the order's own event counts, being at the order time.
 * Returns the attributed revenue per touchpoint. The conformance data rules out both "strictly before"
 * and "any time of D".
 */
export function attributedRevenueByTouchpoint(day: DayContext): Map<string, number> {
  const attributed = new Map<string, number>();
  for (const order of day.orders) {
    if (order.value === null) continue;
    const touchpoints = day.journeys.get(order.journeyId)?.touchpoints;
    if (touchpoints === undefined) continue;
    const reached: string[] = [];
    for (const [touchpoint, firstTime] of touchpoints) if (firstTime <= order.time) reached.push(touchpoint);
    if (reached.length === 0) continue;
    const share = order.value / reached.length;
    for (const touchpoint of reached) attributed.set(touchpoint, (attributed.get(touchpoint) ?? 0) + share);
  }
  return attributed;
}

interface JourneyOutcome {
  readonly journey: JourneyDay;
  /** Σ converted values of its orders of D. */
  readonly revenue: number;
  /** Has an order of D (converted or not). */
  readonly converted: boolean;
}

/**
 * metrics.md §4 rox, per touchpoint t with `dailyCost` > 0 (sorted by name). Journeys of D are those with
 * an activity event in D; engaged(t) = those of them with an event (any type) of touchpoint t in D;
 * others = the rest. Journey revenue = Σ converted values of its orders of D. `incrementalRevenue` =
 * (revenue per engaged journey − revenue per other journey) × |engaged|, null when either group is
 * empty; `rox` = (incrementalRevenue − dailyCost) / dailyCost. `nps` is the NPS score of the counted
 * (latest per journey) NPS responses whose event carries touchpoint t; `frictionRate` = friction events
 * of t in D / |engaged|; `teamEnps` = the eNPS score of the touchpoint's team from `enps.byTeam`.
 * Site level: `investment` and `incrementalRevenue` sum over touchpoints whose incrementalRevenue is not
 * null, `value` = (incrementalRevenue − investment) / investment, `attributedRevenue` sums every
 * touchpoint's attributed revenue, configured or not.
 *
 * Interpretations: engaged(t) ⊆ journeys of D, and an event of any type carrying t engages; the site
 * `attributedRevenue` includes unconfigured touchpoints (2026-10-24: 2920.5, while the listed ones add up
 * to 2808.25); journey revenue leaves out orders without a rate while `conversionRate*` counts them
 * (2026-10-25); `frictionRate` is null without engaged journeys and `teamEnps` is filled in even then
 * (video_call on every day); touchpoint `nps` reads the counted responses (the latest per journey) —
 * the public data cannot tell this from "all responses of D carrying t".
 */
export function roxFigures(day: DayContext, responses: SurveyResponses, enps: EnpsFigures): RoxFigures {
  const outcomes: JourneyOutcome[] = [];
  for (const journey of day.journeys.values()) {
    if (!journey.active) continue;
    let revenue = 0;
    for (const order of journey.orders) if (order.value !== null) revenue += order.value;
    outcomes.push({ journey, revenue, converted: journey.orders.length > 0 });
  }
  const frictionByTouchpoint = new Map<string, number>();
  for (const { touchpoint } of day.tracks.get(EVENT_NAMES.frictionEncountered) ?? []) {
    if (touchpoint !== undefined) {
      frictionByTouchpoint.set(touchpoint, (frictionByTouchpoint.get(touchpoint) ?? 0) + 1);
    }
  }
  const attributed = attributedRevenueByTouchpoint(day);

  const touchpoints: RoxTouchpointFigures[] = [];
  const configured = Object.entries(day.config.touchpoints)
    .filter(([, touchpointConfig]) => touchpointConfig.dailyCost > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [touchpoint, { dailyCost, team }] of configured) {
    let engaged = 0;
    let engagedRevenue = 0;
    let engagedConverted = 0;
    let others = 0;
    let othersRevenue = 0;
    let othersConverted = 0;
    for (const { journey, revenue, converted } of outcomes) {
      if (journey.touchpoints.has(touchpoint)) {
        engaged++;
        engagedRevenue += revenue;
        if (converted) engagedConverted++;
      } else {
        others++;
        othersRevenue += revenue;
        if (converted) othersConverted++;
      }
    }
    const revenuePerJourneyEngaged = ratio(engagedRevenue, engaged);
    const revenuePerJourneyOthers = ratio(othersRevenue, others);
    const incrementalRevenue =
      revenuePerJourneyEngaged === null || revenuePerJourneyOthers === null
        ? null
        : (revenuePerJourneyEngaged - revenuePerJourneyOthers) * engaged;
    const teamEnps = team === undefined ? null : (enpsScoreOf(enps, team) ?? null);
    touchpoints.push({
      touchpoint,
      dailyCost,
      journeys: engaged,
      revenuePerJourneyEngaged,
      revenuePerJourneyOthers,
      incrementalRevenue,
      attributedRevenue: attributed.get(touchpoint) ?? 0,
      rox: incrementalRevenue === null ? null : (incrementalRevenue - dailyCost) / dailyCost,
      conversionRateEngaged: ratio(engagedConverted, engaged),
      conversionRateOthers: ratio(othersConverted, others),
      nps: npsOf(responses.nps.filter((response) => response.touchpoint === touchpoint)).score,
      frictionRate: ratio(frictionByTouchpoint.get(touchpoint) ?? 0, engaged),
      team: team ?? null,
      teamEnps,
    });
  }

  let investment = 0;
  let incrementalRevenue = 0;
  for (const figures of touchpoints) {
    if (figures.incrementalRevenue === null) continue;
    investment += figures.dailyCost;
    incrementalRevenue += figures.incrementalRevenue;
  }
  let attributedRevenue = 0;
  for (const value of attributed.values()) attributedRevenue += value;
  return {
    value: ratio(incrementalRevenue - investment, investment),
    investment,
    incrementalRevenue,
    attributedRevenue,
    touchpoints,
  };
}

function enpsScoreOf(enps: EnpsFigures, team: string): number | null | undefined {
  return Object.hasOwn(enps.byTeam, team) ? enps.byTeam[team]?.score : undefined;
}
