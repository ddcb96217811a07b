/**
 * Hourly alert rules (api.md, "Alerts"), pure: which hours an evaluation at an instant watches, the
 * same hours on the baseline days, the seasonal baseline (median of the same weekday's same hours) and
 * what a rule observes on them. The scheduler and the backtest both decide through these functions.
 */
import type { WindowFigures } from '../metrics/window-figures';
import { addDays, type LocalHourSlot, localDate, localHourSlots, utcOffsetMs } from '../time';
import { comparable, judgeChange, type Observation, type SeasonalBaseline, samplePathOf } from './evaluate';
import { resolveFigure } from './paths';
import { type AlertRule, conditionOf, hourlySettingsOf, MIN_BASELINE_WEEKS } from './rules';

/** Some ended hours of one site-local day, contiguous. */
export interface HourWindow {
  date: string;
  slots: LocalHourSlot[];
  /** [start, end) epoch ms. */
  start: number;
  end: number;
}

function windowOf(date: string, slots: LocalHourSlot[]): HourWindow | undefined {
  const first = slots[0];
  const last = slots[slots.length - 1];
  if (!first || !last) return undefined;
  return { date, slots, start: first.start, end: last.end };
}

/**
 * The trailing `windowHours` site-local hours of today that have ended by `atMs` (fewer early in the
 * day). Before the first hour of today has ended, the last hours of yesterday, the window ending at
 * 24:00: so the first scheduled run after site-local midnight evaluates the day's last hour, which no
 * run during the day can (its end is the day's end).
 */
export function trailingWindow(atMs: number, timeZone: string, windowHours: number): HourWindow | undefined {
  const today = localDate(atMs, timeZone);
  const endedToday = localHourSlots(today, timeZone).filter((slot) => slot.end <= atMs);
  const date = endedToday.length > 0 ? today : addDays(today, -1);
  const ended = endedToday.length > 0 ? endedToday : localHourSlots(date, timeZone);
  return windowOf(date, ended.slice(Math.max(0, ended.length - windowHours)));
}

/**
 * The same hours on another day: its hours whose wall-clock labels lie from the window's first label to
 * its last. Undefined when they span a different number of real hours there (a day the clocks change,
 * on either side): such hours are not comparable, and that day gives the baseline no value.
 */
export function sameHoursOn(window: HourWindow, date: string, timeZone: string): HourWindow | undefined {
  const from = window.slots[0]?.hour;
  const to = window.slots[window.slots.length - 1]?.hour;
  if (from === undefined || to === undefined) return undefined;
  const slots = localHourSlots(date, timeZone).filter((slot) => slot.hour >= from && slot.hour <= to);
  if (slots.length !== window.slots.length) return undefined;
  // The labels must follow each other as today's do (a skipped hour inside the range changes the span).
  if (slots.some((slot, index) => slot.hour !== window.slots[index]?.hour)) return undefined;
  return windowOf(date, slots);
}

/** The same weekday of the previous `weeks` weeks, the most recent first. */
export function baselineDates(date: string, weeks: number): string[] {
  return Array.from({ length: weeks }, (_, index) => addDays(date, -7 * (index + 1)));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  if (sorted.length % 2 === 1) return upper;
  return ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

/** The median of the baseline weeks' values; null and missing weeks are left out; fewer than 2 → none. */
export function seasonalBaselineOf(
  values: readonly (number | null | undefined)[],
): SeasonalBaseline | undefined {
  const present = values.filter(
    (value): value is number => typeof value === 'number' && Number.isFinite(value),
  );
  if (present.length < MIN_BASELINE_WEEKS) return undefined;
  return { median: median(present), weeks: present.length };
}

/** "11:00": the wall-clock time a window starts or ends at (local hours, so whole hours). */
export function clockLabel(epochMs: number, timeZone: string): string {
  return new Date(epochMs + utcOffsetMs(epochMs, timeZone)).toISOString().slice(11, 16);
}

/** The wall-clock time a window of `date` ends at: "24:00" for the one that ends with the day. */
export function endLabel(date: string, endMs: number, timeZone: string): string {
  return localDate(endMs, timeZone) === date ? clockLabel(endMs, timeZone) : '24:00';
}

/** What the hourly evaluation of one rule is keyed by: the end of its window, an ISO instant. */
export function evaluationKeyOf(window: HourWindow): string {
  return new Date(window.end).toISOString();
}

/**
 * What an hourly rule sees: the window's figures against the median of the same hours on the same
 * weekday of the previous weeks (`baselines`, one entry per week, undefined where a week has no data or
 * its hours are not comparable). A null figure, a window below `minSample`, a baseline of fewer than 2
 * weeks (change rules and `minBaseline`) or a baseline median below `minBaseline` are `unknown`.
 */
export function observeHourlyRule(
  rule: AlertRule,
  today: WindowFigures,
  baselines: readonly (WindowFigures | undefined)[],
  timeZone: string,
): Observation {
  const from = Date.parse(today.window.from);
  const to = Date.parse(today.window.to);
  const base = {
    ruleId: rule.id,
    metric: rule.metric,
    date: today.date,
    window: {
      from: today.window.from,
      to: today.window.to,
      fromLabel: clockLabel(from, timeZone),
      toLabel: endLabel(today.date, to, timeZone),
    },
  };
  const value = resolveFigure(today, rule.metric);
  const samplePath = rule.minSample?.metric ?? samplePathOf(rule.metric);
  const sampleValue = samplePath === undefined ? null : resolveFigure(today, samplePath);
  const sample =
    samplePath !== undefined && sampleValue !== null ? { metric: samplePath, value: sampleValue } : undefined;
  if (value === null) return { ...base, status: 'unknown', reason: 'null_figure', value, sample };
  if (rule.minSample && (sampleValue === null || sampleValue < rule.minSample.atLeast)) {
    return { ...base, status: 'unknown', reason: 'small_sample', value, sample };
  }
  const condition = conditionOf(rule);
  const needsBaseline = !('threshold' in condition) || rule.minBaseline !== undefined;
  const seasonal = needsBaseline
    ? seasonalBaselineOf(
        baselines.map((figures) => (figures ? resolveFigure(figures, rule.metric) : undefined)),
      )
    : undefined;
  if (needsBaseline && !seasonal) {
    return { ...base, status: 'unknown', reason: 'no_baseline', value, sample };
  }
  if (seasonal && rule.minBaseline && seasonal.median < rule.minBaseline.atLeast) {
    return { ...base, status: 'unknown', reason: 'small_baseline', value, seasonal, sample };
  }
  if ('threshold' in condition) {
    const firing = condition.kind === 'above' ? value > condition.threshold : value < condition.threshold;
    return {
      ...base,
      status: firing ? 'firing' : 'ok',
      value,
      threshold: condition.threshold,
      ...(seasonal ? { seasonal } : {}),
      sample,
    };
  }
  if (!seasonal || !comparable(condition, seasonal.median)) {
    return { ...base, status: 'unknown', reason: 'no_baseline', value, seasonal, sample };
  }
  const judged = judgeChange(condition, value, seasonal.median);
  return {
    ...base,
    status: judged.firing ? 'firing' : 'ok',
    value,
    threshold: judged.threshold,
    seasonal,
    sample,
  };
}

/** The window and the baseline days' same hours an hourly rule needs at `atMs`. */
export interface HourlyPlan {
  window: HourWindow;
  /** One per baseline week, most recent first; undefined where the hours are not comparable (DST). */
  baselines: (HourWindow | undefined)[];
}

export function planHourlyRule(rule: AlertRule, atMs: number, timeZone: string): HourlyPlan | undefined {
  const { windowHours, baselineWeeks } = hourlySettingsOf(rule);
  const window = trailingWindow(atMs, timeZone, windowHours);
  if (!window) return undefined;
  return {
    window,
    baselines: baselineDates(window.date, baselineWeeks).map((date) => sameHoursOn(window, date, timeZone)),
  };
}
