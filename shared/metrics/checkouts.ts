/** Checkout figures (metrics.md §4 "checkouts"). */
import { type DayContext, EVENT_NAMES, hasOrderInWindow } from './day';
import { ratio } from './rates';

export interface CheckoutFigures {
  started: number;
  completed: number;
  abandonmentRate: number | null;
}

/**
 * metrics.md §4 checkouts — per journey: `started` = journeys with a `Checkout Started` in D;
 * `completed` = those with an order of the same journey in [first Checkout Started in D, + W], looking
 * ahead into D+1; `abandonmentRate` = (started − completed) / started.
 *
 * Interpretation: an order's time is its order id's first event, as for carts. The window opens at the
 * first Checkout Started of D (a later one would complete one more journey on 2026-10-25).
 */
export function checkoutFigures(day: DayContext): CheckoutFigures {
  const firstStart = new Map<string, number>();
  for (const { journeyId, time } of day.tracks.get(EVENT_NAMES.checkoutStarted) ?? []) {
    if (!firstStart.has(journeyId)) firstStart.set(journeyId, time);
  }
  let completed = 0;
  for (const [journeyId, time] of firstStart) {
    if (hasOrderInWindow(day.lookAheadOrdersByJourney.get(journeyId), time, time + day.windowMs)) completed++;
  }
  return {
    started: firstStart.size,
    completed,
    abandonmentRate: ratio(firstStart.size - completed, firstStart.size),
  };
}
