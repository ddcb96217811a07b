/**
 * What the lookback covariates of a day's sessions (metrics.md §7 "Stratum": `depth` and `intent`
 * over the journey's activity events in [session start − l × 24 h, session start)) read of the days
 * before it, summarised once per journey for the whole day.
 *
 * Every session of D starts within D, so a time t of a day before D is counted for every session
 * when t ≥ end of D − l × 24 h ("settled"), for none when t < start of D − l × 24 h, and in between
 * ("edge", about one day's worth) only for the sessions starting at or before t + l × 24 h. Depth
 * buckets stop at 20, so a journey keeps at most 20 settled counts and its 20 latest edge times. The
 * summary is built from the lookback days' activity once per figure day and stored: every hourly
 * run of D reads it instead of walking each returning journey's times of l + 1 days per session.
 */
import { localDayBounds } from '../time';
import type { JourneyActivity } from './derived';
import type { ActivityColumns, Growing, NumberColumn } from './session-columns';

const DAY_MS = 86_400_000;
/** The depth bucket `20+` starts here (§7 "Stratum"): more events than this change nothing. */
export const DEPTH_CAP = 20;

/** A lookback day's activity: as objects, or as stored (session-columns.ts). */
export type LookbackDay = readonly JourneyActivity[] | ActivityColumns;

export interface LookbackSummary {
  /** Start of D (epoch ms): the edge times are kept relative to it, less l × 24 h. */
  startOfDay: number;
  journeys: string[];
  /** Per journey: min(20, settled activity events) × 2 + (a settled intent event ? 1 : 0). */
  settled: NumberColumn;
  /** n + 1 offsets into `edgeTimes`. */
  edgeOffsets: NumberColumn;
  /** A journey's (at most 20 latest) edge activity times, ascending, ms after start of D − reach. */
  edgeTimes: NumberColumn;
  /** Per journey: its latest edge intent time, ms after start of D − reach; −1 with none. */
  edgeIntent: NumberColumn;
}

/** Where a journey's lookback stands before D, for the sessions of D. */
export interface JourneyLookback {
  summary: LookbackSummary;
  index: number;
}

interface Collected {
  settled: number;
  settledIntent: boolean;
  edge: number[];
  edgeIntent: number;
}

/** The days' times of one journey, as objects or as their place in stored columns. */
function forEachTime(
  day: LookbackDay,
  visit: (journeyId: string, time: number, intent: boolean) => void,
): void {
  if (!('timeOffsets' in day)) {
    for (const activity of day) {
      for (const time of activity.times) visit(activity.journeyId, time, false);
      for (const time of activity.intentTimes) visit(activity.journeyId, time, true);
    }
    return;
  }
  for (let index = 0; index < day.journeys.length; index += 1) {
    const journeyId = day.journeys[index] ?? '';
    // Stored as gaps, the first from the columns' base (session-columns.ts).
    let time = day.base;
    for (let i = day.timeOffsets[index] ?? 0; i < (day.timeOffsets[index + 1] ?? 0); i += 1) {
      time += day.times[i] ?? 0;
      visit(journeyId, time, false);
    }
    time = day.base;
    for (let i = day.intentOffsets[index] ?? 0; i < (day.intentOffsets[index + 1] ?? 0); i += 1) {
      time += day.intentTimes[i] ?? 0;
      visit(journeyId, time, true);
    }
  }
}

/** The lookback of D's sessions from the activity of the days before D (any order, any number). */
export function lookbackSummaryOf(
  lookback: readonly LookbackDay[],
  day: { date: string; timeZone: string; lookbackDays: number },
): LookbackSummary {
  const { start: startOfDay, end: endOfDay } = localDayBounds(day.date, day.timeZone);
  const reach = day.lookbackDays * DAY_MS;
  const edgeFrom = startOfDay - reach;
  const settledFrom = endOfDay - reach;
  const byJourney = new Map<string, Collected>();
  for (const activity of lookback) {
    forEachTime(activity, (journeyId, time, intent) => {
      // Days before D only: a time at or after the start of D is no day's lookback here.
      if (time < edgeFrom || time >= startOfDay) return;
      let collected = byJourney.get(journeyId);
      if (collected === undefined) {
        collected = { settled: 0, settledIntent: false, edge: [], edgeIntent: -1 };
        byJourney.set(journeyId, collected);
      }
      if (time >= settledFrom) {
        if (intent) collected.settledIntent = true;
        else collected.settled += 1;
      } else if (intent) collected.edgeIntent = Math.max(collected.edgeIntent, time - edgeFrom);
      else collected.edge.push(time - edgeFrom);
    });
  }
  const summary: Growing<LookbackSummary> = {
    startOfDay,
    journeys: [],
    settled: [],
    edgeOffsets: [0],
    edgeTimes: [],
    edgeIntent: [],
  };
  for (const [journeyId, collected] of byJourney) {
    summary.journeys.push(journeyId);
    summary.settled.push(Math.min(collected.settled, DEPTH_CAP) * 2 + (collected.settledIntent ? 1 : 0));
    collected.edge.sort((a, b) => a - b);
    for (const time of collected.edge.slice(-DEPTH_CAP)) summary.edgeTimes.push(time);
    summary.edgeOffsets.push(summary.edgeTimes.length);
    summary.edgeIntent.push(collected.edgeIntent);
  }
  return summary;
}

/** Each journey of the summary that `wanted` holds, with its place in the summary. */
export function journeyLookbacks(
  summary: LookbackSummary,
  wanted: { has: (journeyId: string) => boolean },
): Map<string, JourneyLookback> {
  const found = new Map<string, JourneyLookback>();
  for (let index = 0; index < summary.journeys.length; index += 1) {
    const journeyId = summary.journeys[index] ?? '';
    if (wanted.has(journeyId)) found.set(journeyId, { summary, index });
  }
  return found;
}

/**
 * The journey's activity events before D in the lookback of a session starting at `start` (capped at
 * 20), and whether an intent event is among them.
 */
export function lookbackBefore(entry: JourneyLookback, start: number): { events: number; intent: boolean } {
  const { summary, index } = entry;
  const settled = summary.settled[index] ?? 0;
  // The edge times at or after the session's lookback start: counted from the latest back.
  const threshold = start - summary.startOfDay;
  const begin = summary.edgeOffsets[index] ?? 0;
  let edge = 0;
  for (let i = (summary.edgeOffsets[index + 1] ?? begin) - 1; i >= begin; i -= 1) {
    if ((summary.edgeTimes[i] ?? 0) < threshold) break;
    edge += 1;
  }
  return {
    events: (settled >> 1) + edge,
    intent: (settled & 1) === 1 || (summary.edgeIntent[index] ?? -1) >= threshold,
  };
}
