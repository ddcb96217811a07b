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
  lookback: readonly (readonly JourneyActivity[])[],
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
  for (const dayActivity of lookback) for (const activity of dayActivity) addHistory(activity);
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

/** The session's stage at time x: the highest stage whose landmark lies at or before x (§7 "Stages"). */
function stageAt(landmarks: readonly (number | null)[], x: number): number {
  for (let stage = STAGES - 1; stage > 0; stage -= 1) {
    const landmark = landmarks[stage];
    if (landmark !== null && landmark !== undefined && landmark <= x) return stage;
  }
  return 0;
}

/** The end of the session's time at stage s: its earliest landmark of a higher stage, else its last event. */
function endOfStage(session: OutcomeSession, stage: number): number {
  let end = Number.POSITIVE_INFINITY;
  for (let higher = stage + 1; higher < STAGES; higher += 1) {
    const landmark = session.landmarks[higher];
    if (landmark !== null && landmark !== undefined && landmark < end) end = landmark;
  }
  return end === Number.POSITIVE_INFINITY ? session.last : end;
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

interface Unit {
  journeyId: string;
  exposed: boolean;
  /** A stage-0 control of a session with no event of the touchpoint: the naive comparison's control. */
  naiveControl: boolean;
  stratum: string;
  y: number;
}

interface Stratum {
  exposed: number;
  controls: number;
  sumExposed: number;
  sumControls: number;
}

/** §7 "Units" of one touchpoint over the exposure days, with their outcome Y and stratum. */
function unitsOf(
  touchpoint: string,
  exposureDays: readonly (readonly OutcomeSession[])[],
  ledger: CustomerLedger,
  horizonMs: number,
  lookbackMs: number,
  endOfDay: number,
): Unit[] {
  const units: Unit[] = [];
  for (const sessions of exposureDays) {
    for (const session of sessions) {
      const orders = ledger.ordersByJourney.get(session.journeyId);
      const history = `${session.depth}|${session.intent ? 1 : 0}|${hasOrderIn(orders, session.start - lookbackMs, session.start) ? 1 : 0}`;
      const outcome = (tau: number) => valueBetween(orders, tau, tau + horizonMs, endOfDay);
      const exposure = session.exposures.find((entry) => entry.touchpoint === touchpoint);
      for (let stage = 0; stage < STAGES; stage += 1) {
        const landmark = session.landmarks[stage];
        if (landmark === null || landmark === undefined || stageAt(session.landmarks, landmark) !== stage)
          continue;
        // A session is a control only at the stages it passes before its first exposure.
        if (exposure !== undefined && exposure.time <= endOfStage(session, stage)) break;
        units.push({
          journeyId: session.journeyId,
          exposed: false,
          naiveControl: stage === 0 && exposure === undefined,
          stratum: `${stage}|${session.landmarkChannels[stage] ?? 'unknown'}|${history}`,
          y: outcome(landmark),
        });
      }
      if (exposure !== undefined) {
        const stage = stageAt(session.landmarks, exposure.time);
        units.push({
          journeyId: session.journeyId,
          exposed: true,
          naiveControl: false,
          stratum: `${stage}|${exposure.channel}|${history}`,
          y: outcome(exposure.time),
        });
      }
    }
  }
  return units;
}

const ratio = (value: number, cost: number) => (value - cost) / cost;

/** One touchpoint's figures from its units (§7 "naive" and "adjusted"). */
function touchpointFigures(
  touchpoint: string,
  cost: number,
  units: readonly Unit[],
): OutcomeTouchpointFigures {
  let exposed = 0;
  let sumExposed = 0;
  let naiveControls = 0;
  let sumNaive = 0;
  const strata = new Map<string, Stratum>();
  for (const unit of units) {
    let stratum = strata.get(unit.stratum);
    if (stratum === undefined) {
      stratum = { exposed: 0, controls: 0, sumExposed: 0, sumControls: 0 };
      strata.set(unit.stratum, stratum);
    }
    if (unit.exposed) {
      exposed += 1;
      sumExposed += unit.y;
      stratum.exposed += 1;
      stratum.sumExposed += unit.y;
    } else {
      stratum.controls += 1;
      stratum.sumControls += unit.y;
      if (unit.naiveControl) {
        naiveControls += 1;
        sumNaive += unit.y;
      }
    }
  }
  const controls = units.length - exposed;
  const meanExposed = exposed > 0 ? sumExposed / exposed : null;
  const meanControl = naiveControls > 0 ? sumNaive / naiveControls : null;
  const naiveIncrementalRevenue =
    meanExposed === null || meanControl === null ? null : (meanExposed - meanControl) * exposed;

  let usableStrata = 0;
  let covered = 0;
  for (const stratum of strata.values()) {
    if (stratum.exposed >= 2 && stratum.controls >= 2) {
      usableStrata += 1;
      covered += stratum.exposed;
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
    strata: strata.size,
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
  let delta = 0;
  for (const stratum of strata.values()) {
    if (stratum.exposed < 2 || stratum.controls < 2) continue;
    delta +=
      (stratum.exposed / covered) *
      (stratum.sumExposed / stratum.exposed - stratum.sumControls / stratum.controls);
  }
  // Journey-clustered variance: Σ over journeys of (Σ over its units of a_u r_u)².
  const byJourney = new Map<string, number>();
  for (const unit of units) {
    const stratum = strata.get(unit.stratum);
    if (stratum === undefined || stratum.exposed < 2 || stratum.controls < 2) continue;
    const weight = stratum.exposed / covered;
    const term = unit.exposed
      ? (weight / stratum.exposed) * (unit.y - stratum.sumExposed / stratum.exposed)
      : (-weight / stratum.controls) * (unit.y - stratum.sumControls / stratum.controls);
    byJourney.set(unit.journeyId, (byJourney.get(unit.journeyId) ?? 0) + term);
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
  const { config, date } = input;
  const { windowDays, horizonDays, lookbackDays } = config.outcomes;
  const { from, to } = exposureWindowOf(date, config);
  const endOfDay = localDayBounds(date, config.timezone).end;
  const priced = Object.entries(config.touchpoints)
    .filter(([, touchpoint]) => touchpoint.dailyCost > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    rox: {
      exposureFrom: from,
      exposureTo: to,
      windowDays,
      horizonDays,
      lookbackDays,
      touchpoints: priced.map(([name, touchpoint]) =>
        touchpointFigures(
          name,
          touchpoint.dailyCost * windowDays,
          unitsOf(
            name,
            input.exposureDays,
            input.ledger,
            horizonDays * DAY_MS,
            lookbackDays * DAY_MS,
            endOfDay,
          ),
        ),
      ),
    },
  };
}
