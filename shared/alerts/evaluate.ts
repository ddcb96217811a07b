/**
 * Alert evaluation (api.md, "Alerts"), pure: what a rule observes on a day, and which notification —
 * if any — that observation calls for, given what the team was last told.
 */
import type { FiguresDocument } from '../metrics/figures';
import { addDays } from '../time';
import { fillKeys, matchFigurePath, resolveFigure } from './paths';
import { type AlertCondition, type AlertRule, conditionOf, MIN_BASELINE_DAYS } from './rules';

export type AlertState = 'firing' | 'resolved';

/** `unknown`: the day says nothing either way (null figure, small sample, no baseline). */
export type ObservationStatus = 'firing' | 'ok' | 'unknown';
export type UnknownReason = 'null_figure' | 'small_sample' | 'no_baseline' | 'small_baseline';

export interface Baseline {
  /** Mean of the figure over `days` previous computed days. */
  mean: number;
  days: number;
}

export interface SeasonalBaseline {
  /** Median of the figure over the same hours on the same weekday of the previous weeks that have a value. */
  median: number;
  /** How many weeks had a value (at least 2). */
  weeks: number;
}

export interface ObservedWindow {
  from: string;
  to: string;
  /** Site-local wall-clock labels of the start and the end, "11:00" and "13:00". */
  fromLabel: string;
  toLabel: string;
}

export interface Observation {
  ruleId: string;
  metric: string;
  date: string;
  status: ObservationStatus;
  reason?: UnknownReason;
  value: number | null;
  /** The bound the value is compared with, in the figure's own unit (for change rules: from the baseline). */
  threshold?: number;
  baseline?: Baseline;
  /** Hourly rules: the seasonal baseline (median of the same hours on the same weekday). */
  seasonal?: SeasonalBaseline;
  /** Hourly rules: the hours watched, [from, to) as ISO instants, with their site-local labels. */
  window?: ObservedWindow;
  /** How many observations the figure rests on (the rule's minSample figure, else the figure's natural one). */
  sample?: { metric: string; value: number };
}

/** Comparisons of changes are inclusive ("drop ≥ 50 %"); this absorbs binary rounding of fractions. */
const EPSILON = 1e-9;

/**
 * The baseline of a figure for day `date`: the mean over the `baselineDays` most recent computed days
 * before `date`, looking back at most 2 × baselineDays calendar days; days where the figure is null are
 * left out of the mean. Fewer than 3 values → no baseline (undefined).
 */
export function baselineOf(
  metric: string,
  date: string,
  previous: readonly FiguresDocument[],
  baselineDays: number,
): Baseline | undefined {
  const earliest = addDays(date, -2 * baselineDays);
  const days = previous
    .filter((figures) => figures.date < date && figures.date >= earliest)
    .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0))
    .slice(0, baselineDays);
  const values = days.map((figures) => resolveFigure(figures, metric)).filter((v): v is number => v !== null);
  if (values.length < MIN_BASELINE_DAYS) return undefined;
  return { mean: values.reduce((sum, value) => sum + value, 0) / values.length, days: values.length };
}

/** The figure that shows the sample size of `metric`, with its keys filled in. */
export function samplePathOf(metric: string): string | undefined {
  const matched = matchFigurePath(metric);
  return matched?.leaf.sample ? fillKeys(matched.leaf.sample, matched.keys) : undefined;
}

/**
 * What a rule sees on a day. A null figure never fires; a day below the rule's minSample, or without
 * a baseline of at least 3 previous days (change rules), is `unknown`, never `firing`.
 */
export function observeRule(
  rule: AlertRule,
  figures: FiguresDocument,
  previous: readonly FiguresDocument[],
): Observation {
  const base = { ruleId: rule.id, metric: rule.metric, date: figures.date };
  const value = resolveFigure(figures, rule.metric);
  const samplePath = rule.minSample?.metric ?? samplePathOf(rule.metric);
  const sampleValue = samplePath === undefined ? null : resolveFigure(figures, samplePath);
  const sample =
    samplePath !== undefined && sampleValue !== null ? { metric: samplePath, value: sampleValue } : undefined;
  if (value === null) return { ...base, status: 'unknown', reason: 'null_figure', value, sample };
  if (rule.minSample && (sampleValue === null || sampleValue < rule.minSample.atLeast)) {
    return { ...base, status: 'unknown', reason: 'small_sample', value, sample };
  }
  const condition = conditionOf(rule);
  if ('threshold' in condition) {
    const firing = condition.kind === 'above' ? value > condition.threshold : value < condition.threshold;
    return { ...base, status: firing ? 'firing' : 'ok', value, threshold: condition.threshold, sample };
  }
  const baseline = baselineOf(rule.metric, figures.date, previous, condition.baselineDays);
  // A relative change against a zero mean is not defined.
  if (!baseline || !comparable(condition, baseline.mean)) {
    return { ...base, status: 'unknown', reason: 'no_baseline', value, baseline, sample };
  }
  const judged = judgeChange(condition, value, baseline.mean);
  return {
    ...base,
    status: judged.firing ? 'firing' : 'ok',
    value,
    threshold: judged.threshold,
    baseline,
    sample,
  };
}

type ChangeCondition = Exclude<AlertCondition, { threshold: number }>;

/** A relative change against a zero reference is not defined. */
export function comparable(condition: ChangeCondition, reference: number): boolean {
  return !(reference === 0 && (condition.kind === 'dropBy' || condition.kind === 'riseBy'));
}

/** A change rule's bound from its reference (baseline mean or median), and whether `value` crosses it. */
export function judgeChange(
  condition: ChangeCondition,
  value: number,
  reference: number,
): { threshold: number; firing: boolean } {
  const scale = Math.abs(reference);
  switch (condition.kind) {
    case 'dropBy':
      return {
        threshold: reference - condition.amount * scale,
        firing: (reference - value) / scale >= condition.amount - EPSILON,
      };
    case 'riseBy':
      return {
        threshold: reference + condition.amount * scale,
        firing: (value - reference) / scale >= condition.amount - EPSILON,
      };
    case 'dropByPoints':
      return {
        threshold: reference - condition.amount,
        firing: reference - value >= condition.amount - EPSILON,
      };
    case 'riseByPoints':
      return {
        threshold: reference + condition.amount,
        firing: value - reference >= condition.amount - EPSILON,
      };
  }
}

/** Per site and rule: what the team was last told, kept between evaluations. */
export interface RuleState {
  /** The last notification sent (absent: never notified). */
  notified?: AlertState;
  notifiedDate?: string;
  /** First day of the current incident, while firing. */
  firingSince?: string;
  /** Day of the last firing notification or reminder; reminders count from it. */
  lastFiringNotice?: string;
  /** The newest day evaluated. */
  evaluatedDate?: string;
  /** Status seen on `evaluatedDate`. */
  lastStatus?: ObservationStatus;
}

export interface PlannedNotification {
  state: AlertState;
  /** A firing rule notified again after `remindAfterDays`. */
  reminder: boolean;
  /** First day of the incident (firing, reminders and resolutions). */
  since: string;
}

export interface Decision {
  next: RuleState;
  notify?: PlannedNotification;
  /** True when a newer day was evaluated already: an older day never changes the state. */
  stale: boolean;
}

/** Whole days from `from` to `to` (calendar dates). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/**
 * The transition for one rule and day: a notification when the rule starts firing and when it
 * resolves (relative to what the team was last told), a reminder every `remindAfterDays` while it
 * keeps firing — and never a second notification of the same state for the same day
 * (`alreadyNotified` holds the states already notified for this rule and day).
 */
export function decideTransition(input: {
  rule: Pick<AlertRule, 'remindAfterDays'>;
  observation: Pick<Observation, 'date' | 'status'>;
  state: RuleState | undefined;
  alreadyNotified: ReadonlySet<AlertState>;
}): Decision {
  const { rule, observation, alreadyNotified } = input;
  const state = input.state ?? {};
  const date = observation.date;
  if (state.evaluatedDate !== undefined && date < state.evaluatedDate) return { next: state, stale: true };
  const next: RuleState = { ...state, evaluatedDate: date, lastStatus: observation.status };

  if (observation.status === 'firing') {
    if (state.notified !== 'firing') {
      if (alreadyNotified.has('firing')) return { next, stale: false };
      const started: RuleState = {
        ...next,
        notified: 'firing',
        notifiedDate: date,
        firingSince: date,
        lastFiringNotice: date,
      };
      return { next: started, notify: { state: 'firing', reminder: false, since: date }, stale: false };
    }
    const lastNotice = state.lastFiringNotice ?? state.notifiedDate ?? date;
    if (
      rule.remindAfterDays !== undefined &&
      daysBetween(lastNotice, date) >= rule.remindAfterDays &&
      !alreadyNotified.has('firing')
    ) {
      const since = state.firingSince ?? lastNotice;
      return {
        next: { ...next, notifiedDate: date, lastFiringNotice: date },
        notify: { state: 'firing', reminder: true, since },
        stale: false,
      };
    }
    return { next, stale: false };
  }

  if (observation.status === 'ok' && state.notified === 'firing' && !alreadyNotified.has('resolved')) {
    const since = state.firingSince ?? state.notifiedDate ?? date;
    const { firingSince: _since, lastFiringNotice: _notice, ...rest } = next;
    return {
      next: { ...rest, notified: 'resolved', notifiedDate: date },
      notify: { state: 'resolved', reminder: false, since },
      stale: false,
    };
  }
  return { next, stale: false };
}
