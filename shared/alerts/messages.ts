/** Alert messages (api.md, "Alerts"): the JSON fields and one sentence a person reads at a glance. */
import type { AlertState, Observation, PlannedNotification } from './evaluate';
import { type FigureUnit, fillKeys, matchFigurePath } from './paths';
import { type AlertRule, conditionOf } from './rules';

export interface AlertMessage {
  site: string;
  ruleId: string;
  metric: string;
  date: string;
  state: AlertState;
  value: number;
  /** The bound compared with, in the figure's unit (for change rules, derived from the baseline). */
  threshold?: number;
  /** Mean of the previous computed days (change rules), or for hourly rules the seasonal median. */
  baseline?: number;
  /** `day` or `hour`: how often the rule is evaluated. */
  every: 'day' | 'hour';
  /** The time the figure covers, [from, to) as ISO instants: the day, or the hours of an hourly rule. */
  window?: { from: string; to: string };
  text: string;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The weekday of a calendar date (zone-free). */
export function weekdayOf(date: string): string {
  return WEEKDAYS[new Date(`${date}T12:00:00Z`).getUTCDay()] ?? date;
}

/** Means of counts keep a decimal only while it still says something (2.5 carts, not 1,708.3 events). */
const smallCountFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const pointsFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const scoreFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const ratioFormat = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
  signDisplay: 'negative',
});
const moneyFormats = new Map<string, Intl.NumberFormat>();

/**
 * `sign` is "%" as daily messages write it (api.md: "86%"), or " %" as hourly messages do (issue 19:
 * "100 % below the usual 18").
 */
function percent(fraction: number, sign = '%'): string {
  const value = fraction * 100;
  // Half away from zero, so −12.5 % and 12.5 % read the same size.
  const rounded = Math.sign(value) * Math.round(Math.abs(value));
  // One decimal where a whole percent would hide the difference (1.2 %, not 1 %).
  if (Math.abs(value) < 10 && Math.abs(value - rounded) >= 0.05) return `${value.toFixed(1)}${sign}`;
  return `${rounded === 0 ? 0 : rounded}${sign}`;
}

/** Hourly messages write a space before the percent sign ("100 % below"). */
const HOURLY_PERCENT = ' %';

/**
 * ROX as the figures hold it, a ratio with two decimals: (incremental revenue − cost) / cost, so 8.64
 * earned the cost back and 8.64 times over, 0.00 broke even, −0.13 lost 13 % of it. The same in alert
 * texts, `roxtrail figures` and the dashboard.
 */
export function formatRatio(value: number): string {
  return ratioFormat.format(value);
}

export function formatMoney(value: number, currency: string): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    } catch {
      return `${value.toFixed(2)} ${currency}`;
    }
    moneyFormats.set(currency, format);
  }
  return format.format(value);
}

/** A figure as people read it: rates as percentages, ROX as a ratio, money in the site currency, counts grouped. */
export function formatFigure(value: number, unit: FigureUnit, currency: string, percentSign = '%'): string {
  switch (unit) {
    case 'rate':
      return percent(value, percentSign);
    case 'ratio':
      return formatRatio(value);
    case 'money':
      return formatMoney(value, currency);
    case 'points':
      return pointsFormat.format(value);
    case 'score':
      return scoreFormat.format(value);
    case 'count':
      return (Math.abs(value) < 100 ? smallCountFormat : countFormat).format(value);
  }
}

/** A difference between two figures of `unit` (always positive), for "22 points below ...". */
function formatDifference(difference: number, unit: FigureUnit, currency: string): string {
  switch (unit) {
    case 'rate':
      return `${pointsFormat.format(difference * 100)} percentage points`;
    case 'ratio':
      return formatRatio(difference);
    case 'points':
    case 'score':
      return `${pointsFormat.format(difference)} points`;
    default:
      return formatFigure(difference, unit, currency);
  }
}

function lowerFirst(text: string): string {
  // "Cart abandonment" → "cart abandonment", but "NPS" and "CES" stay as they are.
  return /^[A-Z][a-z]/.test(text) ? `${text.charAt(0).toLowerCase()}${text.slice(1)}` : text;
}

function upperFirst(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

function sampleText(observation: Observation, currency: string, percentSign = '%'): string {
  const sample = observation.sample;
  if (!sample || sample.metric === observation.metric) return '';
  const matched = matchFigurePath(sample.metric);
  if (!matched) return '';
  const amount = formatFigure(sample.value, matched.leaf.unit, currency, percentSign);
  if (matched.leaf.noun) return ` (${amount} ${matched.leaf.noun})`;
  return ` (${lowerFirst(fillKeys(matched.leaf.label, matched.keys))}: ${amount})`;
}

/** "down 52% from the 7-day mean of 2,130", "22 points below the 7-day mean of 40". */
function changeText(
  rule: AlertRule,
  observation: Observation,
  value: number,
  unit: FigureUnit,
  currency: string,
): string {
  const condition = conditionOf(rule);
  const baseline = observation.baseline;
  if ('threshold' in condition) {
    return `${condition.kind} ${formatFigure(condition.threshold, unit, currency)}`;
  }
  if (!baseline) return '';
  const mean = `the ${baseline.days}-day mean of ${formatFigure(baseline.mean, unit, currency)}`;
  const difference = value - baseline.mean;
  if (Math.abs(difference) < 1e-12) return `level with ${mean}`;
  if (condition.kind === 'dropBy' || condition.kind === 'riseBy') {
    const change = Math.abs(difference / baseline.mean);
    return `${difference < 0 ? 'down' : 'up'} ${percent(change)} from ${mean}`;
  }
  return `${formatDifference(Math.abs(difference), unit, currency)} ${difference < 0 ? 'below' : 'above'} ${mean}`;
}

/**
 * The message for a notification, e.g. "Cart abandonment on demo was 86% on 2026-11-20, above 80%
 * (212 carts)"; resolutions start with "Resolved:" and reminders with "Still firing since <day>:".
 */
export function alertMessage(input: {
  site: string;
  currency: string;
  rule: AlertRule;
  observation: Observation;
  notification: Pick<PlannedNotification, 'state' | 'reminder' | 'since'>;
  /** The day's bounds (daily rules), ISO instants. */
  window?: { from: string; to: string };
}): AlertMessage {
  const { site, currency, rule, observation, notification } = input;
  if (observation.window) return hourlyAlertMessage({ ...input, window: observation.window });
  const value = observation.value ?? Number.NaN;
  const matched = matchFigurePath(rule.metric);
  const unit = matched?.leaf.unit ?? 'count';
  const label = matched ? fillKeys(matched.leaf.label, matched.keys) : rule.metric;
  const condition = conditionOf(rule);
  const change = changeText(rule, observation, value, unit, currency);
  let comparison = change;
  if (notification.state === 'resolved') {
    if ('threshold' in condition) comparison = `no longer ${change}`;
    else {
      const limit =
        condition.kind === 'dropBy' || condition.kind === 'riseBy'
          ? percent(condition.amount)
          : formatDifference(condition.amount, unit, currency);
      comparison = `${change}, within the ${limit} limit`;
    }
  }
  const sentence = `${label} on ${site} was ${formatFigure(value, unit, currency)} on ${observation.date}, ${comparison}${sampleText(observation, currency)}`;
  let text = upperFirst(sentence);
  if (notification.state === 'resolved') text = `Resolved: ${lowerFirst(sentence)}`;
  else if (notification.reminder) text = `Still firing since ${notification.since}: ${lowerFirst(sentence)}`;
  return {
    site,
    ruleId: rule.id,
    metric: rule.metric,
    date: observation.date,
    state: notification.state,
    value,
    ...(observation.threshold !== undefined ? { threshold: observation.threshold } : {}),
    ...(observation.baseline ? { baseline: observation.baseline.mean } : {}),
    every: 'day',
    ...(input.window ? { window: input.window } : {}),
    text,
  };
}

/**
 * An hourly rule's message says when: "Orders on demo were 0 between 11:00 and 13:00, 100% below the
 * usual 18 for a Tuesday at this time (median of 4 weeks)".
 */
function hourlyAlertMessage(input: {
  site: string;
  currency: string;
  rule: AlertRule;
  observation: Observation;
  notification: Pick<PlannedNotification, 'state' | 'reminder' | 'since'>;
  window: NonNullable<Observation['window']>;
}): AlertMessage {
  const { site, currency, rule, observation, notification, window } = input;
  const value = observation.value ?? Number.NaN;
  const matched = matchFigurePath(rule.metric);
  const unit = matched?.leaf.unit ?? 'count';
  // Counts read as their noun ("Orders ... were 0"), the other figures by their label ("... was 100 %").
  const noun =
    unit === 'count' && matched?.leaf.noun && matched.keys.length === 0 ? matched.leaf.noun : undefined;
  const label = noun ?? (matched ? fillKeys(matched.leaf.label, matched.keys) : rule.metric);
  const verb = noun ? 'were' : 'was';
  const condition = conditionOf(rule);
  const seasonal = observation.seasonal;
  const usual = seasonal
    ? `the usual ${formatFigure(seasonal.median, unit, currency, HOURLY_PERCENT)} for a ${weekdayOf(observation.date)} at this time (median of ${seasonal.weeks} weeks)`
    : '';
  let comparison: string;
  if ('threshold' in condition) {
    comparison = `${notification.state === 'resolved' ? 'no longer ' : ''}${condition.kind} ${formatFigure(condition.threshold, unit, currency, HOURLY_PERCENT)}`;
  } else if (!seasonal) {
    comparison = '';
  } else {
    const difference = value - seasonal.median;
    if (Math.abs(difference) < 1e-12) comparison = `level with ${usual}`;
    else if (condition.kind === 'dropBy' || condition.kind === 'riseBy') {
      comparison = `${percent(Math.abs(difference / seasonal.median), HOURLY_PERCENT)} ${difference < 0 ? 'below' : 'above'} ${usual}`;
    } else {
      comparison = `${formatDifference(Math.abs(difference), unit, currency)} ${difference < 0 ? 'below' : 'above'} ${usual}`;
    }
    if (notification.state === 'resolved') {
      const limit =
        condition.kind === 'dropBy' || condition.kind === 'riseBy'
          ? percent(condition.amount, HOURLY_PERCENT)
          : formatDifference(condition.amount, unit, currency);
      comparison = `${comparison}, within the ${limit} limit`;
    }
  }
  const sentence = `${label} on ${site} ${verb} ${formatFigure(value, unit, currency, HOURLY_PERCENT)} between ${window.fromLabel} and ${window.toLabel}${comparison ? `, ${comparison}` : ''}${sampleText(observation, currency, HOURLY_PERCENT)}`;
  const text = notification.state === 'resolved' ? `Resolved: ${lowerFirst(sentence)}` : upperFirst(sentence);
  return {
    site,
    ruleId: rule.id,
    metric: rule.metric,
    date: observation.date,
    state: notification.state,
    value,
    ...(observation.threshold !== undefined ? { threshold: observation.threshold } : {}),
    ...(seasonal ? { baseline: seasonal.median } : {}),
    every: 'hour',
    window: { from: window.from, to: window.to },
    text,
  };
}
