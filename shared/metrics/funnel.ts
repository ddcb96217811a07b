/** Funnel figures (metrics.md §4 "funnel"). */
import { type DayContext, EVENT_NAMES } from './day';
import { ratio } from './rates';

export const FUNNEL_STEPS = [
  EVENT_NAMES.productViewed,
  EVENT_NAMES.productAdded,
  EVENT_NAMES.checkoutStarted,
  EVENT_NAMES.orderCompleted,
] as const;

export interface FunnelStep {
  event: string;
  sessions: number;
}

export interface FunnelFigures {
  steps: FunnelStep[];
  conversionRate: number | null;
}

/**
 * metrics.md §4 funnel — closed, per session. A session reaches step 1 with any step-1 event; it
 * reaches step k when it reached step k−1 and has a step-k event at or after the time of the event
 * matched for step k−1, always matching the earliest qualifying event. Steps are resolved one after
 * the other over each step's events in time order, so events sharing a timestamp match whatever their
 * archive order. `conversionRate` = sessions containing any `Order Completed` / sessions (not only those
 * that went through the funnel).
 *
 * Interpretation: "contains an Order Completed" looks at events, repeats of an order id included; a
 * repeat could only make a difference if it fell in another session than the order's first event.
 */
export function funnelFigures(day: DayContext): FunnelFigures {
  const sessionCount = day.sessions.length;
  // matched[s] = time of the event matched for the previous step, NaN while not reached.
  let previous: Float64Array | undefined;
  const steps: FunnelStep[] = [];
  for (const name of FUNNEL_STEPS) {
    const matched = new Float64Array(sessionCount).fill(Number.NaN);
    let reached = 0;
    for (const { session, time } of day.tracks.get(name) ?? []) {
      if (session < 0 || !Number.isNaN(matched[session] ?? 0)) continue;
      if (previous !== undefined && !((previous[session] ?? Number.NaN) <= time)) continue;
      matched[session] = time;
      reached++;
    }
    steps.push({ event: name, sessions: reached });
    previous = matched;
  }
  let converted = 0;
  for (const session of day.sessions) if (session.hasOrder) converted++;
  return { steps, conversionRate: ratio(converted, sessionCount) };
}
