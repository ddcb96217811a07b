/**
 * Simulated shop traffic for demos, tests and benchmarks: deterministic (seeded) Segment-spec messages
 * for realistic journeys — anonymous visitors who identify at checkout, several channels and
 * touchpoints, carts with and without cart_id, orders in two currencies, surveys, friction, an A/B
 * experiment, duplicates and late deliveries — and an optional incident day. Pure: no I/O, no clock.
 */
import type { SiteConfig } from '../config/site';
import type { JsonObject } from '../events/types';
import { addDays, datesBetween, isIsoDate, localDate, localDayBounds } from '../time';
import { type Random, seededRandom } from './random';

export const INCIDENT_KINDS = ['checkout-outage'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export interface Incident {
  /** Site-local day of the incident. */
  date: string;
  /** `checkout-outage`: payments fail for the whole day, visitors give up, half the visitors come, so event volume falls below half of a normal day whatever the weekday. */
  kind: IncidentKind;
}

export interface TrafficOptions {
  config: SiteConfig;
  /** Number of days, ending with `endDate`. */
  days: number;
  /** Last simulated day, YYYY-MM-DD site-local. */
  endDate: string;
  seed: number | string;
  incident?: Incident;
  /** Multiplies the visitors of every day; 1 ≈ 2,000 activity events on a normal day. */
  scale?: number;
  /** Messages whose event time is after this instant (epoch ms) are left out: no simulated future. */
  notAfterMs?: number;
}

/** A Segment-spec message, as a client library sends it. */
export interface SegmentMessage {
  type: 'track' | 'page' | 'screen' | 'identify' | 'alias';
  messageId: string;
  /** Event time, ISO 8601 UTC. */
  timestamp: string;
  anonymousId?: string;
  userId?: string;
  previousId?: string;
  event?: string;
  name?: string;
  properties?: JsonObject;
  traits?: JsonObject;
  context?: JsonObject;
}

/** Why a message is in the stream beyond the journey itself. */
export type MessageTag = 'duplicate' | 'late' | 'repeated-order';

export interface SimulatedMessage {
  message: SegmentMessage;
  /** When the client delivers it (epoch ms): a few seconds after the event, days later for late events. */
  deliverAtMs: number;
  /** Site-local day of the event time. */
  date: string;
  tag?: MessageTag;
}

export interface SimulatedDay {
  date: string;
  incident: boolean;
  /** Visitors who started a visit on the day. */
  visitors: number;
  /** Messages whose event time falls on the day (duplicates included). */
  messages: number;
}

export interface SimulatedTraffic {
  /** In delivery order. */
  messages: SimulatedMessage[];
  days: SimulatedDay[];
  counts: { messages: number; duplicates: number; late: number; repeatedOrders: number };
}

/* ------------------------------------------------------------------------------------------ catalog */

interface Product {
  product_id: string;
  sku: string;
  name: string;
  category: string;
  price: number;
}

const CATEGORIES: readonly (readonly [string, readonly string[], number, number])[] = [
  ['apparel', ['Linen Shirt', 'Merino Sweater', 'Rain Jacket', 'Chino Trousers', 'Denim Jacket'], 35, 160],
  ['shoes', ['Trail Runner', 'Leather Loafer', 'Canvas Sneaker', 'Chelsea Boot'], 60, 180],
  ['accessories', ['Wool Scarf', 'Leather Belt', 'Canvas Tote', 'Sunglasses'], 15, 90],
  ['home', ['Linen Throw', 'Ceramic Mug Set', 'Scented Candle', 'Oak Serving Board'], 18, 120],
];

function catalogOf(random: Random): Product[] {
  const products: Product[] = [];
  for (const [category, names, low, high] of CATEGORIES) {
    for (const name of names) {
      for (const variant of ['', ' II']) {
        const id = `${category.slice(0, 3)}-${products.length + 101}`;
        products.push({
          product_id: id,
          sku: `SKU-${id.toUpperCase()}`,
          name: `${name}${variant}`,
          category,
          price: Math.round(random.between(low, high)) - 0.01,
        });
      }
    }
  }
  return products;
}

/* ------------------------------------------------------------------------------------------ people */

type Channel = 'web' | 'app' | 'store' | 'support';

interface KnownUser {
  userId: string;
  email: string;
  webAnonymousId: string;
  appAnonymousId: string;
}

interface Employee {
  userId: string;
  team: string;
}

const USER_POOL = 1200;

function knownUsersOf(random: Random): KnownUser[] {
  return Array.from({ length: USER_POOL }, (_, index) => ({
    userId: `usr_${random.hex(10)}`,
    email: `customer${index + 1}@mail.example`,
    webAnonymousId: random.uuid(),
    appAnonymousId: random.uuid(),
  }));
}

function employeesOf(config: SiteConfig, random: Random): Employee[] {
  const teams = [...new Set(Object.values(config.touchpoints).flatMap((t) => (t.team ? [t.team] : [])))];
  if (teams.length === 0) teams.push('support');
  teams.push('warehouse');
  return Array.from({ length: 36 }, (_, index) => ({
    userId: `emp_${String(index + 1).padStart(3, '0')}_${random.hex(4)}`,
    team: teams[index % teams.length] ?? 'support',
  }));
}

/* ------------------------------------------------------------------------------------------ days */

/** Visitors of a normal weekday at scale 1. */
const BASE_VISITORS = 300;
/** Relative traffic by site-local hour: quiet nights, a lunch peak and an evening peak. */
const HOUR_WEIGHTS = [
  1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 4, 4.5, 5, 6, 6, 5, 4.5, 4.5, 5, 6, 7, 7.5, 6.5, 4.5, 2.5,
].map((weight, hour) => [hour, weight] as const);
/** Sunday first, as Date.getUTCDay counts. */
const WEEKDAY_FACTORS = [1.12, 0.94, 0.97, 1, 1, 1.05, 1.15];

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const LOCALES = ['it-IT', 'it-IT', 'it-IT', 'en-GB', 'de-DE', 'fr-FR', 'en-US'];
const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
];

/** Touchpoints the simulator knows how to stage; configured touchpoints it does not know get a generic event. */
const KNOWN_TOUCHPOINTS = ['live_chat', 'size_guide', 'store_pickup', 'product_video', 'email_campaign'];

interface Shared {
  config: SiteConfig;
  catalog: Product[];
  users: KnownUser[];
  employees: Employee[];
  /** The second currency (one with a rate in the config), if the site has one. */
  foreignCurrency: { code: string; rate: number } | undefined;
  /** Configured touchpoints the simulator has no scenario for. */
  otherTouchpoints: string[];
  hasTouchpoint: (name: string) => boolean;
}

interface DayPlan {
  date: string;
  start: number;
  end: number;
  incident: Incident | undefined;
}

interface CartLine {
  product: Product;
  quantity: number;
  price: number;
}

interface Visit {
  anonymousId: string;
  userId: string | undefined;
  email: string;
  channel: Channel;
  context: JsonObject;
  currency: string;
  /** Multiplies amounts given in the site currency. */
  toCurrency: number;
  touchpoints: Set<string>;
  /** Events of this visitor are delivered days later (an app used offline). */
  offline: boolean;
  time: number;
}

/** Collects the messages of one generated day and decides their delivery, duplicates and tags. */
class Emitter {
  readonly messages: SimulatedMessage[] = [];
  /** Steady streams for the decisions the headline rates rest on (see Random.steady). */
  readonly adds: () => number;
  readonly checkouts: () => number;
  readonly orders: () => number;
  readonly surveys: () => number;
  constructor(
    private readonly random: Random,
    private readonly timezone: string,
  ) {
    this.adds = random.steady();
    this.checkouts = random.steady();
    this.orders = random.steady();
    this.surveys = random.steady();
  }

  emit(
    visit: Visit | undefined,
    time: number,
    message: Omit<SegmentMessage, 'messageId' | 'timestamp'>,
  ): string {
    const full: SegmentMessage = {
      ...message,
      messageId: this.random.uuid(),
      timestamp: new Date(time).toISOString(),
    };
    const late = visit?.offline === true;
    const deliverAtMs = late
      ? time + Math.round(this.random.between(1, 3) * DAY)
      : time + Math.round(this.random.between(0.2, 20) * 1000);
    const date = localDate(time, this.timezone);
    this.messages.push({ message: full, deliverAtMs, date, ...(late ? { tag: 'late' as const } : {}) });
    // A client that did not see the first acknowledgement sends the same message again.
    if (this.random.chance(0.012)) {
      this.messages.push({
        message: full,
        deliverAtMs: deliverAtMs + Math.round(this.random.between(5, 600) * 1000),
        date,
        tag: 'duplicate',
      });
    }
    return full.messageId;
  }

  /** The same order sent twice (a thank-you page reloaded): a new messageId with the same order_id. */
  tagLast(tag: MessageTag): void {
    const last = this.messages[this.messages.length - 1];
    if (last && last.tag === undefined) last.tag = tag;
  }
}

/** The item whose cumulative weight range holds `roll` (in [0, 1)). */
function weightedBy<T>(roll: number, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((sum, [, weight]) => sum + weight, 0);
  let left = roll * total;
  for (const [item, weight] of items) {
    left -= weight;
    if (left < 0) return item;
  }
  const last = items[items.length - 1];
  if (!last) throw new Error('weighted pick from an empty list');
  return last[0];
}

function identityOf(visit: Visit): { anonymousId: string; userId?: string } {
  return visit.userId
    ? { anonymousId: visit.anonymousId, userId: visit.userId }
    : { anonymousId: visit.anonymousId };
}

function money(value: number): number {
  return Math.round(value * 100) / 100;
}

/** One simulated site-local day: visits that start on it (their later steps may fall on later days). */
function simulateDay(
  shared: Shared,
  plan: DayPlan,
  random: Random,
  scale: number,
): { emitter: Emitter; visitors: number } {
  const { config } = shared;
  const emitter = new Emitter(random, config.timezone);
  const outage = plan.incident?.kind === 'checkout-outage';
  const weekday = new Date(`${plan.date}T12:00:00Z`).getUTCDay();
  const visitors = Math.round(
    BASE_VISITORS * scale * (WEEKDAY_FACTORS[weekday] ?? 1) * random.between(0.95, 1.05) * (outage ? 0.5 : 1),
  );

  for (let index = 0; index < visitors; index++) {
    const hour = random.weighted(HOUR_WEIGHTS);
    const start = Math.min(plan.start + hour * HOUR + random.next() * HOUR, plan.end - 5 * MINUTE);
    simulateVisitor(shared, emitter, random, start, outage);
  }
  simulateEmployeeSurveys(shared, emitter, random, plan, weekday);
  return { emitter, visitors };
}

function newVisit(shared: Shared, random: Random, start: number): Visit {
  const channel = random.weighted<Channel>([
    ['web', 0.6],
    ['app', 0.27],
    ['store', shared.hasTouchpoint('store_pickup') ? 0.07 : 0],
    ['support', shared.hasTouchpoint('live_chat') ? 0.06 : 0],
  ]);
  const returning = random.chance(0.3);
  const known = returning ? random.pick(shared.users) : undefined;
  const foreign = shared.foreignCurrency && random.chance(0.14) ? shared.foreignCurrency : undefined;
  const locale = foreign ? 'en-US' : random.pick(LOCALES);
  const context: JsonObject =
    channel === 'app'
      ? {
          channel,
          app: { name: appNameOf(shared), version: random.pick(['4.2.0', '4.2.1', '4.3.0']) },
          device: { type: random.pick(['ios', 'android']) },
          locale,
        }
      : channel === 'web'
        ? { channel, userAgent: random.pick(USER_AGENTS), locale, ip: `203.0.113.${random.int(1, 254)}` }
        : { channel, locale };
  if (random.chance(0.08)) {
    // Arrived from a newsletter: an unconfigured touchpoint carried in the context.
    context.touchpoint = 'email_campaign';
    context.campaign = { source: 'newsletter', medium: 'email', name: 'autumn-edit' };
  }
  return {
    anonymousId: known ? (channel === 'app' ? known.appAnonymousId : known.webAnonymousId) : random.uuid(),
    userId: known?.userId,
    email: known?.email ?? `visitor-${random.hex(8)}@mail.example`,
    channel,
    context,
    currency: foreign?.code ?? shared.config.currency,
    toCurrency: foreign ? 1 / foreign.rate : 1,
    touchpoints: new Set(context.touchpoint === 'email_campaign' ? ['email_campaign'] : []),
    offline: channel === 'app' && random.chance(0.04),
    time: start,
  };
}

function appNameOf(shared: Shared): string {
  return shared.config.name || shared.config.site;
}

/** Advances the visit's clock by a human pause between two steps. */
function step(visit: Visit, random: Random, minSeconds = 15, maxSeconds = 150): number {
  visit.time += Math.round(random.between(minSeconds, maxSeconds) * 1000);
  return visit.time;
}

function view(emitter: Emitter, visit: Visit, name: string, properties: JsonObject): void {
  const message =
    visit.channel === 'app'
      ? { type: 'screen' as const, name, properties }
      : { type: 'page' as const, name, properties };
  emitter.emit(visit, visit.time, { ...message, ...identityOf(visit), context: visit.context });
}

function track(
  emitter: Emitter,
  visit: Visit,
  event: string,
  properties: JsonObject,
  context: JsonObject = visit.context,
): string {
  return emitter.emit(visit, visit.time, { type: 'track', event, properties, ...identityOf(visit), context });
}

function productProperties(visit: Visit, product: Product, extra: JsonObject = {}): JsonObject {
  return {
    product_id: product.product_id,
    sku: product.sku,
    name: product.name,
    category: product.category,
    price: money(product.price * visit.toCurrency),
    currency: visit.currency,
    ...extra,
  };
}

function identify(emitter: Emitter, random: Random, visit: Visit): void {
  if (visit.userId) return;
  visit.userId = `usr_${random.hex(10)}`;
  if (visit.channel === 'app' && random.chance(0.5)) {
    // Mobile SDKs call alias when an anonymous install signs up.
    emitter.emit(visit, visit.time, {
      type: 'alias',
      previousId: visit.anonymousId,
      userId: visit.userId,
      context: visit.context,
    });
    step(visit, random, 1, 3);
  }
  emitter.emit(visit, visit.time, {
    type: 'identify',
    ...identityOf(visit),
    traits: { email: visit.email, newsletter: random.chance(0.4), plan: 'customer' },
    context: visit.context,
  });
}

function npsScore(random: Random, mood: 'happy' | 'neutral' | 'angry', roll: () => number): number {
  const band = weightedBy<'promoter' | 'passive' | 'detractor'>(
    roll(),
    mood === 'happy'
      ? [
          ['promoter', 0.55],
          ['passive', 0.4],
          ['detractor', 0.05],
        ]
      : mood === 'neutral'
        ? [
            ['promoter', 0.36],
            ['passive', 0.54],
            ['detractor', 0.1],
          ]
        : [
            ['promoter', 0.08],
            ['passive', 0.22],
            ['detractor', 0.7],
          ],
  );
  return band === 'promoter' ? random.int(9, 10) : band === 'passive' ? random.int(7, 8) : random.int(0, 6);
}

function survey(emitter: Emitter, visit: Visit, kind: string, score: number, touchpoint?: string): void {
  track(emitter, visit, 'Survey Responded', {
    survey: kind,
    score,
    ...(touchpoint ? { touchpoint } : {}),
  });
}

function friction(emitter: Emitter, visit: Visit, kind: string, touchpoint?: string): void {
  track(emitter, visit, 'Friction Encountered', { kind, ...(touchpoint ? { touchpoint } : {}) });
}

function simulateVisitor(
  shared: Shared,
  emitter: Emitter,
  random: Random,
  start: number,
  outage: boolean,
): void {
  const visit = newVisit(shared, random, start);
  const { catalog } = shared;

  if (visit.userId) {
    // A returning customer signs in: the identify links this device to the known user.
    emitter.emit(visit, visit.time, {
      type: 'identify',
      ...identityOf(visit),
      traits: { email: visit.email, plan: 'customer' },
      context: visit.context,
    });
    step(visit, random, 1, 5);
  }

  // Customer service first: a support conversation, sometimes the only thing a journey does today.
  if (visit.channel === 'support' || (visit.channel === 'web' && random.chance(0.08))) {
    engageLiveChat(shared, emitter, random, visit, outage);
    if (visit.channel === 'support' && random.chance(0.5)) return;
    visit.channel = 'web';
    visit.context = { ...visit.context, channel: 'web' };
  }

  if (visit.channel !== 'store') {
    view(emitter, visit, 'Home', { path: '/', title: 'Home' });
    step(visit, random);
  }
  // A broken site loses people on the first page.
  if (random.chance(outage ? 0.22 : 0.12)) return;

  const interest = random.weighted<'browse' | 'shop'>([
    ['browse', 0.35],
    ['shop', 0.65],
  ]);
  const category = random.pick(CATEGORIES)[0];
  const candidates = catalog.filter((product) => product.category === category);
  const viewed: Product[] = [];
  const views = outage ? random.int(1, 2) : random.int(1, interest === 'shop' ? 5 : 3);
  let addBoost = 1;
  for (let i = 0; i < views; i++) {
    const product = random.pick(candidates);
    viewed.push(product);
    if (visit.channel === 'web') {
      view(emitter, visit, 'Product', { path: `/p/${product.product_id}`, title: product.name });
      step(visit, random, 2, 10);
    }
    track(emitter, visit, 'Product Viewed', productProperties(visit, product));
    step(visit, random);
    if (product.category === 'apparel' || product.category === 'shoes') {
      if (shared.hasTouchpoint('size_guide') && visit.channel !== 'store' && random.chance(0.22)) {
        track(emitter, visit, 'Size Guide Viewed', {
          touchpoint: 'size_guide',
          product_id: product.product_id,
        });
        visit.touchpoints.add('size_guide');
        addBoost *= 1.25;
        step(visit, random);
        if (random.chance(0.05)) friction(emitter, visit, 'size_unavailable', 'size_guide');
      }
    }
    if (random.chance(0.07)) {
      // An unconfigured touchpoint: counted in attribution, not in ROX.
      track(emitter, visit, 'Product Video Played', {
        touchpoint: 'product_video',
        product_id: product.product_id,
        seconds: random.int(5, 90),
      });
      visit.touchpoints.add('product_video');
      addBoost *= 1.1;
      step(visit, random);
    }
  }
  for (const touchpoint of shared.otherTouchpoints) {
    if (random.chance(0.08)) {
      track(emitter, visit, 'Touchpoint Engaged', { touchpoint });
      visit.touchpoints.add(touchpoint);
      addBoost *= 1.15;
      step(visit, random);
    }
  }
  if (!outage && random.chance(0.035)) {
    friction(emitter, visit, random.pick(['slow_page', 'out_of_stock', 'search_no_results']));
    addBoost *= 0.7;
    step(visit, random);
  }

  const addProbability = Math.min(0.92, (interest === 'shop' ? 0.54 : 0.18) * addBoost * (outage ? 0.8 : 1));
  if (emitter.adds() >= addProbability) {
    if (random.chance(outage ? 0.12 : 0.3)) {
      survey(emitter, visit, 'nps', npsScore(random, outage ? 'angry' : 'neutral', emitter.surveys));
    }
    maybeSecondSession(emitter, random, visit, viewed, outage);
    return;
  }
  shopCart(shared, emitter, random, visit, viewed, outage);
}

function engageLiveChat(
  shared: Shared,
  emitter: Emitter,
  random: Random,
  visit: Visit,
  outage: boolean,
): void {
  if (!shared.hasTouchpoint('live_chat')) return;
  const chatContext = { ...visit.context, channel: 'support' };
  track(
    emitter,
    visit,
    'Chat Started',
    { touchpoint: 'live_chat', topic: random.pick(['sizing', 'delivery', 'returns', 'payment']) },
    chatContext,
  );
  visit.touchpoints.add('live_chat');
  step(visit, random, 60, 600);
  if (random.chance(outage ? 0.3 : 0.06)) friction(emitter, visit, 'chat_wait', 'live_chat');
  track(
    emitter,
    visit,
    'Chat Ended',
    { touchpoint: 'live_chat', resolved: random.chance(outage ? 0.4 : 0.85) },
    chatContext,
  );
  if (random.chance(0.45)) {
    step(visit, random, 5, 60);
    const ces = outage
      ? random.int(1, 4)
      : random.weighted([
          [7, 3],
          [6, 4],
          [5, 3],
          [4, 1.5],
          [3, 0.8],
          [2, 0.4],
          [1, 0.3],
        ] as const);
    emitter.emit(visit, visit.time, {
      type: 'track',
      event: 'Survey Responded',
      properties: { survey: 'ces', score: ces, touchpoint: 'live_chat' },
      ...identityOf(visit),
      context: chatContext,
    });
  }
  step(visit, random);
}

function maybeSecondSession(
  emitter: Emitter,
  random: Random,
  visit: Visit,
  viewed: readonly Product[],
  outage: boolean,
): void {
  if (outage || viewed.length === 0 || !random.chance(0.12)) return;
  visit.time += Math.round(random.between(45, 240) * MINUTE);
  const product = random.pick(viewed);
  view(emitter, visit, 'Product', { path: `/p/${product.product_id}`, title: product.name });
  step(visit, random, 2, 10);
  track(emitter, visit, 'Product Viewed', productProperties(visit, product));
}

function shopCart(
  shared: Shared,
  emitter: Emitter,
  random: Random,
  visit: Visit,
  viewed: readonly Product[],
  outage: boolean,
): void {
  // Carts with an id (web and app carts) and without one (store associates, older app versions).
  const cartId = visit.channel !== 'store' && random.chance(0.78) ? `cart_${random.hex(12)}` : undefined;
  const lines: CartLine[] = [];
  const distinct = [...new Set(viewed)];
  const additions = Math.min(
    distinct.length,
    random.weighted([
      [1, 6],
      [2, 3],
      [3, 1],
    ] as const),
  );
  for (let i = 0; i < additions; i++) {
    const product = distinct[i];
    if (!product) break;
    const quantity = random.weighted([
      [1, 8],
      [2, 2],
    ] as const);
    const line = { product, quantity, price: money(product.price * visit.toCurrency) };
    lines.push(line);
    track(
      emitter,
      visit,
      'Product Added',
      productProperties(visit, product, { quantity, ...(cartId ? { cart_id: cartId } : {}) }),
    );
    step(visit, random);
  }
  if (lines.length > 1 && random.chance(0.2)) {
    const removed = lines.pop();
    if (removed) {
      track(
        emitter,
        visit,
        'Product Removed',
        productProperties(visit, removed.product, {
          quantity: removed.quantity,
          ...(cartId ? { cart_id: cartId } : {}),
        }),
      );
      step(visit, random);
    }
  }

  let orderBoost = 1;
  for (const touchpoint of visit.touchpoints) {
    orderBoost *= touchpoint === 'live_chat' ? 1.7 : touchpoint === 'size_guide' ? 1.12 : 1.05;
  }
  let variation: string | undefined;
  if (visit.channel === 'web' || visit.channel === 'app') {
    variation = random.chance(0.5) ? 'a' : 'b';
    track(emitter, visit, 'Experiment Viewed', {
      experiment_id: 'checkout-v2',
      experiment_name: 'One-page checkout',
      variation_id: variation,
    });
    step(visit, random, 2, 20);
    // The new checkout helps a little.
    if (variation === 'b') orderBoost *= 1.08;
  }

  if (!visit.userId && random.chance(0.1)) {
    identify(emitter, random, visit);
    step(visit, random, 1, 5);
  }
  const checkoutProbability = Math.min(0.95, 0.44 * Math.sqrt(orderBoost));
  if (emitter.checkouts() >= checkoutProbability) {
    afterAbandonedCart(emitter, random, visit, lines, cartId, outage);
    return;
  }
  identify(emitter, random, visit);
  step(visit, random, 1, 5);
  const value = lines.reduce((sum, line) => sum + line.price * line.quantity, 0);
  track(emitter, visit, 'Checkout Started', {
    ...(cartId ? { cart_id: cartId } : {}),
    value: money(value),
    currency: visit.currency,
  });
  step(visit, random, 30, 240);

  let pickup = false;
  if (shared.hasTouchpoint('store_pickup') && (visit.channel === 'store' || random.chance(0.18))) {
    track(
      emitter,
      visit,
      'Store Pickup Selected',
      { touchpoint: 'store_pickup', store_id: random.pick(['milano-duomo', 'roma-centro', 'torino-po']) },
      { ...visit.context, channel: 'store' },
    );
    visit.touchpoints.add('store_pickup');
    pickup = true;
    orderBoost *= 1.15;
    step(visit, random, 10, 60);
  }

  if (outage) {
    // The payment provider is down: every attempt fails, a few retry, almost nobody gets through.
    friction(emitter, visit, 'payment_error');
    step(visit, random, 20, 90);
    if (random.chance(0.35)) {
      track(emitter, visit, 'Checkout Started', {
        ...(cartId ? { cart_id: cartId } : {}),
        value: money(value),
        currency: visit.currency,
      });
      step(visit, random, 20, 90);
      friction(emitter, visit, 'payment_error');
    }
    if (random.chance(0.3)) {
      step(visit, random, 60, 600);
      survey(emitter, visit, 'nps', npsScore(random, 'angry', emitter.surveys));
    }
    if (!random.chance(0.02)) {
      afterAbandonedCart(emitter, random, visit, lines, cartId, outage);
      return;
    }
  } else {
    if (random.chance(0.04)) {
      friction(emitter, visit, random.pick(['payment_error', 'form_error', 'address_invalid']));
      orderBoost *= 0.6;
      step(visit, random);
    }
    if (emitter.orders() >= Math.min(0.97, 0.52 * orderBoost)) {
      afterAbandonedCart(emitter, random, visit, lines, cartId, outage);
      return;
    }
  }
  completeOrder(emitter, random, visit, lines, cartId, pickup, value);
}

function completeOrder(
  emitter: Emitter,
  random: Random,
  visit: Visit,
  lines: readonly CartLine[],
  cartId: string | undefined,
  pickup: boolean,
  value: number,
): void {
  const shipping = pickup ? 0 : value >= 80 * visit.toCurrency ? 0 : money(4.9 * visit.toCurrency);
  const orderId = `ord_${random.hex(10)}`;
  const properties: JsonObject = {
    order_id: orderId,
    // Most orders carry the cart id; some integrations leave it out (then the journey matches).
    ...(cartId && random.chance(0.9) ? { cart_id: cartId } : {}),
    revenue: money(value + shipping),
    shipping,
    currency: visit.currency,
    products: lines.map((line) => ({
      product_id: line.product.product_id,
      sku: line.product.sku,
      price: line.price,
      quantity: line.quantity,
    })),
    shipping_method: pickup ? 'store_pickup' : 'courier',
  };
  track(emitter, visit, 'Order Completed', properties);
  if (random.chance(0.02)) {
    // The thank-you page reloaded: the same order id again, a new messageId.
    visit.time += Math.round(random.between(30, 300) * 1000);
    track(emitter, visit, 'Order Completed', properties);
    emitter.tagLast('repeated-order');
  }
  if (random.chance(0.015)) {
    const refundAt = visit.time + Math.round(random.between(1, 4) * DAY);
    emitter.emit(visit, refundAt, {
      type: 'track',
      event: 'Order Refunded',
      properties: { order_id: orderId, revenue: properties.revenue, currency: visit.currency },
      ...identityOf(visit),
      context: visit.context,
    });
  }
  const mood = visit.touchpoints.has('live_chat') || pickup ? 'happy' : 'neutral';
  if (random.chance(0.6)) {
    visit.time += Math.round(random.between(20, 120) * MINUTE);
    const touchpoint = [...visit.touchpoints][0];
    survey(emitter, visit, 'nps', npsScore(random, mood, emitter.surveys), touchpoint);
  }
  if (pickup && random.chance(0.6)) {
    visit.time += Math.round(random.between(2, 6) * HOUR);
    emitter.emit(visit, visit.time, {
      type: 'track',
      event: 'Survey Responded',
      properties: {
        survey: 'csat',
        score: random.weighted([
          [5, 5],
          [4, 3],
          [3, 1],
          [2, 0.5],
          [1, 0.3],
        ] as const),
        touchpoint: 'store_pickup',
      },
      ...identityOf(visit),
      context: { ...visit.context, channel: 'store' },
    });
  }
}

/** Some abandoned carts come back: later the same day, or the next day with the same cart. */
function afterAbandonedCart(
  emitter: Emitter,
  random: Random,
  visit: Visit,
  lines: readonly CartLine[],
  cartId: string | undefined,
  outage: boolean,
): void {
  if (!outage && random.chance(0.15)) {
    visit.time += Math.round(random.between(10, 60) * MINUTE);
    survey(emitter, visit, 'nps', npsScore(random, 'neutral', emitter.surveys));
  }
  const returns = random.chance(outage ? 0.05 : 0.06);
  if (!returns || lines.length === 0) return;
  const value = lines.reduce((sum, line) => sum + line.price * line.quantity, 0);
  visit.time += outage ? Math.round(random.between(14, 20) * HOUR) : Math.round(random.between(1, 20) * HOUR);
  identify(emitter, random, visit);
  step(visit, random, 1, 5);
  track(emitter, visit, 'Checkout Started', {
    ...(cartId ? { cart_id: cartId } : {}),
    value: money(value),
    currency: visit.currency,
  });
  step(visit, random, 30, 240);
  completeOrder(emitter, random, visit, lines, cartId, false, value);
}

function simulateEmployeeSurveys(
  shared: Shared,
  emitter: Emitter,
  random: Random,
  plan: DayPlan,
  weekday: number,
): void {
  const responses = weekday === 0 ? random.int(0, 1) : random.int(2, 6);
  for (let i = 0; i < responses; i++) {
    const employee = random.pick(shared.employees);
    const time = plan.start + random.between(9, 18) * HOUR;
    const mood = plan.incident ? (employee.team === 'support' ? 'angry' : 'neutral') : 'neutral';
    emitter.emit(undefined, time, {
      type: 'track',
      event: 'Survey Responded',
      userId: employee.userId,
      properties: { survey: 'enps', score: npsScore(random, mood, emitter.surveys), team: employee.team },
      context: { channel: 'internal' },
    });
  }
}

/* ------------------------------------------------------------------------------------------ entry */

/** Throws on options that cannot make sense, with one readable sentence. */
export function checkTrafficOptions(options: TrafficOptions): void {
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > 400) {
    throw new Error(`days must be a whole number from 1 to 400, got ${options.days}`);
  }
  if (!isIsoDate(options.endDate))
    throw new Error(`the end date must be YYYY-MM-DD, got "${options.endDate}"`);
  if (options.incident && !isIsoDate(options.incident.date)) {
    throw new Error(`the incident date must be YYYY-MM-DD, got "${options.incident.date}"`);
  }
  if (options.scale !== undefined && !(options.scale > 0 && options.scale <= 100)) {
    throw new Error(`scale must be above 0 and at most 100, got ${options.scale}`);
  }
}

/** The site-local days a simulation covers. */
export function simulatedDates(days: number, endDate: string): string[] {
  return datesBetween(addDays(endDate, -(days - 1)), endDate);
}

/**
 * Generates the traffic of `days` site-local days ending with `endDate`. The same options always give
 * the same messages (ids included), so sending them twice changes no figure. Each day draws from its
 * own generator seeded by (seed, date): a day's traffic does not depend on how many days are asked.
 */
export function generateTraffic(options: TrafficOptions): SimulatedTraffic {
  checkTrafficOptions(options);
  const { config } = options;
  const seed = String(options.seed);
  const dates = simulatedDates(options.days, options.endDate);
  const setup = seededRandom(`${seed}|setup`);
  const foreignCode =
    'USD' in config.currencyRates && config.currency !== 'USD'
      ? 'USD'
      : Object.keys(config.currencyRates).sort()[0];
  const foreignRate = foreignCode ? config.currencyRates[foreignCode] : undefined;
  const shared: Shared = {
    config,
    catalog: catalogOf(setup),
    users: knownUsersOf(setup),
    employees: employeesOf(config, setup),
    foreignCurrency: foreignCode && foreignRate ? { code: foreignCode, rate: foreignRate } : undefined,
    otherTouchpoints: Object.keys(config.touchpoints)
      .filter((name) => !KNOWN_TOUCHPOINTS.includes(name))
      .sort(),
    hasTouchpoint: (name) => name in config.touchpoints,
  };
  const lastDayEnd = localDayBounds(options.endDate, config.timezone).end;
  const notAfter = Math.min(options.notAfterMs ?? Number.POSITIVE_INFINITY, lastDayEnd - 1);

  const messages: SimulatedMessage[] = [];
  const visitorsByDay = new Map<string, number>();
  for (const date of dates) {
    const { start, end } = localDayBounds(date, config.timezone);
    const incident = options.incident?.date === date ? options.incident : undefined;
    const random = seededRandom(`${seed}|${date}`);
    const { emitter, visitors } = simulateDay(
      shared,
      { date, start, end, incident },
      random,
      options.scale ?? 1,
    );
    visitorsByDay.set(date, visitors);
    for (const message of emitter.messages) {
      if (Date.parse(message.message.timestamp) <= notAfter) messages.push(message);
    }
  }
  // Delivery order; ties keep generation order (Array.prototype.sort is stable).
  messages.sort((a, b) => a.deliverAtMs - b.deliverAtMs);

  const perDay = new Map<string, number>();
  const counts = { messages: messages.length, duplicates: 0, late: 0, repeatedOrders: 0 };
  for (const message of messages) {
    perDay.set(message.date, (perDay.get(message.date) ?? 0) + 1);
    if (message.tag === 'duplicate') counts.duplicates++;
    else if (message.tag === 'late') counts.late++;
    else if (message.tag === 'repeated-order') counts.repeatedOrders++;
  }
  return {
    messages,
    days: dates.map((date) => ({
      date,
      incident: options.incident?.date === date,
      visitors: visitorsByDay.get(date) ?? 0,
      messages: perDay.get(date) ?? 0,
    })),
    counts,
  };
}
