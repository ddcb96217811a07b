/**
 * A day's outcome sessions (derived.ts `OutcomeSession`) as columns: one array per field, strings
 * (journey ids, channels, touchpoints) in tables and referred to by index, times relative to the
 * session's start. What the derived record stores and what the exposure window is read as: a day of a
 * million events has some 200,000 sessions, and 28 days of them as objects would not fit a function's
 * memory, nor parse in the time of an hourly run.
 */
import type { DepthBucket, JourneyActivity, OutcomeSession } from './derived';

/**
 * A column of numbers as read back: an array, or a typed array over the stored bytes
 * (shared/storage/columnar.ts). Read-only.
 */
export type NumberColumn = ArrayLike<number>;

/** The columns while they are being built. */
export type Growing<T> = { [K in keyof T]: T[K] extends NumberColumn ? number[] : T[K] };

export const DEPTH_BUCKETS: readonly DepthBucket[] = ['0', '1-4', '5-19', '20+'];
const STAGES = 5;

export interface SessionColumns {
  journeys: string[];
  channels: string[];
  touchpoints: string[];
  /** Per session: index into `journeys`. */
  journey: NumberColumn;
  /** Per session: its first activity event's time (epoch ms). */
  start: NumberColumn;
  /** Per session: its last activity event's time, ms after its start. */
  last: NumberColumn;
  /** 4 per session: the landmarks of stages 1–4, ms after its start; −1 for a stage not reached. */
  landmarks: NumberColumn;
  /** 5 per session: the channel (index into `channels`) of the landmarks of stages 0–4; −1 with none. */
  landmarkChannels: NumberColumn;
  /** Per session: DEPTH_BUCKETS index × 2 + (intent ? 1 : 0). */
  covariates: NumberColumn;
  /** n + 1 offsets into the exposure columns: session i's exposures are [offset[i], offset[i + 1]). */
  exposureOffsets: NumberColumn;
  exposureTouchpoint: NumberColumn;
  /** ms after the session's start. */
  exposureTime: NumberColumn;
  exposureChannel: NumberColumn;
}

/** A journey's activity as columns (what the lookback of the next days reads). */
export interface ActivityColumns {
  journeys: string[];
  /** n + 1 offsets into `times`, n + 1 into `intentTimes`. */
  timeOffsets: NumberColumn;
  /** What the first time of each journey is relative to (epoch ms): the times fit int32 columns. */
  base: number;
  /**
   * Ascending within a journey; the first of each journey relative to `base`, the others the gap to
   * the previous one. Likewise `intentTimes`.
   */
  times: NumberColumn;
  intentOffsets: NumberColumn;
  intentTimes: NumberColumn;
}

function tableOf(): { index: (value: string) => number; values: string[] } {
  const indexes = new Map<string, number>();
  const values: string[] = [];
  return {
    values,
    index(value) {
      let index = indexes.get(value);
      if (index === undefined) {
        index = values.length;
        values.push(value);
        indexes.set(value, index);
      }
      return index;
    },
  };
}

export function sessionColumnsOf(sessions: readonly OutcomeSession[]): SessionColumns {
  const journeys = tableOf();
  const channels = tableOf();
  const touchpoints = tableOf();
  const columns: Growing<SessionColumns> = {
    journeys: journeys.values,
    channels: channels.values,
    touchpoints: touchpoints.values,
    journey: [],
    start: [],
    last: [],
    landmarks: [],
    landmarkChannels: [],
    covariates: [],
    exposureOffsets: [0],
    exposureTouchpoint: [],
    exposureTime: [],
    exposureChannel: [],
  };
  for (const session of sessions) {
    const start = session.start;
    columns.journey.push(journeys.index(session.journeyId));
    columns.start.push(start);
    columns.last.push(session.last - start);
    for (let stage = 1; stage < STAGES; stage += 1) {
      const landmark = session.landmarks[stage];
      columns.landmarks.push(landmark === null || landmark === undefined ? -1 : landmark - start);
    }
    for (let stage = 0; stage < STAGES; stage += 1) {
      const channel = session.landmarkChannels[stage];
      columns.landmarkChannels.push(channel === null || channel === undefined ? -1 : channels.index(channel));
    }
    columns.covariates.push(DEPTH_BUCKETS.indexOf(session.depth) * 2 + (session.intent ? 1 : 0));
    for (const exposure of session.exposures) {
      columns.exposureTouchpoint.push(touchpoints.index(exposure.touchpoint));
      columns.exposureTime.push(exposure.time - start);
      columns.exposureChannel.push(channels.index(exposure.channel));
    }
    columns.exposureOffsets.push(columns.exposureTouchpoint.length);
  }
  return columns;
}

/** The sessions back as objects (tests, and tools that read one day). */
export function sessionsOfColumns(columns: SessionColumns): OutcomeSession[] {
  const sessions: OutcomeSession[] = [];
  for (let i = 0; i < columns.journey.length; i += 1) {
    const start = columns.start[i] ?? 0;
    const landmarks: (number | null)[] = [start];
    for (let stage = 1; stage < STAGES; stage += 1) {
      const offset = columns.landmarks[i * 4 + stage - 1] ?? -1;
      landmarks.push(offset < 0 ? null : start + offset);
    }
    const landmarkChannels: (string | null)[] = [];
    for (let stage = 0; stage < STAGES; stage += 1) {
      const channel = columns.landmarkChannels[i * STAGES + stage] ?? -1;
      landmarkChannels.push(channel < 0 ? null : (columns.channels[channel] ?? null));
    }
    const covariate = columns.covariates[i] ?? 0;
    const exposures = [];
    for (let e = columns.exposureOffsets[i] ?? 0; e < (columns.exposureOffsets[i + 1] ?? 0); e += 1) {
      exposures.push({
        touchpoint: columns.touchpoints[columns.exposureTouchpoint[e] ?? 0] ?? '',
        time: start + (columns.exposureTime[e] ?? 0),
        channel: columns.channels[columns.exposureChannel[e] ?? 0] ?? '',
      });
    }
    sessions.push({
      journeyId: columns.journeys[columns.journey[i] ?? 0] ?? '',
      start,
      last: start + (columns.last[i] ?? 0),
      landmarks,
      landmarkChannels,
      exposures,
      depth: DEPTH_BUCKETS[covariate >> 1] ?? '0',
      intent: (covariate & 1) === 1,
    });
  }
  return sessions;
}

function deltas(times: readonly number[], into: number[], base: number): void {
  let previous = base;
  for (const time of times) {
    into.push(time - previous);
    previous = time;
  }
}

function undeltas(values: NumberColumn, from: number, to: number, base: number): number[] {
  const times: number[] = [];
  let time = base;
  for (let i = from; i < to; i += 1) {
    time += values[i] ?? 0;
    times.push(time);
  }
  return times;
}

export function activityColumnsOf(activity: readonly JourneyActivity[]): ActivityColumns {
  let base = Number.POSITIVE_INFINITY;
  for (const journey of activity)
    base = Math.min(base, journey.times[0] ?? base, journey.intentTimes[0] ?? base);
  if (base === Number.POSITIVE_INFINITY) base = 0;
  const columns: Growing<ActivityColumns> = {
    journeys: [],
    base,
    timeOffsets: [0],
    times: [],
    intentOffsets: [0],
    intentTimes: [],
  };
  for (const journey of activity) {
    columns.journeys.push(journey.journeyId);
    deltas(journey.times, columns.times, base);
    columns.timeOffsets.push(columns.times.length);
    deltas(journey.intentTimes, columns.intentTimes, base);
    columns.intentOffsets.push(columns.intentTimes.length);
  }
  return columns;
}

/** The journeys' activity back as objects; with `only`, just the journeys it holds. */
export function activityOfColumns(
  columns: ActivityColumns,
  only?: { has: (journeyId: string) => boolean },
): JourneyActivity[] {
  const activity: JourneyActivity[] = [];
  for (const [i, journeyId] of columns.journeys.entries()) {
    if (only && !only.has(journeyId)) continue;
    activity.push({
      journeyId,
      times: undeltas(
        columns.times,
        columns.timeOffsets[i] ?? 0,
        columns.timeOffsets[i + 1] ?? 0,
        columns.base,
      ),
      intentTimes: undeltas(
        columns.intentTimes,
        columns.intentOffsets[i] ?? 0,
        columns.intentOffsets[i + 1] ?? 0,
        columns.base,
      ),
    });
  }
  return activity;
}
