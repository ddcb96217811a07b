/**
 * A small reading of metrics.md §7 (outcomes) and §8 (customers) straight from simulated messages, for
 * the simulator's story tests: written from the spec alone, without the metric core, so the story can
 * be checked before (and independently of) shared/metrics. Event time = the message's timestamp (what
 * the collector keeps for messages sent without clock skew); one site currency with `currencyRates`.
 */
import type { SiteConfig } from '../../shared/config/site';
import type { JsonObject } from '../../shared/events/types';
import type { SimulatedMessage } from '../../shared/simulate/traffic';
import { addDays, localDate, localDayBounds } from '../../shared/time';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const Z90 = 1.6449;
const STAGES: Readonly<Record<string, number>> = {
  'Product Viewed': 1,
  'Product Added': 2,
  'Checkout Started': 3,
  'Order Completed': 4,
};

export interface StoryEvent {
  time: number;
  day: string;
  type: string;
  event: string | undefined;
  journey: string;
  touchpoint: string | undefined;
  channel: string;
  properties: JsonObject;
}

export interface StoryOrder {
  orderId: string;
  journey: string;
  time: number;
  value: number;
}

export interface StorySession {
  journey: string;
  day: string;
  events: StoryEvent[];
  /** Landmark times of stages 0–4 (undefined: not reached). */
  landmarks: (number | undefined)[];
  landmarkChannels: (string | undefined)[];
  start: number;
  last: number;
}

export interface StoryData {
  config: SiteConfig;
  /** Activity events by journey, by time. */
  activity: Map<string, StoryEvent[]>;
  sessions: StorySession[];
  /** First event of each order_id, by time. */
  orders: StoryOrder[];
  ordersByJourney: Map<string, StoryOrder[]>;
  /** NPS responses, by time. */
  responses: { journey: string; time: number; score: number }[];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Order value (metrics.md §3) in the site currency; 0 when the currency has no rate. */
function orderValue(config: SiteConfig, properties: JsonObject): number {
  const revenue = properties.revenue ?? properties.total;
  let value = typeof revenue === 'number' ? revenue : 0;
  if (typeof revenue !== 'number' && Array.isArray(properties.products)) {
    for (const line of properties.products as JsonObject[]) {
      value += Number(line.price ?? 0) * Number(line.quantity ?? 1);
    }
  }
  const currency = text(properties.currency) ?? config.currency;
  if (currency === config.currency) return value;
  const rate = config.currencyRates[currency];
  return rate === undefined ? 0 : value * rate;
}

/** De-duplicates, resolves journeys with every link, forms sessions and the order ledger. */
export function readStory(config: SiteConfig, messages: readonly SimulatedMessage[]): StoryData {
  const seen = new Set<string>();
  const unique: SimulatedMessage['message'][] = [];
  for (const { message } of messages) {
    if (seen.has(message.messageId)) continue;
    seen.add(message.messageId);
    unique.push(message);
  }
  const links = new Map<string, { userId: string; time: number }>();
  const link = (anonymousId: string | undefined, userId: string | undefined, time: number) => {
    if (!anonymousId || !userId) return;
    const known = links.get(anonymousId);
    if (!known || time < known.time) links.set(anonymousId, { userId, time });
  };
  for (const m of unique) {
    const time = Date.parse(m.timestamp);
    if (m.type === 'alias') link(m.previousId, m.userId, time);
    else link(m.anonymousId, m.userId, time);
  }
  const journeyOf = (m: (typeof unique)[number]) =>
    m.userId ?? (m.anonymousId ? (links.get(m.anonymousId)?.userId ?? m.anonymousId) : m.messageId);

  const activity = new Map<string, StoryEvent[]>();
  const firstOrders = new Map<string, StoryOrder>();
  const responses: StoryData['responses'] = [];
  for (const m of unique) {
    if (m.type === 'identify' || m.type === 'alias') continue;
    const time = Date.parse(m.timestamp);
    const properties = m.properties ?? {};
    const event: StoryEvent = {
      time,
      day: localDate(time, config.timezone),
      type: m.type,
      event: m.event,
      journey: journeyOf(m),
      touchpoint: text(properties.touchpoint) ?? text(m.context?.touchpoint),
      channel: text(m.context?.channel) ?? 'unknown',
      properties,
    };
    const list = activity.get(event.journey);
    if (list) list.push(event);
    else activity.set(event.journey, [event]);
    if (m.event === 'Order Completed') {
      const orderId = text(properties.order_id) ?? `message:${m.messageId}`;
      const known = firstOrders.get(orderId);
      if (!known || time < known.time) {
        firstOrders.set(orderId, {
          orderId,
          journey: event.journey,
          time,
          value: orderValue(config, properties),
        });
      }
    }
    if (
      m.event === 'Survey Responded' &&
      properties.survey === 'nps' &&
      typeof properties.score === 'number'
    ) {
      responses.push({ journey: event.journey, time, score: properties.score });
    }
  }
  const sessions: StorySession[] = [];
  const gap = (config.sessionGapMinutes ?? 30) * 60_000;
  for (const [journey, events] of activity) {
    events.sort((a, b) => a.time - b.time);
    let current: StoryEvent[] = [];
    const close = () => {
      const first = current[0];
      const last = current.at(-1);
      if (!first || !last) return;
      const landmarks: (number | undefined)[] = [first.time, undefined, undefined, undefined, undefined];
      const landmarkChannels: (string | undefined)[] = [
        first.channel,
        undefined,
        undefined,
        undefined,
        undefined,
      ];
      for (const e of current) {
        const stage = e.event ? STAGES[e.event] : undefined;
        if (stage !== undefined && landmarks[stage] === undefined) {
          landmarks[stage] = e.time;
          landmarkChannels[stage] = e.channel;
        }
      }
      sessions.push({
        journey,
        day: first.day,
        events: current,
        landmarks,
        landmarkChannels,
        start: first.time,
        last: last.time,
      });
    };
    for (const e of events) {
      const previous = current.at(-1);
      if (previous && (e.time - previous.time > gap || e.day !== previous.day)) {
        close();
        current = [];
      }
      current.push(e);
    }
    close();
  }
  const orders = [...firstOrders.values()].sort((a, b) => a.time - b.time);
  const ordersByJourney = new Map<string, StoryOrder[]>();
  for (const order of orders) {
    const list = ordersByJourney.get(order.journey);
    if (list) list.push(order);
    else ordersByJourney.set(order.journey, [order]);
  }
  responses.sort((a, b) => a.time - b.time);
  return { config, activity, sessions, orders, ordersByJourney, responses };
}

function stageAt(session: StorySession, time: number): number {
  let stage = 0;
  session.landmarks.forEach((landmark, s) => {
    if (landmark !== undefined && landmark <= time) stage = Math.max(stage, s);
  });
  return stage;
}

function depthBucket(events: number): string {
  return events === 0 ? '0' : events < 5 ? '1-4' : events < 20 ? '5-19' : '20+';
}

export interface Unit {
  exposed: boolean;
  journey: string;
  stage: number;
  index: number;
  stratum: string;
  y: number;
  /** Whether the lookback held a cart add or checkout (the stratum's `intent`). */
  intent: boolean;
}

export interface TouchpointOutcome {
  touchpoint: string;
  cost: number;
  exposed: number;
  controls: number;
  revenuePerJourneyExposed: number | null;
  revenuePerJourneyControl: number | null;
  naiveIncrementalRevenue: number | null;
  naiveRox: number | null;
  strata: number;
  usableStrata: number;
  coverage: number | null;
  incrementalRevenuePerJourney: number | null;
  incrementalRevenuePerJourneyLow: number | null;
  incrementalRevenuePerJourneyHigh: number | null;
  rox: number | null;
  roxLow: number | null;
  roxHigh: number | null;
  verdict: 'pays' | 'loses' | 'unclear' | null;
  units: Unit[];
}

/** metrics.md §7 for figures day `date` and one touchpoint with a cost. */
export function outcomeOf(data: StoryData, date: string, touchpoint: string): TouchpointOutcome {
  const { config } = data;
  const { windowDays: w, horizonDays: h, lookbackDays: l } = config.outcomes;
  const from = addDays(date, -h - w + 1);
  const to = addDays(date, -h);
  const endOfD = localDayBounds(date, config.timezone).end;
  const dailyCost = config.touchpoints[touchpoint]?.dailyCost ?? 0;
  const cost = dailyCost * w;

  const outcome = (journey: string, index: number) => {
    let y = 0;
    for (const order of data.ordersByJourney.get(journey) ?? []) {
      if (order.time > index && order.time <= index + h * DAY && order.time < endOfD) y += order.value;
    }
    return y;
  };
  const lookbackOf = (session: StorySession) => {
    let events = 0;
    let intent = false;
    let returning = false;
    for (const e of data.activity.get(session.journey) ?? []) {
      if (e.time < session.start - l * DAY || e.time >= session.start) continue;
      events++;
      if (e.event === 'Product Added' || e.event === 'Checkout Started') intent = true;
      if (e.event === 'Order Completed') returning = true;
    }
    return { key: `${depthBucket(events)}|${intent}|${returning}`, intent };
  };

  const units: Unit[] = [];
  const naiveControls: number[] = [];
  for (const session of data.sessions) {
    if (session.day < from || session.day > to) continue;
    const firstUse = session.events.find((e) => e.touchpoint === touchpoint);
    const history = lookbackOf(session);
    if (firstUse) {
      const stage = stageAt(session, firstUse.time);
      units.push({
        exposed: true,
        journey: session.journey,
        stage,
        index: firstUse.time,
        stratum: `${stage}|${firstUse.channel}|${history.key}`,
        y: outcome(session.journey, firstUse.time),
        intent: history.intent,
      });
    }
    for (let s = 0; s <= 4; s++) {
      const landmark = session.landmarks[s];
      if (landmark === undefined || stageAt(session, landmark) !== s) continue;
      const higher = session.landmarks
        .slice(s + 1)
        .filter((time): time is number => time !== undefined && time > landmark);
      const end = higher.length > 0 ? Math.min(...higher) : session.last;
      if (firstUse && firstUse.time <= end) continue;
      const y = outcome(session.journey, landmark);
      units.push({
        exposed: false,
        journey: session.journey,
        stage: s,
        index: landmark,
        stratum: `${s}|${session.landmarkChannels[s]}|${history.key}`,
        y,
        intent: history.intent,
      });
      if (s === 0 && !firstUse) naiveControls.push(y);
    }
  }

  const exposedUnits = units.filter((u) => u.exposed);
  const mean = (values: readonly number[]) =>
    values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length;
  const perExposed = mean(exposedUnits.map((u) => u.y));
  const perControl = mean(naiveControls);
  const naive =
    perExposed === null || perControl === null ? null : (perExposed - perControl) * exposedUnits.length;

  const byStratum = new Map<string, { exposed: Unit[]; controls: Unit[] }>();
  for (const unit of units) {
    const group = byStratum.get(unit.stratum) ?? { exposed: [], controls: [] };
    (unit.exposed ? group.exposed : group.controls).push(unit);
    byStratum.set(unit.stratum, group);
  }
  const usable = [...byStratum.values()].filter((g) => g.exposed.length >= 2 && g.controls.length >= 2);
  const n = usable.reduce((sum, g) => sum + g.exposed.length, 0);
  let delta: number | null = null;
  let variance = 0;
  if (n > 0) {
    delta = 0;
    const byJourney = new Map<string, number>();
    for (const g of usable) {
      const v = g.exposed.length / n;
      const me = mean(g.exposed.map((u) => u.y)) ?? 0;
      const mc = mean(g.controls.map((u) => u.y)) ?? 0;
      delta += v * (me - mc);
      for (const u of g.exposed)
        byJourney.set(u.journey, (byJourney.get(u.journey) ?? 0) + (v / g.exposed.length) * (u.y - me));
      for (const u of g.controls)
        byJourney.set(u.journey, (byJourney.get(u.journey) ?? 0) - (v / g.controls.length) * (u.y - mc));
    }
    for (const sum of byJourney.values()) variance += sum * sum;
  }
  const half = Z90 * Math.sqrt(variance);
  const roxOf = (perJourney: number | null) =>
    perJourney === null || cost === 0 ? null : (perJourney * exposedUnits.length - cost) / cost;
  const rox = roxOf(delta);
  const roxLow = roxOf(delta === null ? null : delta - half);
  const roxHigh = roxOf(delta === null ? null : delta + half);
  return {
    touchpoint,
    cost,
    exposed: exposedUnits.length,
    controls: units.length - exposedUnits.length,
    revenuePerJourneyExposed: perExposed,
    revenuePerJourneyControl: perControl,
    naiveIncrementalRevenue: naive,
    naiveRox: naive === null || cost === 0 ? null : (naive - cost) / cost,
    strata: byStratum.size,
    usableStrata: usable.length,
    coverage: exposedUnits.length === 0 ? null : n / exposedUnits.length,
    incrementalRevenuePerJourney: delta,
    incrementalRevenuePerJourneyLow: delta === null ? null : delta - half,
    incrementalRevenuePerJourneyHigh: delta === null ? null : delta + half,
    rox,
    roxLow,
    roxHigh,
    verdict:
      roxLow === null || roxHigh === null ? null : roxLow > 0 ? 'pays' : roxHigh < 0 ? 'loses' : 'unclear',
    units,
  };
}

export interface CustomerReading {
  returning: number;
  repeatRate: number | null;
  retention30: number | null;
  ltv30: number | null;
  retention90: number | null;
  ltv90: number | null;
  experienceValue: Record<
    'promoters' | 'passives' | 'detractors',
    { respondents: number; revenuePerRespondent: number | null; repurchaseRate: number | null }
  > & { gap: number | null };
}

/** metrics.md §8 for figures day `date` (cohorts left out). */
export function customersOf(data: StoryData, date: string): CustomerReading {
  const { timezone } = data.config;
  const endOfD = localDayBounds(date, timezone).end;
  const orders = data.orders.filter((o) => o.time < endOfD);
  const byJourney = new Map<string, StoryOrder[]>();
  for (const order of orders) byJourney.set(order.journey, [...(byJourney.get(order.journey) ?? []), order]);
  const dayOf = (time: number) => localDate(time, timezone);
  let returning = 0;
  let customers = 0;
  let repeaters = 0;
  for (const list of byJourney.values()) {
    const first = list[0];
    if (!first) continue;
    customers++;
    if (list.length >= 2) repeaters++;
    if (dayOf(first.time) < date && list.some((o) => dayOf(o.time) === date)) returning++;
  }
  const cohort = (fromBack: number, toBack: number, days: number) => {
    const from = addDays(date, -fromBack);
    const to = addDays(date, -toBack);
    let size = 0;
    let retained = 0;
    let value = 0;
    for (const list of byJourney.values()) {
      const first = list[0];
      if (!first || dayOf(first.time) < from || dayOf(first.time) > to) continue;
      size++;
      const within = list.filter((o) => o.time >= first.time && o.time <= first.time + days * DAY);
      if (within.some((o) => o.time > first.time)) retained++;
      value += within.reduce((sum, o) => sum + o.value, 0);
    }
    return size === 0 ? { rate: null, ltv: null } : { rate: retained / size, ltv: value / size };
  };
  const r30 = cohort(59, 30, 30);
  const r90 = cohort(119, 90, 90);

  const from = addDays(date, -59);
  const to = addDays(date, -30);
  const latest = new Map<string, { time: number; score: number }>();
  for (const response of data.responses) {
    const day = dayOf(response.time);
    if (day < from || day > to) continue;
    const known = latest.get(response.journey);
    if (!known || response.time > known.time) latest.set(response.journey, response);
  }
  const groups = { promoters: [] as number[][], passives: [] as number[][], detractors: [] as number[][] };
  for (const [journey, response] of latest) {
    const after = (byJourney.get(journey) ?? []).filter(
      (o) => o.time > response.time && o.time <= response.time + 30 * DAY,
    );
    const group =
      response.score >= 9 ? groups.promoters : response.score >= 7 ? groups.passives : groups.detractors;
    group.push(after.map((o) => o.value));
  }
  const summary = (group: number[][]) => ({
    respondents: group.length,
    revenuePerRespondent:
      group.length === 0
        ? null
        : group.reduce((sum, values) => sum + values.reduce((a, b) => a + b, 0), 0) / group.length,
    repurchaseRate:
      group.length === 0 ? null : group.filter((values) => values.length > 0).length / group.length,
  });
  const promoters = summary(groups.promoters);
  const detractors = summary(groups.detractors);
  return {
    returning,
    repeatRate: customers === 0 ? null : repeaters / customers,
    retention30: r30.rate,
    ltv30: r30.ltv,
    retention90: r90.rate,
    ltv90: r90.ltv,
    experienceValue: {
      promoters,
      passives: summary(groups.passives),
      detractors,
      gap:
        promoters.revenuePerRespondent === null || detractors.revenuePerRespondent === null
          ? null
          : promoters.revenuePerRespondent - detractors.revenuePerRespondent,
    },
  };
}
