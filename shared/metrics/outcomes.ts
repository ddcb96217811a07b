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
import type { CustomerLedger, DepthBucket, Exposure, JourneyActivity, OutcomeSession } from './derived';
import {
  journeyLookbacks,
  type LookbackDay,
  type LookbackSummary,
  lookbackBefore,
  lookbackSummaryOf,
} from './lookback';
import {
  addDay,
  type OutcomesPrefix,
  type OutcomeTouchpointFigures,
  prefixBuilder,
  touchpointFigures,
  type WindowSettings,
  WindowStatistics,
} from './outcomes-window';
import { type SessionColumns, sessionColumnsOf } from './session-columns';

export type { OutcomesPrefix, OutcomeTouchpointFigures, Verdict } from './outcomes-window';

const DAY_MS = 86_400_000;
/** Stages 1–4 by the name of their landmark event (§7 "Stages"); stage 0 is the first activity event. */
const STAGE_OF_EVENT: ReadonlyMap<string, number> = new Map([
  [EVENT_NAMES.productViewed, 1],
  [EVENT_NAMES.productAdded, 2],
  [EVENT_NAMES.checkoutStarted, 3],
  [EVENT_NAMES.orderCompleted, 4],
]);
const STAGES = 5;

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
 * [session start − lookbackDays × 24 h, session start) — D's own and those of the `lookback` days
 * (their activity, or their summary for D: lookback.ts). `activity`: D's own, when the caller has it.
 */
export function outcomeSessionsOf(
  day: DayContext,
  lookback: readonly LookbackDay[] | LookbackSummary,
  lookbackDays: number,
  activity: readonly JourneyActivity[] = journeyActivityOf(day),
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

  // The days before D, summarised once for the day (lookback.ts); D's own activity as objects.
  const summary =
    'settled' in lookback
      ? lookback
      : lookbackSummaryOf(lookback, { date: day.date, timeZone: day.config.timezone, lookbackDays });
  const before = journeyLookbacks(summary, day.journeys);
  const own = new Map(activity.map((journey) => [journey.journeyId, journey]));
  const reach = lookbackDays * DAY_MS;

  return building.map((session, index) => {
    const journeyId = day.sessions[index]?.journeyId ?? '';
    const from = session.start - reach;
    const earlier = before.get(journeyId);
    const { events: daysBefore, intent: intentBefore } = earlier
      ? lookbackBefore(earlier, session.start)
      : { events: 0, intent: false };
    const today = own.get(journeyId);
    const events = daysBefore + (today ? countBetween(today.times, from, session.start) : 0);
    const intent =
      intentBefore || (today !== undefined && countBetween(today.intentTimes, from, session.start) > 0);
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

/** What the window's walk needs of the config, the ledger and D. */
function windowSettingsOf(input: Omit<OutcomesInput, 'exposureDays'>): {
  settings: WindowSettings;
  priced: [string, { dailyCost: number }][];
} {
  const { config, date } = input;
  const { horizonDays, lookbackDays } = config.outcomes;
  const priced = Object.entries(config.touchpoints)
    .filter(([, touchpoint]) => touchpoint.dailyCost > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    priced,
    settings: {
      priced: priced.map(([name]) => name),
      ledger: input.ledger,
      horizonMs: horizonDays * DAY_MS,
      lookbackMs: lookbackDays * DAY_MS,
      startOfDay: localDayBounds(date, config.timezone).start,
      endOfDay: localDayBounds(date, config.timezone).end,
    },
  };
}

/**
 * `outcomes` of day D with the exposure days added one at a time, in date order: a caller can read
 * each day, add it and let it go, so 28 days of a large site never sit in memory at once. With a
 * `prefix` (`outcomesPrefixBuilder`), which folds every day of the window, none is added.
 */
export function outcomesAccumulator(
  input: Omit<OutcomesInput, 'exposureDays'>,
  prefix?: OutcomesPrefix,
): {
  add: (day: SessionColumns) => void;
  finish: () => OutcomesFigures;
} {
  const { config, date } = input;
  const { windowDays, horizonDays, lookbackDays } = config.outcomes;
  const { from, to } = exposureWindowOf(date, config);
  const { settings, priced } = windowSettingsOf(input);
  const statistics = new WindowStatistics(settings, prefix);
  return {
    add: (day) => addDay(statistics, day),
    finish: () => ({
      rox: {
        exposureFrom: from,
        exposureTo: to,
        windowDays,
        horizonDays,
        lookbackDays,
        touchpoints: priced.map(([name, touchpoint], index) =>
          touchpointFigures(name, touchpoint.dailyCost * windowDays, statistics, index),
        ),
      },
    }),
  };
}

/**
 * Folds the exposure window's days (add them in date order) into the prefix every run of D starts
 * from: their units' Y up to the start of D cannot change any more; what D's orders add to the units
 * whose horizon reaches into D is added to it in each run.
 */
export function outcomesPrefixBuilder(input: Omit<OutcomesInput, 'exposureDays'>): {
  add: (day: SessionColumns) => void;
  finish: () => OutcomesPrefix;
} {
  return prefixBuilder(windowSettingsOf(input).settings);
}
