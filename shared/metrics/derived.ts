/**
 * What one site-local day keeps for the sections that look across days (metrics.md §7 `outcomes`, §8
 * `customers`): a compact record written beside the day's partials each time the day is aggregated,
 * and rebuilt from the archive like them. A day's document reads 42 days of these instead of 42 days
 * of events.
 *
 * - `sessions` — per session of the day (metrics.md §2): its stage landmarks, its first exposure to
 *   each touchpoint, and the lookback covariates of §7 "Stratum" that need the days before it;
 * - `activity` — per journey active on the day: the times of its activity events and of its cart adds
 *   and checkouts, what the lookback of the following days' sessions reads;
 * - `orders` and `responses` — the day's orders and NPS responses: the day's part of the customer
 *   ledger (the merge of every day's part, `buildLedger`).
 *
 * Journey ids are resolved with the identity links known when the day was built.
 */

/** Bumped whenever the shape or a rule changes: derived days of another format are rebuilt. */
export const DERIVED_FORMAT = 6;

/** Activity events of the journey in the lookback before a session (metrics.md §7 "Stratum"). */
export type DepthBucket = '0' | '1-4' | '5-19' | '20+';

export interface Exposure {
  touchpoint: string;
  /** Time of the session's first activity event carrying the touchpoint (epoch ms). */
  time: number;
  /** Channel (metrics.md §2) of that event. */
  channel: string;
}

export interface OutcomeSession {
  journeyId: string;
  /** Time of its first activity event (the stage-0 landmark), epoch ms. */
  start: number;
  /** Time of its last activity event. */
  last: number;
  /**
   * Times of the landmarks of stages 0–4 (first activity event, first `Product Viewed`, `Product
   * Added`, `Checkout Started`, `Order Completed`), null for a stage the session never reaches.
   */
  landmarks: (number | null)[];
  /** The channel of each landmark event (null with its landmark). */
  landmarkChannels: (string | null)[];
  /** The first activity event of each touchpoint (configured or not) in the session, by time. */
  exposures: Exposure[];
  /** From the journey's activity events in [start − lookbackDays × 24 h, start). */
  depth: DepthBucket;
  /** Whether a `Product Added` or `Checkout Started` is among those events. */
  intent: boolean;
}

export interface JourneyActivity {
  journeyId: string;
  /** Times of the journey's activity events of the day, ascending. */
  times: number[];
  /** Times of its `Product Added` and `Checkout Started` events of the day, ascending. */
  intentTimes: number[];
}

/** An order: the first event of its `order_id` (metrics.md §7, §8). */
export interface LedgerOrder {
  /** Absent for an order event without `order_id` (an order of its own). */
  orderId?: string;
  journeyId: string;
  time: number;
  /** In the site currency; 0 for an order whose currency has no rate (it still counts as an order). */
  value: number;
}

/** An NPS response (`Survey Responded`, survey `nps`, an integer score 0–10). */
export interface LedgerResponse {
  journeyId: string;
  time: number;
  score: number;
}

export interface DerivedDay {
  format: typeof DERIVED_FORMAT;
  site: string;
  date: string;
  /** The lookback covariates were computed for this many days. */
  lookbackDays: number;
  sessions: OutcomeSession[];
  activity: JourneyActivity[];
  orders: LedgerOrder[];
  responses: LedgerResponse[];
}

/** A journey's orders by time (then order id); what a Map of them offers the figures. */
export interface OrdersByJourney {
  get(journeyId: string): readonly LedgerOrder[] | undefined;
  /** Each journey with an order once. */
  values(): Iterable<readonly LedgerOrder[]>;
}

/** Every order and NPS response of a site, merged from its days. */
export interface CustomerLedger {
  /** The first event of each `order_id` over every day, by journey, each list by time (then order id). */
  ordersByJourney: OrdersByJourney;
  /** NPS responses by time. */
  responses: LedgerResponse[];
}

function byTimeThenId(a: LedgerOrder, b: LedgerOrder): number {
  if (a.time !== b.time) return a.time - b.time;
  const x = a.orderId ?? '';
  const y = b.orderId ?? '';
  return x < y ? -1 : x > y ? 1 : a.journeyId < b.journeyId ? -1 : a.journeyId > b.journeyId ? 1 : 0;
}

/**
 * Merges the days' orders and responses. An `order_id` met on several days is the order of its
 * earliest event (metrics.md §7 "Orders are the first event of each order_id over the whole archive").
 */
export function buildLedger(
  days: readonly { orders: readonly LedgerOrder[]; responses: readonly LedgerResponse[] }[],
): CustomerLedger & {
  /** The orders by time (then order id). */
  orders: LedgerOrder[];
  ordersByJourney: Map<string, LedgerOrder[]>;
} {
  const firstById = new Map<string, LedgerOrder>();
  const orders: LedgerOrder[] = [];
  const responses: LedgerResponse[] = [];
  for (const day of days) {
    for (const order of day.orders) {
      if (order.orderId === undefined) {
        orders.push(order);
        continue;
      }
      const known = firstById.get(order.orderId);
      if (known === undefined || order.time < known.time) firstById.set(order.orderId, order);
    }
    for (const response of day.responses) responses.push(response);
  }
  // A loop, not push(...values): a spread of a million orders overflows the call stack.
  for (const order of firstById.values()) orders.push(order);
  orders.sort(byTimeThenId);
  responses.sort(
    (a, b) => a.time - b.time || (a.journeyId < b.journeyId ? -1 : a.journeyId > b.journeyId ? 1 : 0),
  );
  const ordersByJourney = new Map<string, LedgerOrder[]>();
  for (const order of orders) {
    const list = ordersByJourney.get(order.journeyId);
    if (list) list.push(order);
    else ordersByJourney.set(order.journeyId, [order]);
  }
  return { orders, ordersByJourney, responses };
}
