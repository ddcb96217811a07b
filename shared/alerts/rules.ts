/** Alert rules in the site config (api.md, "Alerts"): schema, defaults and the checks that need the config. */
import * as z from 'zod/mini';
import type { SiteConfig } from '../config/site';
import { figurePathTemplates, isFigurePath, matchFigurePath } from './paths';

/** Rule ids go into DynamoDB sort keys (`ALERT#<date>#<ruleId>`), so no `#` and nothing exotic. */
export const RULE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Previous computed days a change is measured against, when the rule does not say. */
export const DEFAULT_BASELINE_DAYS = 7;
/** A baseline needs at least this many days with a value. */
export const MIN_BASELINE_DAYS = 3;
/** Hourly rules (api.md, "Hourly rules"): trailing ended hours watched, when the rule does not say. */
export const DEFAULT_WINDOW_HOURS = 2;
/** Hourly rules: same-weekday weeks whose same hours make the seasonal baseline, when the rule does not say. */
export const DEFAULT_BASELINE_WEEKS = 4;
/** A seasonal baseline needs at least this many weeks with a value. */
export const MIN_BASELINE_WEEKS = 2;

let validPathsText: string | undefined;
function unknownPathMessage(path: string): string {
  validPathsText ??= figurePathTemplates().join(', ');
  return `unknown figure path "${path}"; valid paths: ${validPathsText}`;
}

export const figurePathSchema = z.string().check(
  z.superRefine((path, ctx) => {
    if (!isFigurePath(path)) ctx.addIssue({ code: 'custom', message: unknownPathMessage(path), input: path });
  }),
);

/** zod/mini ships no message locale: name the unknown fields (typos such as `abvoe`) ourselves. */
const unknownFields = {
  error: (issue: { code?: string; keys?: readonly string[] }) =>
    issue.code === 'unrecognized_keys'
      ? `unknown field(s) ${(issue.keys ?? []).map((key) => `"${key}"`).join(', ')}`
      : undefined,
};

/**
 * Bounds of a site's rules (README, "Limits of a site config"): every rule is evaluated at every run
 * and each firing stores its threshold and baseline in DynamoDB, which the SDK refuses beyond 2^53.
 */
export const ALERT_RULE_LIMITS = {
  rules: 100,
  /** |above|, |below|, dropByPoints, riseByPoints and minSample.atLeast. */
  maxMagnitude: 1e15,
  maxRiseBy: 1_000,
  maxBaselineDays: 90,
  maxRemindAfterDays: 365,
  maxWindowHours: 12,
  maxBaselineWeeks: 12,
} as const;

const LIMITS = ALERT_RULE_LIMITS;
const count = (n: number): string => n.toLocaleString('en-US');
const MAGNITUDE = count(LIMITS.maxMagnitude);

const THRESHOLD = `above and below are numbers from -${MAGNITUDE} to ${MAGNITUDE}`;
const FRACTION = 'dropBy is a fraction of the baseline, above 0 and at most 1 (0.5 = 50 %)';
const RISE = `riseBy is a fraction of the baseline, above 0 and at most ${count(LIMITS.maxRiseBy)} (0.5 = 50 %)`;
const POINTS = `dropByPoints and riseByPoints are numbers above 0 and at most ${MAGNITUDE}`;
const BASELINE = `baselineDays is a whole number of days from ${MIN_BASELINE_DAYS} to ${LIMITS.maxBaselineDays}`;
const REMIND = `remindAfterDays is a whole number of days from 1 to ${LIMITS.maxRemindAfterDays}`;
const WINDOW = `windowHours is a whole number of hours from 1 to ${LIMITS.maxWindowHours}`;
const WEEKS = `baselineWeeks is a whole number of weeks from ${MIN_BASELINE_WEEKS} to ${LIMITS.maxBaselineWeeks}`;
const AT_LEAST = `atLeast is a number from 0 to ${MAGNITUDE}`;
const RULES = `alerts.rules holds at most ${LIMITS.rules} rules`;

const threshold = z.optional(
  z.number(THRESHOLD).check(z.gte(-LIMITS.maxMagnitude, THRESHOLD), z.lte(LIMITS.maxMagnitude, THRESHOLD)),
);
const points = z.optional(z.number(POINTS).check(z.positive(POINTS), z.lte(LIMITS.maxMagnitude, POINTS)));

const CONDITIONS = ['above', 'below', 'dropBy', 'riseBy', 'dropByPoints', 'riseByPoints'] as const;
export type ConditionKind = (typeof CONDITIONS)[number];
const BASELINE_CONDITIONS: readonly ConditionKind[] = ['dropBy', 'riseBy', 'dropByPoints', 'riseByPoints'];
/** Sections that read other days (metrics.md §7, §8): an hour window has no meaning for them. */
const ACROSS_DAYS_SECTIONS = ['outcomes.', 'customers.'];
const atLeastSchema = z.number(AT_LEAST).check(z.gte(0, AT_LEAST), z.lte(LIMITS.maxMagnitude, AT_LEAST));

export const alertRuleSchema = z
  .strictObject(
    {
      id: z.string().check(z.regex(RULE_ID_PATTERN, 'rule ids are 1-64 letters, digits, ".", "_" or "-"')),
      /** `day` (default): evaluated once a day has ended; `hour`: after every scheduled run, on today's trailing hours. */
      every: z.optional(z.enum(['day', 'hour'], 'every is "day" or "hour"')),
      /** Hourly rules: the trailing ended site-local hours of today watched (default 2). */
      windowHours: z.optional(
        z.number(WINDOW).check(z.int(WINDOW), z.gte(1, WINDOW), z.lte(LIMITS.maxWindowHours, WINDOW)),
      ),
      /** Hourly rules: the baseline is the median of the same hours on the same weekday of this many previous weeks (default 4). */
      baselineWeeks: z.optional(
        z
          .number(WEEKS)
          .check(z.int(WEEKS), z.gte(MIN_BASELINE_WEEKS, WEEKS), z.lte(LIMITS.maxBaselineWeeks, WEEKS)),
      ),
      /** Hourly rules: not evaluated while the baseline median of the rule's figure is below `atLeast` (quiet hours stay quiet). */
      minBaseline: z.optional(z.strictObject({ atLeast: atLeastSchema }, unknownFields)),
      /** The figure watched (paths.ts). */
      metric: figurePathSchema,
      /** Fires when the figure is strictly above this value. */
      above: threshold,
      /** Fires when the figure is strictly below this value. */
      below: threshold,
      /** Fires when the figure fell by at least this fraction of the baseline (0.5 = −50 % or worse). */
      dropBy: z.optional(z.number(FRACTION).check(z.positive(FRACTION), z.lte(1, FRACTION))),
      /** Fires when the figure rose by at least this fraction of the baseline. */
      riseBy: z.optional(z.number(RISE).check(z.positive(RISE), z.lte(LIMITS.maxRiseBy, RISE))),
      /** Fires when the figure fell by at least this many units (points for NPS) below the baseline. */
      dropByPoints: points,
      /** Fires when the figure rose by at least this many units above the baseline. */
      riseByPoints: points,
      /** The baseline is the mean over this many previous computed days (default 7). */
      baselineDays: z.optional(
        z
          .number(BASELINE)
          .check(
            z.int(BASELINE),
            z.gte(MIN_BASELINE_DAYS, BASELINE),
            z.lte(LIMITS.maxBaselineDays, BASELINE),
          ),
      ),
      /** The rule is not evaluated on days where this figure is below `atLeast` (or null). */
      minSample: z.optional(
        z.strictObject(
          {
            metric: figurePathSchema,
            atLeast: atLeastSchema,
          },
          unknownFields,
        ),
      ),
      /** A rule that keeps firing is notified again every this many days. */
      remindAfterDays: z.optional(
        z.number(REMIND).check(z.int(REMIND), z.gte(1, REMIND), z.lte(LIMITS.maxRemindAfterDays, REMIND)),
      ),
    },
    unknownFields,
  )
  .check(
    z.refine(
      (rule) => CONDITIONS.filter((kind) => rule[kind] !== undefined).length === 1,
      `a rule has exactly one of ${CONDITIONS.join(', ')}`,
    ),
    z.refine(
      (rule) =>
        rule.baselineDays === undefined || BASELINE_CONDITIONS.some((kind) => rule[kind] !== undefined),
      'baselineDays applies to dropBy, riseBy, dropByPoints and riseByPoints only',
    ),
    z.refine(
      (rule) =>
        rule.every === 'hour' ||
        (rule.windowHours === undefined &&
          rule.baselineWeeks === undefined &&
          rule.minBaseline === undefined),
      'windowHours, baselineWeeks and minBaseline apply to hourly rules ("every": "hour") only',
    ),
    z.refine(
      (rule) =>
        rule.every !== 'hour' || (rule.baselineDays === undefined && rule.remindAfterDays === undefined),
      'hourly rules take baselineWeeks, not baselineDays, and no remindAfterDays',
    ),
    z.refine(
      (rule) =>
        rule.every !== 'hour' ||
        ![rule.metric, rule.minSample?.metric].some(
          (path) => path !== undefined && ACROSS_DAYS_SECTIONS.some((section) => path.startsWith(section)),
        ),
      'hourly rules cannot watch outcomes.* or customers.* (those sections read other days)',
    ),
  );

export type AlertRule = z.output<typeof alertRuleSchema>;

export const alertRulesSchema = z.array(alertRuleSchema, 'alerts.rules is a list of rules').check(
  z.maxLength(LIMITS.rules, RULES),
  z.refine(
    (rules) => new Set(rules.map((rule) => rule.id)).size === rules.length,
    'alert rule ids must be unique',
  ),
);

export type AlertCondition =
  | { kind: 'above' | 'below'; threshold: number }
  | { kind: 'dropBy' | 'riseBy' | 'dropByPoints' | 'riseByPoints'; amount: number; baselineDays: number };

export function isHourly(rule: Pick<AlertRule, 'every'>): boolean {
  return rule.every === 'hour';
}

/** What an hourly rule watches: its window and its seasonal baseline. */
export function hourlySettingsOf(rule: AlertRule): { windowHours: number; baselineWeeks: number } {
  return {
    windowHours: rule.windowHours ?? DEFAULT_WINDOW_HOURS,
    baselineWeeks: rule.baselineWeeks ?? DEFAULT_BASELINE_WEEKS,
  };
}

/** The one condition of a validated rule. */
export function conditionOf(rule: AlertRule): AlertCondition {
  if (rule.above !== undefined) return { kind: 'above', threshold: rule.above };
  if (rule.below !== undefined) return { kind: 'below', threshold: rule.below };
  const baselineDays = rule.baselineDays ?? DEFAULT_BASELINE_DAYS;
  for (const kind of ['dropBy', 'riseBy', 'dropByPoints', 'riseByPoints'] as const) {
    const amount = rule[kind];
    if (amount !== undefined) return { kind, amount, baselineDays };
  }
  throw new Error(`alert rule "${rule.id}" has no condition`);
}

/** api.md, "Default rules for a new site" — the daily ones, as every site got them before hourly rules. */
const DEFAULT_DAILY_RULES: readonly AlertRule[] = Object.freeze([
  {
    id: 'cart-abandonment-high',
    metric: 'carts.abandonmentRate',
    above: 0.8,
    minSample: { metric: 'carts.created', atLeast: 20 },
  },
  { id: 'events-drop', metric: 'traffic.events', dropBy: 0.5, baselineDays: 7 },
  { id: 'conversion-drop', metric: 'funnel.conversionRate', dropBy: 0.3, baselineDays: 7 },
  { id: 'nps-drop', metric: 'experience.nps.score', dropByPoints: 15, baselineDays: 7 },
  { id: 'rox-negative', metric: 'rox.value', below: 0 },
]);

/** api.md, "Default hourly rules for a new site". */
export const DEFAULT_HOURLY_RULES: readonly AlertRule[] = Object.freeze([
  {
    id: 'checkout-broken',
    every: 'hour',
    metric: 'carts.abandonmentRate',
    above: 0.95,
    minSample: { metric: 'carts.created', atLeast: 15 },
  },
  {
    id: 'tracking-broken',
    every: 'hour',
    metric: 'traffic.events',
    dropBy: 0.7,
    minBaseline: { atLeast: 100 },
  },
  { id: 'orders-stopped', every: 'hour', metric: 'sales.orders', dropBy: 0.8, minBaseline: { atLeast: 10 } },
]);

export const DEFAULT_ALERT_RULES: readonly AlertRule[] = Object.freeze([
  ...DEFAULT_DAILY_RULES,
  ...DEFAULT_HOURLY_RULES,
]);

/**
 * A site stored with the daily defaults only (before hourly rules existed) still uses the defaults:
 * it gets the hourly ones too. Any rules a team wrote itself are left as they are.
 */
export function withHourlyDefaults(rules: AlertRule[]): AlertRule[] {
  const same =
    rules.length === DEFAULT_DAILY_RULES.length &&
    rules.every((rule, index) => JSON.stringify(rule) === JSON.stringify(DEFAULT_DAILY_RULES[index]));
  return same ? [...rules, ...structuredClone([...DEFAULT_HOURLY_RULES])] : rules;
}

/** Fresh copies, so no parsed config shares (and could mutate) the defaults. */
export function defaultAlertRules(): AlertRule[] {
  return structuredClone([...DEFAULT_ALERT_RULES]);
}

/**
 * Checks that need the rest of the config (a ConfigCheck for applySiteConfig): a rule on
 * `rox.touchpoints[t]` needs t among the touchpoints with a dailyCost, since only those are listed.
 */
export function checkAlertRules(config: Pick<SiteConfig, 'touchpoints' | 'alerts'>): string | undefined {
  const costed = Object.entries(config.touchpoints)
    .filter(([, touchpoint]) => touchpoint.dailyCost > 0)
    .map(([name]) => name)
    .sort();
  for (const rule of config.alerts.rules) {
    for (const path of [rule.metric, rule.minSample?.metric]) {
      if (path === undefined) continue;
      const matched = matchFigurePath(path);
      if (!matched) return `alert rule "${rule.id}": ${unknownPathMessage(path)}`;
      const first = matched.segments[0];
      const touchpoint = matched.keys[0];
      if (first && 'field' in first && first.field === 'rox' && touchpoint !== undefined) {
        if (!costed.includes(touchpoint)) {
          return (
            `alert rule "${rule.id}" watches touchpoint "${touchpoint}", which has no dailyCost in "touchpoints"` +
            ` (touchpoints with a cost: ${costed.length > 0 ? costed.join(', ') : 'none'})`
          );
        }
      }
    }
  }
  return undefined;
}

/** Rules of a stored config, re-validated one by one: a rule stored before a schema change is skipped. */
export function validRules(rules: readonly unknown[]): { rules: AlertRule[]; invalid: string[] } {
  const valid: AlertRule[] = [];
  const invalid: string[] = [];
  for (const rule of rules) {
    const parsed = alertRuleSchema.safeParse(rule);
    if (parsed.success) valid.push(parsed.data);
    else invalid.push(z.prettifyError(parsed.error).replace(/\n/g, '; '));
  }
  return { rules: valid, invalid };
}
