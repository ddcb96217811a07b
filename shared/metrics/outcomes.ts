/**
 * `outcomes` (metrics.md §7, "Outcomes: ROX over a window, adjusted for who engages"): per priced
 * touchpoint, the visits exposed to it over the exposure window, each followed for `horizonDays`,
 * compared with visits at the same funnel stage, on the same channel and with the same recent
 * history that did not use it then — the naive comparison beside a stratified estimate of the effect
 * on the exposed with a journey-clustered 90 % interval.
 *
 * The sessions come from the days' derived records (derived.ts): `journeyActivityOf` and
 * `outcomeSessionsOf` build a day's part from its day context, `outcomesFigures` reads the window.
 */
import type { SiteConfig } from '../config/site';
import { addDays, localDayBounds } from '../time';
import { type DayContext, EVENT_NAMES } from './day';
import type {
  CustomerLedger,
  DepthBucket,
  Exposure,
  JourneyActivity,
  LedgerOrder,
  OutcomeSession,
} from './derived';
import {
  type ActivityColumns,
  activityOfColumns,
  type SessionColumns,
  sessionColumnsOf,
} from './session-columns';

/** A lookback day's activity: as objects, or as stored (session-columns.ts). */
export type LookbackDay = readonly JourneyActivity[] | ActivityColumns;

const DAY_MS = 86_400_000;
/** The 95th percentile of the standard normal: δ ∓ z√V is a 90 % interval. */
const Z_90 = 1.6449;
/** Stages 1–4 by the name of their landmark event (§7 "Stages"); stage 0 is the first activity event. */
const STAGE_OF_EVENT: ReadonlyMap<string, number> = new Map([
  [EVENT_NAMES.productViewed, 1],
  [EVENT_NAMES.productAdded, 2],
  [EVENT_NAMES.checkoutStarted, 3],
  [EVENT_NAMES.orderCompleted, 4],
]);
const STAGES = 5;

export type Verdict = 'pays' | 'loses' | 'unclear';

/** One touchpoint of `outcomes.rox.touchpoints`, keys in metrics.md §7's order. */
export interface OutcomeTouchpointFigures {
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
  incrementalRevenue: number | null;
  incrementalRevenueLow: number | null;
  incrementalRevenueHigh: number | null;
  rox: number | null;
  roxLow: number | null;
  roxHigh: number | null;
  verdict: Verdict | null;
}

export interface OutcomesFigures {
  rox: {
    exposureFrom: string;
    exposureTo: string;
    windowDays: number;
    horizonDays: number;
    lookbackDays: number;
    touchpoints: OutcomeTouchpointFigures[];
  };
}

/** §7 "Exposure window": D−h−w+1 … D−h, so every exposure can be followed for h days by the end of D. */
export function exposureWindowOf(
  date: string,
  config: Pick<SiteConfig, 'outcomes'>,
): { from: string; to: string } {
  const to = addDays(date, -config.outcomes.horizonDays);
  return { from: addDays(to, -(config.outcomes.windowDays - 1)), to };
}

/** Per journey active on D: its activity event times and cart-add/checkout times, ascending. */
export function journeyActivityOf(day: DayContext): JourneyActivity[] {
  const byJourney = new Map<string, JourneyActivity>();
  for (const event of day.events) {
    if (!event.activity) continue;
    let activity = byJourney.get(event.journeyId);
    if (activity === undefined) {
      activity = { journeyId: event.journeyId, times: [], intentTimes: [] };
      byJourney.set(event.journeyId, activity);
    }
    activity.times.push(event.time);
    if (isIntent(event.name)) activity.intentTimes.push(event.time);
  }
  return [...byJourney.values()];
}

function isIntent(name: string | undefined): boolean {
  return name === EVENT_NAMES.productAdded || name === EVENT_NAMES.checkoutStarted;
}

/** The number of values of an ascending list in [from, to). */
function countBetween(sorted: readonly number[], from: number, to: number): number {
  return lowerBound(sorted, to) - lowerBound(sorted, from);
}

/** The first index whose value is ≥ `value` (ascending list). */
function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] ?? 0) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

function depthBucket(events: number): DepthBucket {
  if (events === 0) return '0';
  if (events < 5) return '1-4';
  if (events < 20) return '5-19';
  return '20+';
}

interface Building {
  start: number;
  last: number;
  landmarks: (number | null)[];
  landmarkChannels: (string | null)[];
  exposures: Map<string, Exposure>;
}

/**
 * D's sessions (in `day.sessions` order) with their landmarks, first exposures and lookback
 * covariates: `depth` and `intent` over the journey's activity events with time in
 * [session start − lookbackDays × 24 h, session start) — D's own and those of the `lookback` days.
 */
export function outcomeSessionsOf(
  day: DayContext,
  lookback: readonly LookbackDay[],
  lookbackDays: number,
): OutcomeSession[] {
  const building: Building[] = day.sessions.map(() => ({
    start: Number.NaN,
    last: Number.NaN,
    landmarks: Array.from({ length: STAGES }, () => null),
    landmarkChannels: Array.from({ length: STAGES }, () => null),
    exposures: new Map(),
  }));
  for (const event of day.events) {
    if (!event.activity) continue;
    const session = building[event.session];
    if (session === undefined) continue;
    const channel = event.channel;
    if (Number.isNaN(session.start)) {
      session.start = event.time;
      session.landmarks[0] = event.time;
      session.landmarkChannels[0] = channel;
    }
    session.last = event.time;
    const name = event.name;
    const stage = name === undefined ? undefined : STAGE_OF_EVENT.get(name);
    if (stage !== undefined && session.landmarks[stage] === null) {
      session.landmarks[stage] = event.time;
      session.landmarkChannels[stage] = channel;
    }
    const touchpoint = event.touchpoint;
    if (touchpoint !== undefined && !session.exposures.has(touchpoint))
      session.exposures.set(touchpoint, { touchpoint, time: event.time, channel });
  }

  const history = new Map<string, (readonly number[])[][]>();
  const addHistory = (activity: JourneyActivity) => {
    const known = history.get(activity.journeyId);
    if (known) known.push([activity.times, activity.intentTimes]);
    else history.set(activity.journeyId, [[activity.times, activity.intentTimes]]);
  };
  for (const dayActivity of lookback) {
    // As stored: only the journeys of D are decoded (most of a day's visitors do not come back).
    if ('timeOffsets' in dayActivity)
      for (const activity of activityOfColumns(dayActivity, day.journeys)) addHistory(activity);
    else for (const activity of dayActivity) addHistory(activity);
  }
  for (const activity of journeyActivityOf(day)) addHistory(activity);

  const reach = lookbackDays * DAY_MS;
  return building.map((session, index) => {
    const journeyId = day.sessions[index]?.journeyId ?? '';
    const from = session.start - reach;
    let events = 0;
    let intent = false;
    for (const [times = [], intentTimes = []] of history.get(journeyId) ?? []) {
      events += countBetween(times, from, session.start);
      if (!intent && countBetween(intentTimes, from, session.start) > 0) intent = true;
    }
    return {
      journeyId,
      start: session.start,
      last: session.last,
      landmarks: session.landmarks,
      landmarkChannels: session.landmarkChannels,
      exposures: [...session.exposures.values()].sort(
        (a, b) => a.time - b.time || (a.touchpoint < b.touchpoint ? -1 : a.touchpoint > b.touchpoint ? 1 : 0),
      ),
      depth: depthBucket(events),
      intent,
    };
  });
}

/** Σ values of `orders` (by time) with time in (from, to] and before `before`. */
function valueBetween(
  orders: readonly LedgerOrder[] | undefined,
  from: number,
  to: number,
  before: number,
): number {
  if (orders === undefined) return 0;
  let low = 0;
  let high = orders.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((orders[mid]?.time ?? 0) <= from) low = mid + 1;
    else high = mid;
  }
  let sum = 0;
  for (let i = low; i < orders.length; i++) {
    const order = orders[i];
    if (order === undefined || order.time > to || order.time >= before) break;
    sum += order.value;
  }
  return sum;
}

/** Whether `orders` (by time) holds one with time in [from, to). */
function hasOrderIn(orders: readonly LedgerOrder[] | undefined, from: number, to: number): boolean {
  if (orders === undefined) return false;
  let low = 0;
  let high = orders.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((orders[mid]?.time ?? 0) < from) low = mid + 1;
    else high = mid;
  }
  const order = orders[low];
  return order !== undefined && order.time < to;
}

/**
 * Units in growable typed arrays: a window of a large site holds tens of millions of them. A control
 * unit (a session at a stage) is stored once for every touchpoint it is a control of, with a bit per
 * touchpoint; most units' Y is 0 (no order follows), the others are kept aside.
 */
class Units {
  length = 0;
  journey = new Int32Array(1024);
  stratum = new Int32Array(1024);
  /** `words` 32-bit words per unit: bit t set when the unit counts for touchpoint t. */
  members: Uint32Array;
  /** The same for the naive comparison's controls: stage-0 units of sessions with no event of t. */
  naive: Uint32Array;
  readonly nonZero = new Map<number, number>();

  constructor(readonly words: number) {
    this.members = new Uint32Array(1024 * words);
    this.naive = new Uint32Array(1024 * words);
  }

  /** Adds a unit and returns its index; its member bits are then set with `mark`. */
  push(journey: number, stratum: number, y: number): number {
    if (this.length === this.journey.length) this.grow();
    const unit = this.length;
    this.journey[unit] = journey;
    this.stratum[unit] = stratum;
    if (y !== 0) this.nonZero.set(unit, y);
    this.length += 1;
    return unit;
  }

  mark(unit: number, touchpoint: number, naive: boolean): void {
    const word = unit * this.words + (touchpoint >>> 5);
    const bit = 1 << (touchpoint & 31);
    this.members[word] = (this.members[word] ?? 0) | bit;
    if (naive) this.naive[word] = (this.naive[word] ?? 0) | bit;
  }

  has(bits: Uint32Array, unit: number, touchpoint: number): boolean {
    return (((bits[unit * this.words + (touchpoint >>> 5)] ?? 0) >>> (touchpoint & 31)) & 1) === 1;
  }

  y(unit: number): number {
    return this.nonZero.get(unit) ?? 0;
  }

  private grow(): void {
    const size = this.journey.length * 2;
    const grown = <T extends Int32Array | Uint32Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.journey = grown(this.journey, new Int32Array(size));
    this.stratum = grown(this.stratum, new Int32Array(size));
    this.members = grown(this.members, new Uint32Array(size * this.words));
    this.naive = grown(this.naive, new Uint32Array(size * this.words));
  }
}

/** Group sizes and sums of one touchpoint, by stratum id. */
class StrataCounts {
  readonly exposed: number[] = [];
  readonly controls: number[] = [];
  readonly sumExposed: number[] = [];
  readonly sumControls: number[] = [];
  /** Strata in which the touchpoint has a unit, in order of first unit (`strata` counts them). */
  readonly seen: number[] = [];

  touch(stratum: number): void {
    while (this.exposed.length <= stratum) {
      this.exposed.push(-1);
      this.controls.push(0);
      this.sumExposed.push(0);
      this.sumControls.push(0);
    }
    if ((this.exposed[stratum] ?? 0) < 0) {
      this.exposed[stratum] = 0;
      this.seen.push(stratum);
    }
  }
}

interface Window {
  /** Control units, shared by the touchpoints. */
  controls: Units;
  /** Exposed units, one list per touchpoint. */
  exposed: Units[];
  counts: StrataCounts[];
}

/**
 * §7 "Units" of every priced touchpoint over the exposure days, one pass over each day's sessions: Y,
 * the stratum and the journey of each unit.
 */
function unitCollector(
  priced: readonly string[],
  ledger: CustomerLedger,
  horizonMs: number,
  lookbackMs: number,
  endOfDay: number,
): { window: Window; add: (day: SessionColumns) => void } {
  const words = Math.max(1, Math.ceil(priced.length / 32));
  const window: Window = {
    controls: new Units(words),
    exposed: priced.map(() => new Units(1)),
    counts: priced.map(() => new StrataCounts()),
  };
  const strata = new Map<number, number>();
  const channelIds = new Map<string, number>();
  // Journeys by a 52-bit hash of their id: the ids of 28 days need not stay in memory to cluster units.
  const journeyIds = new Map<number, number>();
  const globalId = <K>(map: Map<K, number>, value: K) => {
    let id = map.get(value);
    if (id === undefined) {
      id = map.size;
      map.set(value, id);
    }
    return id;
  };
  const pricedIndex = new Map(priced.map((name, index) => [name, index]));
  const landmarks = new Float64Array(STAGES);
  const add = (day: SessionColumns) => {
    const channel = day.channels.map((name) => globalId(channelIds, name));
    const touchpointOf = day.touchpoints.map((name) => pricedIndex.get(name) ?? -1);
    const journey = day.journeys.map((name) => globalId(journeyIds, hash52(name)));
    const orders = day.journeys.map((name) => ledger.ordersByJourney.get(name));
    const firstExposure = new Float64Array(priced.length);
    const exposureChannel = new Int32Array(priced.length);
    for (let i = 0; i < day.journey.length; i += 1) {
      const local = day.journey[i] ?? 0;
      const journeyId = journey[local] ?? 0;
      const journeyOrders = orders[local];
      const start = day.start[i] ?? 0;
      landmarks[0] = start;
      for (let stage = 1; stage < STAGES; stage += 1) {
        const offset = day.landmarks[i * 4 + stage - 1] ?? -1;
        landmarks[stage] = offset < 0 ? Number.NaN : start + offset;
      }
      const last = start + (day.last[i] ?? 0);
      const history =
        (day.covariates[i] ?? 0) * 2 + (hasOrderIn(journeyOrders, start - lookbackMs, start) ? 1 : 0);
      firstExposure.fill(Number.NaN);
      for (let e = day.exposureOffsets[i] ?? 0; e < (day.exposureOffsets[i + 1] ?? 0); e += 1) {
        const t = touchpointOf[day.exposureTouchpoint[e] ?? 0] ?? -1;
        if (t < 0) continue;
        firstExposure[t] = start + (day.exposureTime[e] ?? 0);
        exposureChannel[t] = channel[day.exposureChannel[e] ?? 0] ?? 0;
      }
      const outcome = (tau: number) =>
        journeyOrders === undefined ? 0 : valueBetween(journeyOrders, tau, tau + horizonMs, endOfDay);
      const stratumOf = (stage: number, channelId: number) =>
        globalId(strata, (stage * 65_536 + channelId) * 16 + history);
      // The stages the session is at, with the end of its time at each (§7 "control unit").
      for (let stage = 0; stage < STAGES; stage += 1) {
        const landmark = landmarks[stage] ?? Number.NaN;
        if (Number.isNaN(landmark) || stageAtTime(landmarks, landmark) !== stage) continue;
        const end = endOfStageTime(landmarks, stage, last);
        let unit = -1;
        let y = 0;
        let stratum = 0;
        for (let t = 0; t < priced.length; t += 1) {
          const exposure = firstExposure[t] ?? Number.NaN;
          // A session is a control only at the stages it passes before its first exposure.
          if (!Number.isNaN(exposure) && exposure <= end) continue;
          if (unit < 0) {
            y = outcome(landmark);
            stratum = stratumOf(stage, channel[day.landmarkChannels[i * STAGES + stage] ?? 0] ?? 0);
            unit = window.controls.push(journeyId, stratum, y);
          }
          window.controls.mark(unit, t, stage === 0 && Number.isNaN(exposure));
          const counts = window.counts[t];
          if (counts === undefined) continue;
          counts.touch(stratum);
          counts.controls[stratum] = (counts.controls[stratum] ?? 0) + 1;
          counts.sumControls[stratum] = (counts.sumControls[stratum] ?? 0) + y;
        }
      }
      for (let t = 0; t < priced.length; t += 1) {
        const exposure = firstExposure[t] ?? Number.NaN;
        const counts = window.counts[t];
        const units = window.exposed[t];
        if (Number.isNaN(exposure) || counts === undefined || units === undefined) continue;
        const y = outcome(exposure);
        const stratum = stratumOf(stageAtTime(landmarks, exposure), exposureChannel[t] ?? 0);
        counts.touch(stratum);
        counts.exposed[stratum] = (counts.exposed[stratum] ?? 0) + 1;
        counts.sumExposed[stratum] = (counts.sumExposed[stratum] ?? 0) + y;
        units.mark(units.push(journeyId, stratum, y), 0, false);
      }
    }
  };
  return { window, add };
}

/**
 * Two 32-bit hashes of the UTF-16 code units (FNV-1a, and a multiply-rotate with another constant),
 * 52 bits of them together (exact in a double): ~1 collision in 10^9 pairs of journeys, which would
 * only cluster two journeys' units as one in the variance.
 */
function hash52(value: string): number {
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    low = Math.imul(low ^ code, 0x01000193);
    high = Math.imul(((high << 5) | (high >>> 27)) ^ code, 0x5bd1e995);
  }
  high ^= high >>> 15;
  return ((high >>> 0) & 0xfffff) * 0x1_0000_0000 + (low >>> 0);
}

/** The session's stage at time x: the highest stage whose landmark lies at or before x (§7 "Stages"). */
function stageAtTime(landmarks: Float64Array, x: number): number {
  for (let stage = STAGES - 1; stage > 0; stage -= 1) {
    const landmark = landmarks[stage] ?? Number.NaN;
    if (landmark <= x) return stage;
  }
  return 0;
}

/** The end of the session's time at stage s: its earliest landmark of a higher stage, else its last event. */
function endOfStageTime(landmarks: Float64Array, stage: number, last: number): number {
  let end = Number.POSITIVE_INFINITY;
  for (let higher = stage + 1; higher < STAGES; higher += 1) {
    const landmark = landmarks[higher] ?? Number.NaN;
    if (landmark < end) end = landmark;
  }
  return end === Number.POSITIVE_INFINITY ? last : end;
}

const ratio = (value: number, cost: number) => (value - cost) / cost;

/** One touchpoint's figures from its units (§7 "naive" and "adjusted"). */
function touchpointFigures(
  touchpoint: string,
  cost: number,
  window: Window,
  t: number,
): OutcomeTouchpointFigures {
  const controlsOf = window.controls;
  const exposedUnits = window.exposed[t] ?? new Units(1);
  const counts = window.counts[t] ?? new StrataCounts();
  const exposed = exposedUnits.length;
  let sumExposed = 0;
  for (const y of exposedUnits.nonZero.values()) sumExposed += y;
  let controls = 0;
  let naiveControls = 0;
  let sumNaive = 0;
  for (let u = 0; u < controlsOf.length; u += 1) {
    if (!controlsOf.has(controlsOf.members, u, t)) continue;
    controls += 1;
    if (controlsOf.has(controlsOf.naive, u, t)) {
      naiveControls += 1;
      sumNaive += controlsOf.y(u);
    }
  }
  const meanExposed = exposed > 0 ? sumExposed / exposed : null;
  const meanControl = naiveControls > 0 ? sumNaive / naiveControls : null;
  const naiveIncrementalRevenue =
    meanExposed === null || meanControl === null ? null : (meanExposed - meanControl) * exposed;

  const strataCount = counts.exposed.length;
  const usable = new Uint8Array(strataCount);
  let usableStrata = 0;
  let covered = 0;
  for (const s of counts.seen) {
    const ne = counts.exposed[s] ?? 0;
    if (ne >= 2 && (counts.controls[s] ?? 0) >= 2) {
      usable[s] = 1;
      usableStrata += 1;
      covered += ne;
    }
  }
  const base = {
    touchpoint,
    cost,
    exposed,
    controls,
    revenuePerJourneyExposed: meanExposed,
    revenuePerJourneyControl: meanControl,
    naiveIncrementalRevenue,
    naiveRox: naiveIncrementalRevenue === null ? null : ratio(naiveIncrementalRevenue, cost),
    strata: counts.seen.length,
    usableStrata,
    coverage: exposed > 0 ? covered / exposed : null,
  };
  if (usableStrata === 0) {
    return {
      ...base,
      incrementalRevenuePerJourney: null,
      incrementalRevenuePerJourneyLow: null,
      incrementalRevenuePerJourneyHigh: null,
      incrementalRevenue: null,
      incrementalRevenueLow: null,
      incrementalRevenueHigh: null,
      rox: null,
      roxLow: null,
      roxHigh: null,
      verdict: null,
    };
  }
  // Per stratum: the mean Y of each group and the coefficients a_u of its units.
  const meanE = new Float64Array(strataCount);
  const meanC = new Float64Array(strataCount);
  const coefE = new Float64Array(strataCount);
  const coefC = new Float64Array(strataCount);
  let delta = 0;
  for (const s of counts.seen) {
    if (!usable[s]) continue;
    const ne = counts.exposed[s] ?? 1;
    const nc = counts.controls[s] ?? 1;
    const weight = ne / covered;
    meanE[s] = (counts.sumExposed[s] ?? 0) / ne;
    meanC[s] = (counts.sumControls[s] ?? 0) / nc;
    coefE[s] = weight / ne;
    coefC[s] = -weight / nc;
    delta += weight * ((meanE[s] ?? 0) - (meanC[s] ?? 0));
  }
  // Journey-clustered variance: Σ over journeys of (Σ over its units of a_u r_u)².
  const byJourney = new Map<number, number>();
  const addTerm = (journey: number, term: number) =>
    byJourney.set(journey, (byJourney.get(journey) ?? 0) + term);
  for (let u = 0; u < exposedUnits.length; u += 1) {
    const s = exposedUnits.stratum[u] ?? 0;
    if (usable[s])
      addTerm(exposedUnits.journey[u] ?? 0, (coefE[s] ?? 0) * (exposedUnits.y(u) - (meanE[s] ?? 0)));
  }
  for (let u = 0; u < controlsOf.length; u += 1) {
    const s = controlsOf.stratum[u] ?? 0;
    if (usable[s] && controlsOf.has(controlsOf.members, u, t))
      addTerm(controlsOf.journey[u] ?? 0, (coefC[s] ?? 0) * (controlsOf.y(u) - (meanC[s] ?? 0)));
  }
  let variance = 0;
  for (const sum of byJourney.values()) variance += sum * sum;
  const half = Z_90 * Math.sqrt(variance);
  const low = delta - half;
  const high = delta + half;
  const roxLow = ratio(low * exposed, cost);
  const roxHigh = ratio(high * exposed, cost);
  return {
    ...base,
    incrementalRevenuePerJourney: delta,
    incrementalRevenuePerJourneyLow: low,
    incrementalRevenuePerJourneyHigh: high,
    incrementalRevenue: delta * exposed,
    incrementalRevenueLow: low * exposed,
    incrementalRevenueHigh: high * exposed,
    rox: ratio(delta * exposed, cost),
    roxLow,
    roxHigh,
    verdict: roxLow > 0 ? 'pays' : roxHigh < 0 ? 'loses' : 'unclear',
  };
}

export interface OutcomesInput {
  config: SiteConfig;
  /** Day D, YYYY-MM-DD site-local. */
  date: string;
  /** The sessions of the exposure window's days (`exposureWindowOf`), in date order. */
  exposureDays: readonly (readonly OutcomeSession[])[];
  /** Every order of the site (orders after the end of D are left out here). */
  ledger: CustomerLedger;
}

/** metrics.md §7: `outcomes` of day D. */
export function outcomesFigures(input: OutcomesInput): OutcomesFigures {
  return outcomesFiguresOfColumns({ ...input, exposureDays: input.exposureDays.map(sessionColumnsOf) });
}

/** `outcomesFigures` over the exposure days' sessions as stored (session-columns.ts). */
export function outcomesFiguresOfColumns(
  input: Omit<OutcomesInput, 'exposureDays'> & { exposureDays: readonly SessionColumns[] },
): OutcomesFigures {
  const accumulator = outcomesAccumulator(input);
  for (const day of input.exposureDays) accumulator.add(day);
  return accumulator.finish();
}

/**
 * `outcomes` of day D with the exposure days added one at a time, in date order: a caller can read
 * each day, add it and let it go, so 28 days of a large site never sit in memory at once.
 */
export function outcomesAccumulator(input: Omit<OutcomesInput, 'exposureDays'>): {
  add: (day: SessionColumns) => void;
  finish: () => OutcomesFigures;
} {
  const { config, date } = input;
  const { windowDays, horizonDays, lookbackDays } = config.outcomes;
  const { from, to } = exposureWindowOf(date, config);
  const endOfDay = localDayBounds(date, config.timezone).end;
  const priced = Object.entries(config.touchpoints)
    .filter(([, touchpoint]) => touchpoint.dailyCost > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const collector = unitCollector(
    priced.map(([name]) => name),
    input.ledger,
    horizonDays * DAY_MS,
    lookbackDays * DAY_MS,
    endOfDay,
  );
  return {
    add: collector.add,
    finish: () => ({
      rox: {
        exposureFrom: from,
        exposureTo: to,
        windowDays,
        horizonDays,
        lookbackDays,
        touchpoints: priced.map(([name, touchpoint], index) =>
          touchpointFigures(name, touchpoint.dailyCost * windowDays, collector.window, index),
        ),
      },
    }),
  };
}
