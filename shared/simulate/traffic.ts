/**
 * Simulated shop traffic for demos, tests and benchmarks: deterministic (seeded) Segment-spec messages
 * for realistic journeys — a population of visitors who come back over weeks (anonymous until they
 * identify at checkout, signed in on several devices afterwards), several channels and touchpoints,
 * carts with and without cart_id, orders in two currencies, surveys, friction, an A/B experiment,
 * duplicates and late deliveries — an optional incident day, and the causal story of story.ts (a chat
 * that pays, a product video that only looks like it does, promoters who spend more than
 * detractors). Pure: no I/O, no clock.
 */
import type { SiteConfig } from '../config/site';
import type { JsonObject } from '../events/types';
import { addDays, datesBetween, isIsoDate, localDate, localDayBounds } from '../time';
import { Journal } from './journal';
import { type Random, seededRandom } from './random';
import {
  CHAT_EFFECT,
  DISPOSITIONS,
  type Disposition,
  EPISODE_SPAN_DAYS,
  LIFETIME_DAYS,
  MIN_RETURN_DAYS,
  useChance,
} from './story';

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
  /** Multiplies the newcomers of every day; 1 ≈ 2,000 activity events on a normal day. */
  scale?: number;
  /**
   * Only the last `recentDays` days (up to `endDate`) get the full `scale`; newcomers of earlier days
   * are `olderScale` × as many, growing to the full scale over the three weeks before — a long history
   * that stays quick to load. Default: every day in full.
   */
  recentDays?: number;
  /** See `recentDays` (default 1). */
  olderScale?: number;
  /** Messages whose event time is after this instant (epoch ms) are left out: no simulated future. */
  notAfterMs?: number;
  /**
   * Tracking lost for some hours, [from, to) epoch ms: the shop's tag did not run, so no message of
   * an event in them arrives, ever (the visits themselves went on as usual).
   */
  trackingLost?: { from: number; to: number };
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
  /** Visits (sessions the simulator planned) that started on the day. */
  visitors: number;
  /** Messages whose event time falls on the day (duplicates included). */
  messages: number;
}

/** An order a chat caused (story.ts `CHAT_EFFECT`): the planted truth behind live_chat's effect. */
export interface CausedOrder {
  orderId: string;
  /** Epoch ms of the chat's `Chat Started` (the exposure) and of the order. */
  chatAt: number;
  orderAt: number;
  /** Order value in the site currency (metrics.md §3). */
  value: number;
}

/** What the simulation planted over the simulated days (story.ts): the truth estimates are checked against. */
export interface PlantedTruth {
  /** Visits that used the touchpoint (the first use in a visit), by touchpoint. */
  exposures: { live_chat: number; product_video: number };
  /** Orders caused by chats, in time order (product_video causes none). */
  causedOrders: CausedOrder[];
}

export interface SimulatedTraffic {
  /** In delivery order. */
  messages: SimulatedMessage[];
  days: SimulatedDay[];
  counts: { messages: number; duplicates: number; late: number; repeatedOrders: number };
  planted: PlantedTruth;
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

type Channel = 'web' | 'app' | 'store';

interface Employee {
  userId: string;
  team: string;
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

/**
 * A visitor of the shop over their lifetime: hidden traits (disposition, loyalty), the devices they use,
 * the user id they get when they first identify, and the starts of their shopping episodes — drawn
 * when they first arrive, before anything they do, so when they come back never depends on what the
 * simulation made them do (and a run can skip visitors with nothing in its days).
 */
interface Person {
  random: Random;
  emitter: Emitter;
  /** What the person will do next, by time (ties in the order planned). */
  plans: Planned[];
  /** Nothing after this instant is played (the last episode's reach), which bounds a life's history. */
  until: number;
  journal: Journal;
  disposition: Disposition;
  /** In [0, 1): more loyal visitors come back more often and shop with more intent. */
  loyalty: number;
  firstChannel: Channel;
  /** Anonymous id per device; a visitor uses only the first one until they identify. */
  devices: Partial<Record<Channel, string>>;
  userId: string | undefined;
  email: string;
  currency: string;
  /** Multiplies amounts given in the site currency. */
  toCurrency: number;
  locale: string;
  userAgent: string;
  ip: string;
  device: string;
  appVersion: string;
  /** Epoch ms at which each shopping episode starts, ascending; the first is the first visit. */
  episodeStarts: number[];
  orders: number;
}

/** A shopping episode: one purchase intent, followed over one or a few visits. */
interface Episode {
  start: number;
  /** Hidden purchase intent in [0, 1]: how far visits get and whether they buy. Never read by a touchpoint decision. */
  intent: number;
  category: string;
  cartId: string | undefined;
  visits: number;
}

/* ------------------------------------------------------------------------------------------ days */

/** Newcomers of a normal weekday at scale 1 (with the visitors who come back: about 2,000 activity events). */
const NEWCOMERS = 78;
/** Relative traffic by site-local hour: quiet nights, a lunch peak and an evening peak. */
const HOUR_WEIGHTS = [
  1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 4, 4.5, 5, 6, 6, 5, 4.5, 4.5, 5, 6, 7, 7.5, 6.5, 4.5, 2.5,
].map((weight, hour) => [hour, weight] as const);
/** Sunday first, as Date.getUTCDay counts. */
const WEEKDAY_FACTORS = [1.12, 0.94, 0.97, 1, 1, 1.05, 1.15];

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/**
 * How long after its start an episode's events can still come: its visits start within the span, then
 * an abandoned cart comes back, a chat's order or a refund follows, each within a few days.
 */
const EPISODE_REACH_DAYS = EPISODE_SPAN_DAYS + 9;
const EPISODE_REACH_MS = EPISODE_REACH_DAYS * DAY;

const LOCALES = ['it-IT', 'it-IT', 'it-IT', 'en-GB', 'de-DE', 'fr-FR', 'en-US'];
const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
];

/** Touchpoints the simulator knows how to stage; configured touchpoints it does not know get a generic event. */
const KNOWN_TOUCHPOINTS = ['live_chat', 'size_guide', 'store_pickup', 'product_video', 'email_campaign'];

/**
 * Steady streams (Random.steady) for the decisions a day's headline rates rest on, shared by every
 * visit that starts on the day: a day's conversion, abandonment and NPS do not swing like coin flips,
 * so the default alert rules fire on the incident, not on noise.
 */
interface DaySteady {
  adds: () => number;
  checkouts: () => number;
  orders: () => number;
  surveys: () => number;
  returns: () => number;
  revisits: () => number;
  bounces: () => number;
  intents: () => number;
}

/** What every visitor of one run shares: the shop, where the run's days begin and end, what it collects. */
interface Run {
  config: SiteConfig;
  catalog: Product[];
  /** The second currency (one with a rate in the config), if the site has one. */
  foreignCurrency: { code: string; rate: number } | undefined;
  /** Configured touchpoints the simulator has no scenario for. */
  otherTouchpoints: string[];
  hasTouchpoint: (name: string) => boolean;
  incident: Incident | undefined;
  /** Events before the first simulated day or after this instant are not kept. */
  windowStart: number;
  horizon: number;
  firstDate: string;
  messages: SimulatedMessage[];
  visitorsByDay: Map<string, number>;
  planted: PlantedTruth;
  seed: string;
  steady: Map<string, DaySteady>;
}

interface CartLine {
  product: Product;
  quantity: number;
  price: number;
}

/** One visit: a person on one device for a stretch of time. */
interface Visit {
  person: Person;
  anonymousId: string;
  channel: Channel;
  context: JsonObject;
  touchpoints: Set<string>;
  /** Events of this visit are delivered days later (an app used offline). */
  offline: boolean;
  /** The visit falls on the checkout-outage day. */
  outage: boolean;
  /** The steady streams of the day the visit starts on. */
  steady: DaySteady;
  time: number;
  /** The product the visitor looks at now (what a product video shows). */
  product: Product | undefined;
  /** Set while touchpoint use is decided, so the use's own events decide nothing. */
  deciding: boolean;
}

/**
 * Collects the messages of one person (or of the day's employees) and decides their delivery and
 * duplicates. A person's activity events go to their journal first; one that reaches a landmark
 * calls `onLandmark`, which decides touchpoint use from the journal (story.ts).
 */
class Emitter {
  /** Index in the run's messages of the last emitted message, −1 when it was not kept. */
  private lastKept = -1;

  constructor(
    private readonly run: Run,
    private readonly random: Random,
    private readonly journal?: Journal,
    private readonly onLandmark?: (visit: Visit, stage: number) => void,
  ) {}

  emit(
    visit: Visit | undefined,
    time: number,
    message: Omit<SegmentMessage, 'messageId' | 'timestamp'>,
  ): string {
    // Ids and delivery are drawn for every event, kept or not, so a run that keeps other days draws alike.
    const messageId = this.random.uuid();
    const late = visit?.offline === true;
    const deliverAtMs = late
      ? time + Math.round(this.random.between(1, 3) * DAY)
      : time + Math.round(this.random.between(0.2, 20) * 1000);
    // A client that did not see the first acknowledgement sends the same message again.
    const duplicate = this.random.chance(0.012);
    const resendAfterMs = duplicate ? Math.round(this.random.between(5, 600) * 1000) : 0;
    const { run } = this;
    this.lastKept = -1;
    if (time >= run.windowStart && time <= run.horizon) {
      const full: SegmentMessage = { ...message, messageId, timestamp: new Date(time).toISOString() };
      const date = localDate(time, run.config.timezone);
      this.lastKept = run.messages.length;
      run.messages.push({ message: full, deliverAtMs, date, ...(late ? { tag: 'late' as const } : {}) });
      if (duplicate) {
        run.messages.push({
          message: full,
          deliverAtMs: deliverAtMs + resendAfterMs,
          date,
          tag: 'duplicate',
        });
      }
    }
    if (visit && this.journal && message.type !== 'identify' && message.type !== 'alias') {
      const touchpoint = message.properties?.touchpoint ?? message.context?.touchpoint;
      const stage = this.journal.record(
        time,
        message.event,
        typeof touchpoint === 'string' ? touchpoint : undefined,
      );
      if (stage !== undefined && !visit.deciding) this.onLandmark?.(visit, stage);
    }
    return messageId;
  }

  /** The same order sent twice (a thank-you page reloaded): a new messageId with the same order_id. */
  tagLast(tag: MessageTag): void {
    const last = this.run.messages[this.lastKept];
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
  const { userId } = visit.person;
  return userId ? { anonymousId: visit.anonymousId, userId } : { anonymousId: visit.anonymousId };
}

function money(value: number): number {
  return Math.round(value * 100) / 100;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/** A time on the site-local day `days` after `date`, at an hour drawn by the traffic's daily curve. */
function timeOnDay(run: Run, random: Random, date: string, days = 0): number {
  const day = addDays(date, days);
  const { start, end } = localDayBounds(day, run.config.timezone);
  const hour = random.weighted(HOUR_WEIGHTS);
  return Math.min(start + hour * HOUR + random.next() * HOUR, end - 5 * MINUTE);
}

/** A newcomer arriving at `arrival` on `date`: traits and the starts of every later episode. */
function newPerson(run: Run, key: string, date: string, arrival: number): Person {
  const random = seededRandom(key);
  const disposition = random.weighted<Disposition>(
    (Object.keys(DISPOSITIONS) as Disposition[]).map((name) => [name, DISPOSITIONS[name].share] as const),
  );
  const loyalty = random.next();
  const rule = DISPOSITIONS[disposition];
  const episodeStarts = [arrival];
  const comesBack = Math.min(0.9, rule.comesBack * (0.5 + loyalty));
  let daysAfter = 0;
  while (random.chance(comesBack)) {
    daysAfter += MIN_RETURN_DAYS + Math.floor(-rule.meanGapDays * Math.log(1 - random.next()));
    if (daysAfter > LIFETIME_DAYS) break;
    episodeStarts.push(timeOnDay(run, random, date, daysAfter));
  }
  const firstChannel = random.weighted<Channel>([
    ['web', 0.64],
    ['app', 0.29],
    ['store', run.hasTouchpoint('store_pickup') ? 0.07 : 0],
  ]);
  const foreign = run.foreignCurrency && random.chance(0.14) ? run.foreignCurrency : undefined;
  const journal = new Journal(
    run.config.sessionGapMinutes ?? 30,
    run.config.outcomes?.lookbackDays ?? 7,
    run.config.timezone,
  );
  const person: Person = {
    random,
    emitter: new Emitter(run, random, journal, (visit, stage) => useTouchpoints(run, visit, stage)),
    plans: [],
    until: (episodeStarts.at(-1) ?? arrival) + EPISODE_REACH_MS,
    journal,
    disposition,
    loyalty,
    firstChannel,
    devices: { [firstChannel]: random.uuid() },
    userId: undefined,
    email: `visitor-${random.hex(8)}@mail.example`,
    currency: foreign?.code ?? run.config.currency,
    toCurrency: foreign ? 1 / foreign.rate : 1,
    locale: foreign ? 'en-US' : random.pick(LOCALES),
    userAgent: random.pick(USER_AGENTS),
    ip: `203.0.113.${random.int(1, 254)}`,
    device: random.pick(['ios', 'android']),
    appVersion: random.pick(['4.2.0', '4.2.1', '4.3.0']),
    episodeStarts,
    orders: 0,
  };
  return person;
}

function appNameOf(run: Run): string {
  return run.config.name || run.config.site;
}

function steadyOf(run: Run, time: number): DaySteady {
  const date = localDate(time, run.config.timezone);
  let steady = run.steady.get(date);
  if (!steady) {
    const random = seededRandom(`${run.seed}|${date}|steady`);
    steady = {
      adds: random.steady(),
      checkouts: random.steady(),
      orders: random.steady(),
      surveys: random.steady(),
      returns: random.steady(),
      revisits: random.steady(),
      bounces: random.steady(),
      intents: random.steady(),
    };
    run.steady.set(date, steady);
  }
  return steady;
}

function isOutage(run: Run, time: number): boolean {
  return (
    run.incident?.kind === 'checkout-outage' && localDate(time, run.config.timezone) === run.incident.date
  );
}

/** A visit of `person` at `time`: on their first device until they identify, then on any. */
function newVisit(run: Run, person: Person, time: number, signIn = true): Visit {
  const { random } = person;
  const channel = person.userId
    ? random.weighted<Channel>([
        ['web', 0.56],
        ['app', 0.36],
        ['store', run.hasTouchpoint('store_pickup') ? 0.08 : 0],
      ])
    : person.firstChannel;
  let anonymousId = person.devices[channel];
  if (!anonymousId) {
    anonymousId = random.uuid();
    person.devices[channel] = anonymousId;
  }
  const context: JsonObject =
    channel === 'app'
      ? {
          channel,
          app: { name: appNameOf(run), version: person.appVersion },
          device: { type: person.device },
          locale: person.locale,
        }
      : channel === 'web'
        ? { channel, userAgent: person.userAgent, locale: person.locale, ip: person.ip }
        : { channel, locale: person.locale };
  const touchpoints = new Set<string>();
  if (random.chance(0.08)) {
    // Arrived from a newsletter: an unconfigured touchpoint carried in the context.
    context.touchpoint = 'email_campaign';
    context.campaign = { source: 'newsletter', medium: 'email', name: 'autumn-edit' };
    touchpoints.add('email_campaign');
  }
  const visit: Visit = {
    person,
    anonymousId,
    channel,
    context,
    touchpoints,
    offline: channel === 'app' && random.chance(0.04),
    outage: isOutage(run, time),
    steady: steadyOf(run, time),
    time,
    product: undefined,
    deciding: false,
  };
  if (person.userId && signIn) {
    // A returning customer signs in: the identify links this device to the known user.
    person.emitter.emit(visit, visit.time, {
      type: 'identify',
      ...identityOf(visit),
      traits: { email: person.email, plan: 'customer' },
      context: visit.context,
    });
    step(visit, 1, 5);
  }
  return visit;
}

/** Advances the visit's clock by a human pause between two steps. */
function step(visit: Visit, minSeconds = 15, maxSeconds = 150): number {
  visit.time += Math.round(visit.person.random.between(minSeconds, maxSeconds) * 1000);
  return visit.time;
}

function view(visit: Visit, name: string, properties: JsonObject): void {
  const message =
    visit.channel === 'app'
      ? { type: 'screen' as const, name, properties }
      : { type: 'page' as const, name, properties };
  visit.person.emitter.emit(visit, visit.time, { ...message, ...identityOf(visit), context: visit.context });
}

function track(
  visit: Visit,
  event: string,
  properties: JsonObject,
  context: JsonObject = visit.context,
): string {
  return visit.person.emitter.emit(visit, visit.time, {
    type: 'track',
    event,
    properties,
    ...identityOf(visit),
    context,
  });
}

function productProperties(visit: Visit, product: Product, extra: JsonObject = {}): JsonObject {
  return {
    product_id: product.product_id,
    sku: product.sku,
    name: product.name,
    category: product.category,
    price: money(product.price * visit.person.toCurrency),
    currency: visit.person.currency,
    ...extra,
  };
}

function identify(visit: Visit): void {
  const { person } = visit;
  if (person.userId) return;
  const { random, emitter } = person;
  person.userId = `usr_${random.hex(10)}`;
  if (visit.channel === 'app' && random.chance(0.5)) {
    // Mobile SDKs call alias when an anonymous install signs up.
    emitter.emit(visit, visit.time, {
      type: 'alias',
      previousId: visit.anonymousId,
      userId: person.userId,
      context: visit.context,
    });
    step(visit, 1, 3);
  }
  emitter.emit(visit, visit.time, {
    type: 'identify',
    ...identityOf(visit),
    traits: { email: person.email, newsletter: random.chance(0.4), plan: 'customer' },
    context: visit.context,
  });
}

type Mood = 'happy' | 'neutral' | 'angry';

function npsScore(random: Random, mood: Mood, roll: () => number): number {
  const band = weightedBy<'promoter' | 'passive' | 'detractor'>(
    roll(),
    mood === 'happy'
      ? [
          ['promoter', 0.58],
          ['passive', 0.37],
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

/** A visitor's mood: their disposition, lifted by help they got today, spoilt by an outage. */
function moodOf(visit: Visit, helped: boolean): Mood {
  if (visit.outage) return 'angry';
  const { disposition } = visit.person;
  if (disposition === 'happy') return 'happy';
  if (disposition === 'neutral') return helped ? 'happy' : 'neutral';
  return helped ? 'neutral' : 'angry';
}

function survey(visit: Visit, kind: string, score: number, touchpoint?: string): void {
  track(visit, 'Survey Responded', { survey: kind, score, ...(touchpoint ? { touchpoint } : {}) });
}

function friction(visit: Visit, kind: string, touchpoint?: string): void {
  track(visit, 'Friction Encountered', { kind, ...(touchpoint ? { touchpoint } : {}) });
}

/* ------------------------------------------------------------------------------------------ touchpoints */

/**
 * Right after a landmark (story.ts): whether the visit uses live_chat and product_video now, from the
 * stage just reached, the channel and the journey's recorded lookback — never from its hidden intent.
 * A touchpoint already used in this session is not decided again (§7 counts a session's first use).
 */
function useTouchpoints(run: Run, visit: Visit, stage: number): void {
  const { journal, random } = visit.person;
  visit.deciding = true;
  const lookback = journal.lookback();
  if (
    run.hasTouchpoint('live_chat') &&
    !journal.sessionUsed('live_chat') &&
    random.next() < useChance('live_chat', stage, visit.channel, lookback)
  ) {
    liveChat(run, visit);
  }
  if (
    !journal.sessionUsed('product_video') &&
    random.next() < useChance('product_video', stage, visit.channel, lookback)
  ) {
    productVideo(run, visit);
  }
  visit.deciding = false;
}

function inRun(run: Run, time: number): boolean {
  return time >= run.windowStart && time <= run.horizon;
}

function liveChat(run: Run, visit: Visit): void {
  const { random } = visit.person;
  step(visit, 5, 40);
  const chatAt = visit.time;
  // The exposure (metrics.md §7): on the visit's own channel, right after the landmark.
  track(visit, 'Chat Started', {
    touchpoint: 'live_chat',
    topic: random.pick(['sizing', 'delivery', 'returns', 'payment']),
  });
  if (inRun(run, chatAt)) run.planted.exposures.live_chat++;
  visit.touchpoints.add('live_chat');
  const chatContext = { ...visit.context, channel: 'support' };
  step(visit, 60, 600);
  if (random.chance(visit.outage ? 0.3 : 0.06)) {
    track(visit, 'Friction Encountered', { kind: 'chat_wait', touchpoint: 'live_chat' }, chatContext);
  }
  track(
    visit,
    'Chat Ended',
    { touchpoint: 'live_chat', resolved: random.chance(visit.outage ? 0.4 : 0.85) },
    chatContext,
  );
  if (random.chance(0.45)) {
    step(visit, 5, 60);
    const ces = visit.outage
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
    track(visit, 'Survey Responded', { survey: 'ces', score: ces, touchpoint: 'live_chat' }, chatContext);
  }
  step(visit);
  // The planted effect: sometimes the chat brings an order that would not have happened.
  if (random.chance(CHAT_EFFECT.orderChance)) {
    const [low, high] = CHAT_EFFECT.delayHours;
    plan(visit.person, {
      time: chatAt + Math.round(random.between(low, high) * HOUR),
      kind: 'chat-order',
      chatAt,
    });
  }
}

function productVideo(run: Run, visit: Visit): void {
  const { random } = visit.person;
  step(visit, 3, 20);
  const product = visit.product ?? random.pick(run.catalog);
  const seconds = random.int(5, 90);
  track(visit, 'Product Video Played', {
    touchpoint: 'product_video',
    product_id: product.product_id,
    seconds,
  });
  if (inRun(run, visit.time)) run.planted.exposures.product_video++;
  visit.touchpoints.add('product_video');
  step(visit, seconds, seconds + 20);
}

/* ------------------------------------------------------------------------------------------ visits */

type VisitEnd = 'bounced' | 'browsed' | 'abandoned' | 'ordered';

/** A browsing visit of an episode: home, product views, maybe a cart, a checkout, an order. */
function browse(run: Run, visit: Visit, episode: Episode): VisitEnd {
  const { catalog } = run;
  const { random } = visit.person;
  const { intent } = episode;
  const outage = visit.outage;

  if (visit.channel !== 'store') {
    view(visit, 'Home', { path: '/', title: 'Home' });
    step(visit);
  }
  // A broken site loses people on the first page.
  if (visit.steady.bounces() < (outage ? 0.22 : 0.16 - 0.1 * intent)) return 'bounced';

  const shopping = random.chance(0.3 + 0.6 * intent);
  const candidates = catalog.filter((product) => product.category === episode.category);
  const viewed: Product[] = [];
  const views = outage ? random.int(1, 2) : random.int(1, shopping ? 5 : 3);
  let addBoost = 1;
  for (let i = 0; i < views; i++) {
    const product = random.pick(candidates);
    viewed.push(product);
    visit.product = product;
    if (visit.channel === 'web') {
      view(visit, 'Product', { path: `/p/${product.product_id}`, title: product.name });
      step(visit, 2, 10);
    }
    track(visit, 'Product Viewed', productProperties(visit, product));
    step(visit);
    if (product.category === 'apparel' || product.category === 'shoes') {
      if (run.hasTouchpoint('size_guide') && visit.channel !== 'store' && random.chance(0.22)) {
        track(visit, 'Size Guide Viewed', { touchpoint: 'size_guide', product_id: product.product_id });
        visit.touchpoints.add('size_guide');
        addBoost *= 1.25;
        step(visit);
        if (random.chance(0.05)) friction(visit, 'size_unavailable', 'size_guide');
      }
    }
  }
  for (const touchpoint of run.otherTouchpoints) {
    if (random.chance(0.08)) {
      track(visit, 'Touchpoint Engaged', { touchpoint });
      visit.touchpoints.add(touchpoint);
      addBoost *= 1.15;
      step(visit);
    }
  }
  if (!outage && random.chance(0.035)) {
    friction(visit, random.pick(['slow_page', 'out_of_stock', 'search_no_results']));
    addBoost *= 0.7;
    step(visit);
  }

  const addProbability = Math.min(
    0.92,
    (0.1 + 0.72 * intent) * (shopping ? 1 : 0.45) * addBoost * (outage ? 0.8 : 1),
  );
  if (visit.steady.adds() >= addProbability) {
    if (random.chance(outage ? 0.12 : 0.3)) {
      const mood = moodOf(visit, visit.touchpoints.has('live_chat'));
      survey(visit, 'nps', npsScore(random, mood, visit.steady.surveys));
    }
    secondLook(visit, viewed);
    return 'browsed';
  }
  return shopCart(run, visit, episode, viewed);
}

/** Some visitors look at a product again later the same day. */
function secondLook(visit: Visit, viewed: readonly Product[]): void {
  const { random } = visit.person;
  if (visit.outage || viewed.length === 0 || !random.chance(0.12)) return;
  visit.time += Math.round(random.between(45, 240) * MINUTE);
  const product = random.pick(viewed);
  visit.product = product;
  view(visit, 'Product', { path: `/p/${product.product_id}`, title: product.name });
  step(visit, 2, 10);
  track(visit, 'Product Viewed', productProperties(visit, product));
}

function basketLines(visit: Visit, products: readonly Product[]): CartLine[] {
  const { random, disposition, toCurrency } = visit.person;
  // Happy customers buy a little more.
  const additions = Math.min(
    products.length,
    random.weighted(
      disposition === 'happy'
        ? ([
            [1, 5],
            [2, 3],
            [3, 2],
          ] as const)
        : ([
            [1, 6],
            [2, 3],
            [3, 1],
          ] as const),
    ),
  );
  return products.slice(0, additions).map((product) => ({
    product,
    quantity: random.weighted([
      [1, 8],
      [2, 2],
    ] as const),
    price: money(product.price * toCurrency),
  }));
}

function cartIdOf(visit: Visit, episode: Episode): string | undefined {
  // Carts with an id (web and app carts) and without one (store associates, older app versions).
  if (visit.channel === 'store') return undefined;
  if (episode.cartId === undefined && visit.person.random.chance(0.78)) {
    episode.cartId = `cart_${visit.person.random.hex(12)}`;
  }
  return episode.cartId;
}

function shopCart(run: Run, visit: Visit, episode: Episode, viewed: readonly Product[]): VisitEnd {
  const { random } = visit.person;
  const outage = visit.outage;
  const cartId = cartIdOf(visit, episode);
  const lines = basketLines(visit, [...new Set(viewed)]);
  for (const line of lines) {
    visit.product = line.product;
    track(
      visit,
      'Product Added',
      productProperties(visit, line.product, {
        quantity: line.quantity,
        ...(cartId ? { cart_id: cartId } : {}),
      }),
    );
    step(visit);
  }
  if (lines.length > 1 && random.chance(0.2)) {
    const removed = lines.pop();
    if (removed) {
      track(
        visit,
        'Product Removed',
        productProperties(visit, removed.product, {
          quantity: removed.quantity,
          ...(cartId ? { cart_id: cartId } : {}),
        }),
      );
      step(visit);
    }
  }

  // Touchpoints with a real effect on the order (live_chat's is the later order it causes, product_video has none).
  let orderBoost = 1;
  for (const touchpoint of visit.touchpoints) {
    if (touchpoint === 'live_chat' || touchpoint === 'product_video') continue;
    orderBoost *= touchpoint === 'size_guide' ? 1.12 : 1.05;
  }
  if (visit.channel === 'web' || visit.channel === 'app') {
    const variation = random.chance(0.5) ? 'a' : 'b';
    track(visit, 'Experiment Viewed', {
      experiment_id: 'checkout-v2',
      experiment_name: 'One-page checkout',
      variation_id: variation,
    });
    step(visit, 2, 20);
    // The new checkout helps a little.
    if (variation === 'b') orderBoost *= 1.08;
  }

  if (!visit.person.userId && random.chance(0.1)) {
    identify(visit);
    step(visit, 1, 5);
  }
  const checkoutProbability = Math.min(0.95, (0.06 + 0.38 * episode.intent) * Math.sqrt(orderBoost));
  if (visit.steady.checkouts() >= checkoutProbability) {
    afterAbandonedCart(visit, episode, lines, cartId);
    return 'abandoned';
  }
  identify(visit);
  step(visit, 1, 5);
  const value = lines.reduce((sum, line) => sum + line.price * line.quantity, 0);
  track(visit, 'Checkout Started', {
    ...(cartId ? { cart_id: cartId } : {}),
    value: money(value),
    currency: visit.person.currency,
  });
  step(visit, 30, 240);

  let pickup = false;
  if (run.hasTouchpoint('store_pickup') && (visit.channel === 'store' || random.chance(0.18))) {
    track(
      visit,
      'Store Pickup Selected',
      { touchpoint: 'store_pickup', store_id: random.pick(['milano-duomo', 'roma-centro', 'torino-po']) },
      { ...visit.context, channel: 'store' },
    );
    visit.touchpoints.add('store_pickup');
    pickup = true;
    orderBoost *= 1.15;
    step(visit, 10, 60);
  }

  if (outage) {
    // The payment provider is down: every attempt fails, a few retry, almost nobody gets through.
    friction(visit, 'payment_error');
    step(visit, 20, 90);
    if (random.chance(0.35)) {
      track(visit, 'Checkout Started', {
        ...(cartId ? { cart_id: cartId } : {}),
        value: money(value),
        currency: visit.person.currency,
      });
      step(visit, 20, 90);
      friction(visit, 'payment_error');
    }
    if (random.chance(0.3)) {
      step(visit, 60, 600);
      survey(visit, 'nps', npsScore(random, 'angry', visit.steady.surveys));
    }
    if (!random.chance(0.02)) {
      // The failed payment empties the cart: a later visit starts a new one.
      episode.cartId = undefined;
      afterAbandonedCart(visit, episode, lines, cartId);
      return 'abandoned';
    }
  } else {
    if (random.chance(0.04)) {
      friction(visit, random.pick(['payment_error', 'form_error', 'address_invalid']));
      orderBoost *= 0.6;
      step(visit);
    }
    if (visit.steady.orders() >= Math.min(0.97, (0.18 + 0.32 * episode.intent) * orderBoost)) {
      afterAbandonedCart(visit, episode, lines, cartId);
      return 'abandoned';
    }
  }
  completeOrder(visit, lines, cartId, pickup, value);
  return 'ordered';
}

/** The order; returns its order_id. */
function completeOrder(
  visit: Visit,
  lines: readonly CartLine[],
  cartId: string | undefined,
  pickup: boolean,
  value: number,
): string {
  const { person } = visit;
  const { random, emitter } = person;
  const shipping = pickup ? 0 : value >= 80 * person.toCurrency ? 0 : money(4.9 * person.toCurrency);
  const orderId = `ord_${random.hex(10)}`;
  const properties: JsonObject = {
    order_id: orderId,
    // Most orders carry the cart id; some integrations leave it out (then the journey matches).
    ...(cartId && random.chance(0.9) ? { cart_id: cartId } : {}),
    revenue: money(value + shipping),
    shipping,
    currency: person.currency,
    products: lines.map((line) => ({
      product_id: line.product.product_id,
      sku: line.product.sku,
      price: line.price,
      quantity: line.quantity,
    })),
    shipping_method: pickup ? 'store_pickup' : 'courier',
  };
  track(visit, 'Order Completed', properties);
  person.orders++;
  if (random.chance(0.02)) {
    // The thank-you page reloaded: the same order id again, a new messageId.
    visit.time += Math.round(random.between(30, 300) * 1000);
    track(visit, 'Order Completed', properties);
    emitter.tagLast('repeated-order');
  }
  if (random.chance(0.015)) {
    plan(person, {
      time: visit.time + Math.round(random.between(1, 4) * DAY),
      kind: 'refund',
      refund: { order_id: orderId, revenue: properties.revenue ?? 0, currency: person.currency },
    });
  }
  const mood = moodOf(visit, visit.touchpoints.has('live_chat') || pickup);
  if (random.chance(0.6)) {
    // After a visit with a touchpoint the thank-you page asks (the answer names the touchpoint, in the
    // same session); otherwise an e-mail asks later. A later answer naming a touchpoint would be a
    // use of it of its own (metrics.md §7 counts any activity event carrying one).
    const touchpoint = [...visit.touchpoints][0];
    visit.time += touchpoint
      ? Math.round(random.between(1, 5) * MINUTE)
      : Math.round(random.between(20, 120) * MINUTE);
    survey(visit, 'nps', npsScore(random, mood, visit.steady.surveys), touchpoint);
  }
  if (pickup && random.chance(0.6)) {
    visit.time += Math.round(random.between(2, 6) * HOUR);
    track(
      visit,
      'Survey Responded',
      {
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
      { ...visit.context, channel: 'store' },
    );
  }
  return orderId;
}

/** Some abandoned carts come back: later the same day, or the next day with the same cart. */
function afterAbandonedCart(
  visit: Visit,
  episode: Episode,
  lines: readonly CartLine[],
  cartId: string | undefined,
): void {
  const { random } = visit.person;
  if (!visit.outage && random.chance(0.15)) {
    visit.time += Math.round(random.between(10, 60) * MINUTE);
    survey(visit, 'nps', npsScore(random, moodOf(visit, false), visit.steady.surveys));
  }
  if (lines.length === 0 || visit.steady.returns() >= (visit.outage ? 0.05 : 0.06)) return;
  const after = visit.outage ? random.between(14, 20) : random.between(1, 20);
  plan(visit.person, {
    time: visit.time + Math.round(after * HOUR),
    kind: 'cart-return',
    episode,
    cart: { lines, cartId },
  });
}

/** An abandoned cart comes back: straight to the checkout, and the order. */
function cartReturn(visit: Visit, lines: readonly CartLine[], cartId: string | undefined): void {
  const value = lines.reduce((sum, line) => sum + line.price * line.quantity, 0);
  identify(visit);
  step(visit, 1, 5);
  track(visit, 'Checkout Started', {
    ...(cartId ? { cart_id: cartId } : {}),
    value: money(value),
    currency: visit.person.currency,
  });
  step(visit, 30, 240);
  completeOrder(visit, lines, cartId, false, value);
}

/** The order a chat caused: the visitor comes back for one product and buys it (unless payments are down). */
function chatOrder(run: Run, visit: Visit, chatAt: number): void {
  const { random } = visit.person;
  if (visit.channel !== 'store') {
    view(visit, 'Home', { path: '/', title: 'Home' });
    step(visit);
  }
  const product = random.pick(run.catalog);
  visit.product = product;
  if (visit.channel === 'web') {
    view(visit, 'Product', { path: `/p/${product.product_id}`, title: product.name });
    step(visit, 2, 10);
  }
  track(visit, 'Product Viewed', productProperties(visit, product));
  step(visit);
  const cartId = visit.channel === 'store' ? undefined : `cart_${random.hex(12)}`;
  const line = { product, quantity: 1, price: money(product.price * visit.person.toCurrency) };
  track(
    visit,
    'Product Added',
    productProperties(visit, product, { quantity: 1, ...(cartId ? { cart_id: cartId } : {}) }),
  );
  step(visit);
  identify(visit);
  step(visit, 1, 5);
  track(visit, 'Checkout Started', {
    ...(cartId ? { cart_id: cartId } : {}),
    value: line.price,
    currency: visit.person.currency,
  });
  step(visit, 30, 240);
  if (visit.outage) {
    friction(visit, 'payment_error');
    return;
  }
  const orderId = completeOrder(visit, [line], cartId, false, line.price);
  const orderAt = visit.time;
  if (inRun(run, orderAt)) {
    const { toCurrency } = visit.person;
    const shipping = line.price >= 80 * toCurrency ? 0 : money(4.9 * toCurrency);
    run.planted.causedOrders.push({ orderId, chatAt, orderAt, value: (line.price + shipping) / toCurrency });
  }
}

/* ------------------------------------------------------------------------------------------ lifetimes */

type Planned =
  | { time: number; kind: 'episode' }
  | { time: number; kind: 'visit'; episode: Episode }
  | {
      time: number;
      kind: 'cart-return';
      episode: Episode;
      cart: { lines: readonly CartLine[]; cartId: string | undefined };
    }
  | { time: number; kind: 'chat-order'; chatAt: number }
  | { time: number; kind: 'refund'; refund: JsonObject };

function plan(person: Person, item: Planned): void {
  const queue = person.plans;
  let index = queue.length;
  while (index > 0 && (queue[index - 1]?.time ?? 0) > item.time) index--;
  queue.splice(index, 0, item);
}

function newEpisode(person: Person, start: number, first: boolean, roll: () => number): Episode {
  const { random, disposition, loyalty } = person;
  const base = first ? roll() ** 1.6 : roll() ** 1.2;
  const bonus = first
    ? 0.15 * (loyalty - 0.5)
    : DISPOSITIONS[disposition].intentBonus + 0.2 * (loyalty - 0.5);
  return {
    start,
    intent: clamp01(base + bonus + (person.orders > 0 ? 0.08 : 0)),
    category: random.pick(CATEGORIES)[0],
    cartId: undefined,
    visits: 0,
  };
}

/** After a visit that did not end in an order, the episode may go on with another visit. */
function nextVisit(person: Person, episode: Episode, end: VisitEnd, visit: Visit): void {
  const { random } = person;
  const { time, outage } = visit;
  if (end === 'ordered' || episode.visits >= 4) return;
  const goesOn =
    end === 'abandoned' ? 0.2 + 0.4 * episode.intent : end === 'browsed' ? 0.1 + 0.35 * episode.intent : 0.05;
  if (visit.steady.revisits() >= goesOn * DISPOSITIONS[person.disposition].goesOn) return;
  // Who gave up on the outage day tries again another day.
  const at = time + Math.round(random.between(outage ? 24 : 2, 96) * HOUR);
  if (at - episode.start > EPISODE_SPAN_DAYS * DAY) return;
  plan(person, { time: at, kind: 'visit', episode });
}

function countVisit(run: Run, time: number): void {
  if (!inRun(run, time)) return;
  const date = localDate(time, run.config.timezone);
  run.visitorsByDay.set(date, (run.visitorsByDay.get(date) ?? 0) + 1);
}

/** Plays a person's life up to the run's horizon, in time order. */
function live(run: Run, person: Person): void {
  const queue = person.plans;
  for (const time of person.episodeStarts) queue.push({ time, kind: 'episode' });
  const { random, journal } = person;
  let firstEpisode = true;
  while (queue.length > 0) {
    const item = queue.shift();
    if (!item || item.time > run.horizon || item.time > person.until) break;
    // One thing at a time: what was planned during a visit that ran past it starts a little after.
    const time =
      item.time > journal.lastTime
        ? item.time
        : journal.lastTime + Math.round(random.between(5, 60) * MINUTE);
    // Some visitors stay away on the outage day (newcomers are halved already).
    const firstVisit = item.kind === 'episode' && firstEpisode;
    if (item.kind !== 'refund' && !firstVisit && isOutage(run, time) && random.chance(0.4)) continue;
    switch (item.kind) {
      case 'episode': {
        const first = firstEpisode;
        firstEpisode = false;
        const episode = newEpisode(person, time, first, steadyOf(run, time).intents);
        countVisit(run, time);
        const visit = newVisit(run, person, time);
        episode.visits++;
        nextVisit(person, episode, browse(run, visit, episode), visit);
        break;
      }
      case 'visit': {
        countVisit(run, time);
        const visit = newVisit(run, person, time);
        item.episode.visits++;
        nextVisit(person, item.episode, browse(run, visit, item.episode), visit);
        break;
      }
      case 'cart-return': {
        countVisit(run, time);
        cartReturn(newVisit(run, person, time), item.cart.lines, item.cart.cartId);
        break;
      }
      case 'chat-order': {
        countVisit(run, time);
        chatOrder(run, newVisit(run, person, time), item.chatAt);
        break;
      }
      case 'refund': {
        track(newVisit(run, person, time, false), 'Order Refunded', item.refund);
        break;
      }
    }
  }
}

function simulateEmployeeSurveys(
  run: Run,
  emitter: Emitter,
  random: Random,
  employees: readonly Employee[],
  date: string,
  weekday: number,
): void {
  const { start } = localDayBounds(date, run.config.timezone);
  const responses = weekday === 0 ? random.int(0, 1) : random.int(2, 6);
  const roll = random.steady();
  for (let i = 0; i < responses; i++) {
    const employee = random.pick(employees);
    const time = start + random.between(9, 18) * HOUR;
    const mood =
      run.incident?.date === date ? (employee.team === 'support' ? 'angry' : 'neutral') : 'neutral';
    emitter.emit(undefined, time, {
      type: 'track',
      event: 'Survey Responded',
      userId: employee.userId,
      properties: { survey: 'enps', score: npsScore(random, mood, roll), team: employee.team },
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
  if (
    options.recentDays !== undefined &&
    !(Number.isInteger(options.recentDays) && options.recentDays >= 1)
  ) {
    throw new Error(`recentDays must be a whole number of at least 1, got ${options.recentDays}`);
  }
  if (options.olderScale !== undefined && !(options.olderScale > 0 && options.olderScale <= 1)) {
    throw new Error(`olderScale must be above 0 and at most 1, got ${options.olderScale}`);
  }
}

function daysFrom(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);
}

/** Older days grow into the recent ones over this many days (a step would shift a day's mix of visitors at once). */
const GROWTH_DAYS = 21;

/** The newcomers' multiplier of each day (`recentDays`, `olderScale`). */
function growthOf(options: TrafficOptions): (date: string) => number {
  const older = options.olderScale ?? 1;
  if (options.recentDays === undefined || older === 1) return () => 1;
  const recentFrom = addDays(options.endDate, 1 - options.recentDays);
  return (date) => older + (1 - older) * clamp01(1 + daysFrom(recentFrom, date) / GROWTH_DAYS);
}

/** The site-local days a simulation covers. */
export function simulatedDates(days: number, endDate: string): string[] {
  return datesBetween(addDays(endDate, -(days - 1)), endDate);
}

/**
 * Generates the traffic of `days` site-local days ending with `endDate`. The same options always give
 * the same messages (ids included), so sending them twice changes no figure. Each visitor draws from
 * their own generator, seeded by (seed, day of first visit, arrival index); visitors who came before
 * the first day are played from their first visit, so the first day already has returning
 * customers. The decisions a day's rates rest on draw from that day's steady streams (`DaySteady`),
 * shared by its visits in a fixed order: a day depends on the days before it, not on later ones (a run
 * ending earlier is the beginning of a longer one with the same first day, `recentDays` aside).
 */
export function generateTraffic(options: TrafficOptions): SimulatedTraffic {
  checkTrafficOptions(options);
  const { config } = options;
  const seed = String(options.seed);
  const dates = simulatedDates(options.days, options.endDate);
  const firstDate = dates[0] ?? options.endDate;
  const setup = seededRandom(`${seed}|setup`);
  const foreignCode =
    'USD' in config.currencyRates && config.currency !== 'USD'
      ? 'USD'
      : Object.keys(config.currencyRates).sort()[0];
  const foreignRate = foreignCode ? config.currencyRates[foreignCode] : undefined;
  const lastDayEnd = localDayBounds(options.endDate, config.timezone).end;
  const run: Run = {
    config,
    catalog: catalogOf(setup),
    foreignCurrency: foreignCode && foreignRate ? { code: foreignCode, rate: foreignRate } : undefined,
    otherTouchpoints: Object.keys(config.touchpoints)
      .filter((name) => !KNOWN_TOUCHPOINTS.includes(name))
      .sort(),
    hasTouchpoint: (name) => name in config.touchpoints,
    incident: options.incident,
    windowStart: localDayBounds(firstDate, config.timezone).start,
    horizon: Math.min(options.notAfterMs ?? Number.POSITIVE_INFINITY, lastDayEnd - 1),
    firstDate,
    messages: [],
    visitorsByDay: new Map(),
    planted: { exposures: { live_chat: 0, product_video: 0 }, causedOrders: [] },
    seed,
    steady: new Map(),
  };
  const employees = employeesOf(config, setup);
  const scale = options.scale ?? 1;
  const growth = growthOf(options);

  // Visitors first seen up to a lifetime (and an episode's reach) before the first day can still
  // come back during it.
  for (const date of datesBetween(
    addDays(firstDate, -(LIFETIME_DAYS + EPISODE_REACH_DAYS)),
    options.endDate,
  )) {
    const random = seededRandom(`${seed}|${date}`);
    const outage = options.incident?.kind === 'checkout-outage' && options.incident.date === date;
    const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
    const dayScale = scale * growth(date);
    const newcomers = Math.round(
      NEWCOMERS *
        dayScale *
        (WEEKDAY_FACTORS[weekday] ?? 1) *
        random.between(0.95, 1.05) *
        (outage ? 0.5 : 1),
    );
    for (let index = 0; index < newcomers; index++) {
      const arrival = timeOnDay(run, random, date);
      if (arrival > run.horizon) continue;
      const person = newPerson(run, `${seed}|${date}|${index}`, date, arrival);
      // Someone whose last episode ends before the first day leaves nothing to keep.
      if (date < firstDate && person.until + DAY < run.windowStart) continue;
      live(run, person);
    }
    if (date >= firstDate) {
      simulateEmployeeSurveys(run, new Emitter(run, random), random, employees, date, weekday);
    }
  }

  const lost = options.trackingLost;
  const messages = lost
    ? run.messages.filter((m) => {
        const time = Date.parse(m.message.timestamp);
        return time < lost.from || time >= lost.to;
      })
    : run.messages;
  // Delivery order; ties keep generation order (Array.prototype.sort is stable).
  messages.sort((a, b) => a.deliverAtMs - b.deliverAtMs);
  run.planted.causedOrders.sort((a, b) => a.orderAt - b.orderAt);

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
      visitors: run.visitorsByDay.get(date) ?? 0,
      messages: perDay.get(date) ?? 0,
    })),
    counts,
    planted: run.planted,
  };
}
