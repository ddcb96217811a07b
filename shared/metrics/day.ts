/**
 * The day context: everything the figures sections share for site S and day D, built once — the
 * de-duplicated events of D sorted by time with their journeys and sessions, the orders (with the
 * look-ahead into the following day), the carts, and per-name buckets of track events.
 */
import type { SiteConfig } from '../config/site';
import { ACTIVITY_TYPES, type EventType, type IdentityLinks, type NormalizedEvent } from '../events/types';
import { addDays, localDayBounds } from '../time';
import { deduplicate, type EarlierCopies } from './dedup';
import { parseInstant } from './instant';
import { channelOf, journeyIdOf, startsNewSession, touchpointOf } from './journeys';
import { convertedLineValue, convertedOrderValue } from './money';
import { idField } from './properties';

/** Track event names the figures read (metrics.md §4). */
export const EVENT_NAMES = {
  productViewed: 'Product Viewed',
  productAdded: 'Product Added',
  productRemoved: 'Product Removed',
  checkoutStarted: 'Checkout Started',
  orderCompleted: 'Order Completed',
  orderRefunded: 'Order Refunded',
  surveyResponded: 'Survey Responded',
  frictionEncountered: 'Friction Encountered',
  experimentViewed: 'Experiment Viewed',
} as const;

const HOUR_MS = 3_600_000;

const NO_TOUCHPOINTS: ReadonlyMap<string, number> = new Map();

/**
 * A de-duplicated event of day D with what every section needs. A day holds millions: what derives
 * from the event or its journey in a field read is a getter, so each one carries four fields.
 */
export class DayEvent {
  /** Index into `DayContext.sessions` for activity events; -1 for the others. */
  session = -1;

  constructor(
    readonly event: NormalizedEvent,
    /** Event time, epoch ms. */
    readonly time: number,
    readonly journey: JourneyDay,
  ) {}

  get journeyId(): string {
    return this.journey.id;
  }

  get type(): EventType {
    return this.event.type;
  }

  get touchpoint(): string | undefined {
    return touchpointOf(this.event);
  }

  get channel(): string {
    return channelOf(this.event);
  }

  /** Event name of a track event; undefined for the other types. */
  get name(): string | undefined {
    return this.event.type === 'track' ? this.event.event : undefined;
  }

  /** Activity event (metrics.md §2): counted in traffic and sessions. */
  get activity(): boolean {
    return ACTIVITY_TYPES.has(this.event.type);
  }
}

export interface Session {
  readonly journeyId: string;
  /** Activity events in the session. */
  events: number;
  /** Contains an `Order Completed` event. */
  hasOrder: boolean;
  /** Contains a `Friction Encountered` event. */
  hasFriction: boolean;
}

/**
 * An order (metrics.md §4 sales): the earliest `Order Completed` event of its `order_id` (time, then
 * archive order); an event without `order_id` is an order of its own.
 */
export interface Order {
  readonly orderId: string | undefined;
  readonly time: number;
  readonly journeyId: string;
  readonly cartId: string | undefined;
  /** Value in the site currency; null when its currency has no rate (left out of every money figure). */
  readonly value: number | null;
  /** The order's time falls on D (otherwise it is a look-ahead order of the window after D). */
  readonly inDay: boolean;
}

/** A refund: the earliest `Order Refunded` event of its `order_id`, de-duplicated like orders. */
export interface Refund {
  readonly orderId: string | undefined;
  readonly time: number;
  /** Value in the site currency by the order-value rule; null when its currency has no rate. */
  readonly value: number | null;
}

/** A cart of D (metrics.md §4 carts). */
export interface Cart {
  /** `cart:<cart_id>` or `journey:<journeyId>`. */
  readonly key: string;
  readonly cartId: string | undefined;
  /** Journey of the cart's first `Product Added` in D. */
  readonly journeyId: string;
  /** t0: time of its first `Product Added` in D. */
  readonly start: number;
  /** Σ line values (site currency) of its `Product Added` events in D. */
  readonly addedValue: number;
  /** Σ line values (site currency) of its `Product Removed` events in D. */
  readonly removedValue: number;
  /** An order of the cart in [t0, t0 + W] (look-ahead into D+1). */
  readonly converted: boolean;
}

export interface ChannelCount {
  readonly channel: string;
  events: number;
}

export interface JourneyDay {
  readonly id: string;
  /** Has an activity event in D: one of the "journeys of D". */
  active: boolean;
  /**
   * Earliest time in D of each touchpoint seen on the journey's events of D (any type). Replaced, not
   * changed, when one is added: most journeys meet none and share one empty map.
   */
  touchpoints: ReadonlyMap<string, number>;
  /** Indexes into `DayContext.sessions`, in time order. */
  readonly sessions: number[];
  /** Activity events per channel (metrics.md §2), in order of first use; a journey uses few. */
  readonly channels: ChannelCount[];
  /** Orders of D of this journey, by time. */
  readonly orders: Order[];
  /** Time of its first event of D (any type). */
  firstTime: number;
  /** Time of its latest activity event so far, while sessions are being cut. */
  lastActivityTime: number;
}

export interface DayContext {
  readonly config: SiteConfig;
  readonly date: string;
  /** [start, end) of D in epoch ms; 23, 24 or 25 hours. */
  readonly start: number;
  readonly end: number;
  /** Conversion window W in ms. */
  readonly windowMs: number;
  /** De-duplicated events of D (all types), sorted by time, then archive order. */
  readonly events: readonly DayEvent[];
  /** Track events of D by event name, each list in time order. */
  readonly tracks: ReadonlyMap<string, readonly DayEvent[]>;
  readonly sessions: readonly Session[];
  /** Every journey with an event of D (`active` marks the journeys of D). */
  readonly journeys: ReadonlyMap<string, JourneyDay>;
  /** Orders whose (first-event) time falls on D, by time. */
  readonly orders: readonly Order[];
  /** Orders with time in [start of D, end of D + W), by time, by journey: the look-ahead index. */
  readonly lookAheadOrdersByJourney: ReadonlyMap<string, readonly Order[]>;
  /** The same orders by `cart_id` (orders that carry one). */
  readonly lookAheadOrdersByCartId: ReadonlyMap<string, readonly Order[]>;
  /** Refunds whose (first-event) time falls on D. */
  readonly refunds: readonly Refund[];
  /** Carts created in D, by start time. */
  readonly carts: readonly Cart[];
  /** Dropped duplicate copies of the events of D. */
  readonly duplicates: number;
  /** Events of D received after the end of D + 1 day (site-local). */
  readonly lateEvents: number;
}

export interface DayContextInput {
  readonly config: SiteConfig;
  /** YYYY-MM-DD, site-local. */
  readonly date: string;
  /** Candidate events of any day (typically D and D+1), possibly with duplicates. */
  readonly events: readonly NormalizedEvent[];
  readonly links: IdentityLinks;
  /** Copies of message ids archived under the day before D (dedup.ts): they may be D's events' firsts. */
  readonly earlierCopies?: EarlierCopies;
  /**
   * Hourly alert rules (api.md "Alerts"): the figures of a part of D only, [start, end) in epoch ms —
   * the events whose time falls in it, and no look-ahead past its end (carts and checkouts convert
   * only within it).
   */
  readonly window?: { readonly start: number; readonly end: number };
  /** Only the events received by this instant (epoch ms): what an evaluation at that instant saw. */
  readonly receivedBy?: number;
}

interface Timed {
  readonly event: NormalizedEvent;
  readonly time: number;
  /** Position in the de-duplicated archive order. */
  readonly index: number;
}

/**
 * Whether `orders` (sorted by time) holds one in [from, to] (both inclusive) that satisfies `accept`.
 * Binary search to `from`, then a scan that stops at `to`.
 */
export function hasOrderInWindow(
  orders: readonly Order[] | undefined,
  from: number,
  to: number,
  accept: (order: Order) => boolean = () => true,
): boolean {
  if (orders === undefined) return false;
  let low = 0;
  let high = orders.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const order = orders[mid];
    if (order !== undefined && order.time < from) low = mid + 1;
    else high = mid;
  }
  for (let i = low; i < orders.length; i++) {
    const order = orders[i];
    if (order === undefined || order.time > to) break;
    if (accept(order)) return true;
  }
  return false;
}

/**
 * Cart conversion (metrics.md §4 carts): an order with time in [t0, t0 + W] such that the order's
 * `cart_id` equals the cart's, or the order has no `cart_id` and belongs to the cart's journey, or the
 * cart has no `cart_id` and the order belongs to its journey (whatever `cart_id` the order carries).
 */
export function isConverted(
  cart: Pick<Cart, 'cartId' | 'journeyId' | 'start'>,
  ordersByCartId: ReadonlyMap<string, readonly Order[]>,
  ordersByJourney: ReadonlyMap<string, readonly Order[]>,
  windowMs: number,
): boolean {
  const from = cart.start;
  const to = cart.start + windowMs;
  const journeyOrders = ordersByJourney.get(cart.journeyId);
  if (cart.cartId === undefined) return hasOrderInWindow(journeyOrders, from, to);
  return (
    hasOrderInWindow(ordersByCartId.get(cart.cartId), from, to) ||
    hasOrderInWindow(journeyOrders, from, to, (order) => order.cartId === undefined)
  );
}

/**
 * receivedAt ≥ the instant `limitMs` (ISO `limitIso`). Canonical `…sssZ` strings compare as text, which
 * spares a parse per event; anything else is parsed.
 */
function isReceivedAtOrAfter(receivedAt: string, limitMs: number, limitIso: string): boolean {
  if (receivedAt.length === 24 && receivedAt.charCodeAt(23) === 90 && limitIso.length === 24) {
    return receivedAt >= limitIso;
  }
  return parseInstant(receivedAt) >= limitMs;
}

const INDEX_SLOTS = 2 ** 25;

/**
 * Sorts events of one day by time, equal times in their current (archive) order. Each event becomes one
 * number, (time − day start) × 2^25 + position, exact in a double since a day is under 2^27 ms; a typed
 * array sorts a million of them several times faster than a comparator sort of objects.
 */
function sortByTimeStable(events: DayEvent[], start: number, end: number): void {
  if (events.length > INDEX_SLOTS || (end - start) * INDEX_SLOTS > Number.MAX_SAFE_INTEGER) {
    events.sort(byTime); // stable as well, just slower
    return;
  }
  const keys = new Float64Array(events.length);
  for (let i = 0; i < events.length; i++) keys[i] = ((events[i]?.time ?? start) - start) * INDEX_SLOTS + i;
  keys.sort();
  const original = events.slice();
  for (let i = 0; i < keys.length; i++) {
    const event = original[(keys[i] ?? 0) % INDEX_SLOTS];
    if (event !== undefined) events[i] = event;
  }
}

function countChannel(channels: ChannelCount[], channel: string): void {
  for (const count of channels) {
    if (count.channel === channel) {
      count.events++;
      return;
    }
  }
  channels.push({ channel, events: 1 });
}

function byTime<T extends { readonly time: number }>(a: T, b: T): number {
  return a.time - b.time;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** Earliest event per `order_id` (time, then archive order); events without one stand alone. */
class FirstByOrderId {
  private readonly first = new Map<string, Timed>();
  private readonly withoutId: Timed[] = [];

  /** Events must be added in archive order (`index` increasing). */
  add(event: NormalizedEvent, time: number, index: number): void {
    const orderId = idField(event.properties, 'order_id');
    if (orderId === undefined) {
      this.withoutId.push({ event, time, index });
      return;
    }
    const current = this.first.get(orderId);
    if (current === undefined || time < current.time) this.first.set(orderId, { event, time, index });
  }

  /** First events with time in [from, to), sorted by time, then archive order. */
  between(from: number, to: number): Timed[] {
    const result: Timed[] = [];
    for (const timed of this.first.values()) if (timed.time >= from && timed.time < to) result.push(timed);
    for (const timed of this.withoutId) if (timed.time >= from && timed.time < to) result.push(timed);
    return result.sort((a, b) => a.time - b.time || a.index - b.index);
  }
}

/**
 * Builds the day context in a few linear passes and one sort. Events whose time does not parse are
 * ignored. Events of other days serve only the order de-duplication (an order id's earliest event may
 * precede D) and the look-ahead of carts and checkouts.
 */
export function buildDayContext(input: DayContextInput): DayContext {
  const { config, date, links } = input;
  const { start, end } = input.window ?? localDayBounds(date, config.timezone);
  // "Received after D + 1 day": on a site-local day after D+1.
  const lateAfter = localDayBounds(addDays(date, 1), config.timezone).end;
  const lateAfterIso = new Date(lateAfter).toISOString();
  const windowMs = config.conversionWindowHours * HOUR_MS;
  const lookAheadEnd = input.window ? end : end + windowMs;
  const gapMinutes = config.sessionGapMinutes;

  const receivedBy = input.receivedBy;
  const candidates =
    receivedBy === undefined
      ? input.events
      : input.events.filter(
          (event) =>
            !isReceivedAtOrAfter(event.receivedAt, receivedBy + 1, new Date(receivedBy + 1).toISOString()),
        );
  const deduplicated = deduplicate(candidates, input.earlierCopies);
  const orderFirsts = new FirstByOrderId();
  const refundFirsts = new FirstByOrderId();
  const dayEvents: DayEvent[] = [];
  let duplicates = 0;
  let lateEvents = 0;

  // Journeys by id in archive order, for the lookups; `journeys` below lists them in time order.
  const journeysById = new Map<string, JourneyDay>();
  // Archive lines come in request batches, mostly of one journey: remember the last journey looked up.
  let lastJourney: JourneyDay | undefined;
  const kept = deduplicated.events;
  for (let index = 0; index < kept.length; index++) {
    const event = kept[index];
    if (event === undefined) continue;
    const time = parseInstant(event.timestamp);
    if (Number.isNaN(time)) continue;
    if (event.type === 'track') {
      if (event.event === EVENT_NAMES.orderCompleted) orderFirsts.add(event, time, index);
      else if (event.event === EVENT_NAMES.orderRefunded) refundFirsts.add(event, time, index);
    }
    if (time < start || time >= end) continue;
    if (isReceivedAtOrAfter(event.receivedAt, lateAfter, lateAfterIso)) lateEvents++;
    const journeyId = journeyIdOf(event, links);
    let journey = lastJourney?.id === journeyId ? lastJourney : journeysById.get(journeyId);
    if (journey === undefined) {
      journey = {
        id: journeyId,
        active: false,
        touchpoints: NO_TOUCHPOINTS,
        sessions: [],
        channels: [],
        orders: [],
        firstTime: Number.NaN,
        lastActivityTime: Number.NEGATIVE_INFINITY,
      };
      journeysById.set(journeyId, journey);
    }
    lastJourney = journey;
    dayEvents.push(new DayEvent(event, time, journey));
  }
  for (const [index, copies] of deduplicated.duplicateCounts) {
    const time = parseInstant(deduplicated.events[index]?.timestamp ?? '');
    if (time >= start && time < end) duplicates += copies;
  }
  sortByTimeStable(dayEvents, start, end);

  const sessions: Session[] = [];
  const tracks = new Map<string, DayEvent[]>();
  // Insertion order = time of each journey's first event, so every sum over journeys is independent of
  // the archive order (recomputing the same data gives the same figures, to the last bit).
  const journeys = new Map<string, JourneyDay>();
  for (const dayEvent of dayEvents) {
    const { journey, touchpoint, name } = dayEvent;
    if (Number.isNaN(journey.firstTime)) {
      journey.firstTime = dayEvent.time;
      journeys.set(journey.id, journey);
    }
    if (touchpoint !== undefined && !journey.touchpoints.has(touchpoint)) {
      journey.touchpoints = new Map(journey.touchpoints).set(touchpoint, dayEvent.time);
    }
    if (name !== undefined) pushTo(tracks, name, dayEvent);
    if (!dayEvent.activity) continue;

    journey.active = true;
    countChannel(journey.channels, dayEvent.channel);
    if (
      journey.sessions.length === 0 ||
      startsNewSession(journey.lastActivityTime, dayEvent.time, gapMinutes)
    ) {
      journey.sessions.push(sessions.length);
      sessions.push({ journeyId: journey.id, events: 0, hasOrder: false, hasFriction: false });
    }
    journey.lastActivityTime = dayEvent.time;
    const sessionIndex = journey.sessions[journey.sessions.length - 1] ?? -1;
    dayEvent.session = sessionIndex;
    const session = sessions[sessionIndex];
    if (session === undefined) continue;
    session.events++;
    if (name === EVENT_NAMES.orderCompleted) session.hasOrder = true;
    else if (name === EVENT_NAMES.frictionEncountered) session.hasFriction = true;
  }

  const orders: Order[] = [];
  const lookAheadOrdersByJourney = new Map<string, Order[]>();
  const lookAheadOrdersByCartId = new Map<string, Order[]>();
  for (const { event, time } of orderFirsts.between(start, lookAheadEnd)) {
    const order: Order = {
      orderId: idField(event.properties, 'order_id'),
      time,
      journeyId: journeyIdOf(event, links),
      cartId: idField(event.properties, 'cart_id'),
      value: convertedOrderValue(event, config),
      inDay: time < end,
    };
    pushTo(lookAheadOrdersByJourney, order.journeyId, order);
    if (order.cartId !== undefined) pushTo(lookAheadOrdersByCartId, order.cartId, order);
    if (!order.inDay) continue;
    orders.push(order);
    journeys.get(order.journeyId)?.orders.push(order);
  }

  const refunds: Refund[] = refundFirsts.between(start, end).map(({ event, time }) => ({
    orderId: idField(event.properties, 'order_id'),
    time,
    value: convertedOrderValue(event, config),
  }));

  const carts = buildCarts(tracks, config, (cart) =>
    isConverted(cart, lookAheadOrdersByCartId, lookAheadOrdersByJourney, windowMs),
  );

  return {
    config,
    date,
    start,
    end,
    windowMs,
    events: dayEvents,
    tracks,
    sessions,
    journeys,
    orders,
    lookAheadOrdersByJourney,
    lookAheadOrdersByCartId,
    refunds,
    carts,
    duplicates,
    lateEvents,
  };
}

/** Carts of D (metrics.md §4 carts): keyed by `cart_id`, else by journey; t0 = first `Product Added`. */
function buildCarts(
  tracks: ReadonlyMap<string, readonly DayEvent[]>,
  config: SiteConfig,
  converted: (cart: Pick<Cart, 'cartId' | 'journeyId' | 'start'>) => boolean,
): Cart[] {
  interface Building {
    cartId: string | undefined;
    journeyId: string;
    start: number;
    addedValue: number;
    removedValue: number;
  }
  // Two maps instead of `cart:<id>` / `journey:<id>` strings: no string built per event.
  const byCartId = new Map<string, Building>();
  const byJourney = new Map<string, Building>();
  const cartOf = (event: DayEvent) => {
    const cartId = idField(event.event.properties, 'cart_id');
    return cartId === undefined
      ? { map: byJourney, id: event.journeyId, cartId }
      : { map: byCartId, id: cartId, cartId };
  };
  for (const added of tracks.get(EVENT_NAMES.productAdded) ?? []) {
    const { map, id, cartId } = cartOf(added);
    let cart = map.get(id);
    if (cart === undefined) {
      cart = { cartId, journeyId: added.journeyId, start: added.time, addedValue: 0, removedValue: 0 };
      map.set(id, cart);
    }
    cart.addedValue += convertedLineValue(added.event, config);
  }
  for (const removed of tracks.get(EVENT_NAMES.productRemoved) ?? []) {
    const { map, id } = cartOf(removed);
    const cart = map.get(id);
    if (cart !== undefined) cart.removedValue += convertedLineValue(removed.event, config);
  }
  const carts: Cart[] = [];
  for (const cart of [...byCartId.values(), ...byJourney.values()]) {
    carts.push({
      key: cart.cartId === undefined ? `journey:${cart.journeyId}` : `cart:${cart.cartId}`,
      ...cart,
      converted: converted(cart),
    });
  }
  // By start time, then cart key: the order does not depend on which map a cart came from.
  return carts.sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
