/**
 * The customer ledger of the days before D, merged once (derived.ts `buildLedger`) and kept in columns,
 * so that each run of D adds only D's own part to it. Merging the days' parts cost an hourly run of a
 * site with a million orders seconds: a map of every order id, a sort of every order, a million
 * objects built and collected again.
 *
 * Exact, not an approximation: a day's part holds the first event of each `order_id` among its events,
 * by time, inside the day's bounds; so D's orders come after every order of the days before, and one
 * of D's orders is dropped exactly when its id is among theirs (metrics.md §7 "Orders are the first
 * event of each order_id over the whole archive"). The ids are kept sorted, as one string with offsets:
 * a run searches it for D's ids and turns no other id into a string of its own.
 */
import {
  buildLedger,
  type CustomerLedger,
  type LedgerOrder,
  type LedgerResponse,
  type OrdersByJourney,
} from './derived';
import type { NumberColumn } from './session-columns';

export interface LedgerBase {
  /** Journeys with an order, each once. */
  journeys: string[];
  /** The orders of `journeys[j]` are `[offsets[j], offsets[j + 1])`, by time then order id. */
  offsets: NumberColumn;
  time: NumberColumn;
  value: NumberColumn;
  /**
   * Every order id met on the days, ascending (by UTF-16 code units), joined: id k is
   * `ids.slice(idOffsets[k], idOffsets[k + 1])`.
   */
  ids: string;
  idOffsets: NumberColumn;
  /** NPS responses by time (then journey), as `buildLedger` orders them. */
  responseJourney: string[];
  responseTime: NumberColumn;
  responseScore: NumberColumn;
}

type LedgerPart = { orders: readonly LedgerOrder[]; responses: readonly LedgerResponse[] };

/** The merged ledger of `parts` (the days before D, any order), as columns. */
export function ledgerBaseOf(parts: readonly LedgerPart[]): LedgerBase {
  const merged = buildLedger(parts);
  const journeys: string[] = [];
  const offsets: number[] = [0];
  const time: number[] = [];
  const value: number[] = [];
  for (const [journey, orders] of merged.ordersByJourney) {
    journeys.push(journey);
    for (const order of orders) {
      time.push(order.time);
      value.push(order.value);
    }
    offsets.push(time.length);
  }
  const seen = new Set<string>();
  for (const part of parts)
    for (const order of part.orders) if (order.orderId !== undefined) seen.add(order.orderId);
  const ids = [...seen].sort();
  const idOffsets = new Int32Array(ids.length + 1);
  let length = 0;
  ids.forEach((id, k) => {
    length += id.length;
    idOffsets[k + 1] = length;
  });
  return {
    journeys,
    offsets: Int32Array.from(offsets),
    time: Float64Array.from(time),
    value: Float64Array.from(value),
    ids: ids.join(''),
    idOffsets,
    responseJourney: merged.responses.map((response) => response.journeyId),
    responseTime: Float64Array.from(merged.responses, (response) => response.time),
    responseScore: Float64Array.from(merged.responses, (response) => response.score),
  };
}

/** Whether `id` is one of the base's order ids. */
function hasOrderId(base: LedgerBase, id: string): boolean {
  const idAt = (k: number) => base.ids.slice(base.idOffsets[k] ?? 0, base.idOffsets[k + 1] ?? 0);
  let low = 0;
  let high = base.idOffsets.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (idAt(mid) < id) low = mid + 1;
    else high = mid;
  }
  return low < base.idOffsets.length - 1 && idAt(low) === id;
}

/** An empty base: a site's first day. */
export const EMPTY_LEDGER_BASE: LedgerBase = ledgerBaseOf([]);

/**
 * The base's orders by journey, with D's own merged in, read from the columns as they are asked for.
 * A list of objects per journey for the whole ledger (a million orders) was most of what merging it
 * cost an hourly run, and old-generation garbage after; a walk over every customer (the customers
 * section) now builds each list and drops it.
 */
class BaseAndDayOrders implements OrdersByJourney {
  private index: Map<string, number> | undefined;

  constructor(
    private readonly base: LedgerBase,
    private readonly own: ReadonlyMap<string, readonly LedgerOrder[]>,
  ) {}

  get(journeyId: string): readonly LedgerOrder[] | undefined {
    if (this.index === undefined) {
      const index = new Map<string, number>();
      this.base.journeys.forEach((journey, j) => {
        index.set(journey, j);
      });
      this.index = index;
    }
    const j = this.index.get(journeyId);
    const own = this.own.get(journeyId);
    return j === undefined ? own : this.merged(j, journeyId, own);
  }

  *values(): Iterable<readonly LedgerOrder[]> {
    const { journeys } = this.base;
    for (let j = 0; j < journeys.length; j += 1) {
      const journeyId = journeys[j] ?? '';
      yield this.merged(j, journeyId, this.own.get(journeyId));
    }
    const inBase = this.index ?? new Set(journeys);
    for (const [journeyId, orders] of this.own) if (!inBase.has(journeyId)) yield orders;
  }

  /** Journey `j`'s orders of the base, then D's (which come after every order of the days before). */
  private merged(j: number, journeyId: string, own: readonly LedgerOrder[] | undefined): LedgerOrder[] {
    const { offsets, time, value } = this.base;
    const orders: LedgerOrder[] = [];
    for (let k = offsets[j] ?? 0; k < (offsets[j + 1] ?? 0); k += 1)
      orders.push({ journeyId, time: time[k] ?? 0, value: value[k] ?? 0 });
    if (own !== undefined) for (const order of own) orders.push(order);
    return orders;
  }
}

/**
 * The customer ledger of the base's days and D's part: the same as `buildLedger` of all the parts
 * (each part's orders inside its own day, D after the base's days), journeys in the same order.
 */
export function customerLedgerOf(base: LedgerBase, day: LedgerPart): CustomerLedger {
  const own = buildLedger([
    {
      orders: day.orders.filter((order) => order.orderId === undefined || !hasOrderId(base, order.orderId)),
      responses: day.responses,
    },
  ]);
  const responses: LedgerResponse[] = [];
  for (let k = 0; k < base.responseJourney.length; k += 1)
    responses.push({
      journeyId: base.responseJourney[k] ?? '',
      time: base.responseTime[k] ?? 0,
      score: base.responseScore[k] ?? 0,
    });
  for (const response of own.responses) responses.push(response);
  return { ordersByJourney: new BaseAndDayOrders(base, own.ordersByJourney), responses };
}
