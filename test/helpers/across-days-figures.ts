/**
 * Figures documents with the sections that look across days (metrics.md §7 `outcomes`, §8
 * `customers`), built by hand for the dashboard and CLI tests until the aggregation writes them: one
 * touchpoint that pays (roxLow > 0), one unclear, one without enough data, six monthly cohorts.
 * Every derived number follows its rule in metrics.md from a few inputs, so the document is coherent.
 */
import type { SiteConfig } from '../../shared/config/site';
import type { CustomersFigures } from '../../shared/metrics/customers';
import { computeFigures, type FiguresDocument } from '../../shared/metrics/figures';
import type { OutcomesFigures, OutcomeTouchpointFigures, Verdict } from '../../shared/metrics/outcomes';
import { dayStatus } from '../../shared/metrics/status';
import { addDays } from '../../shared/time';

const Z90 = 1.6449;

export interface TouchpointInput {
  touchpoint: string;
  exposed: number;
  controls: number;
  /** Mean outcome of the exposed units, and of the stage-0 controls of untouched sessions. */
  revenuePerJourneyExposed: number | null;
  revenuePerJourneyControl: number | null;
  strata: number;
  usableStrata: number;
  /** Exposed units in usable strata; 0 when none is usable. */
  covered: number;
  /** δ and its standard error √V; null when no stratum is usable. */
  perJourney: number | null;
  standardError: number | null;
}

/** One touchpoint of `outcomes.rox` from its inputs, by the rules of metrics.md §7. */
export function outcomeTouchpoint(
  input: TouchpointInput,
  dailyCost: number,
  windowDays: number,
): OutcomeTouchpointFigures {
  const cost = dailyCost * windowDays;
  const { exposed, perJourney: delta, standardError } = input;
  const naiveIncrementalRevenue =
    input.revenuePerJourneyExposed === null || input.revenuePerJourneyControl === null
      ? null
      : (input.revenuePerJourneyExposed - input.revenuePerJourneyControl) * exposed;
  const roxOf = (revenue: number | null) => (revenue === null ? null : (revenue - cost) / cost);
  const low = delta === null || standardError === null ? null : delta - Z90 * standardError;
  const high = delta === null || standardError === null ? null : delta + Z90 * standardError;
  const times = (v: number | null) => (v === null ? null : v * exposed);
  const rox = roxOf(times(delta));
  const roxLow = roxOf(times(low));
  const roxHigh = roxOf(times(high));
  const verdict: Verdict | null =
    roxLow === null || roxHigh === null ? null : roxLow > 0 ? 'pays' : roxHigh < 0 ? 'loses' : 'unclear';
  return {
    touchpoint: input.touchpoint,
    cost,
    exposed,
    controls: input.controls,
    revenuePerJourneyExposed: input.revenuePerJourneyExposed,
    revenuePerJourneyControl: input.revenuePerJourneyControl,
    naiveIncrementalRevenue,
    naiveRox: roxOf(naiveIncrementalRevenue),
    strata: input.strata,
    usableStrata: input.usableStrata,
    coverage: exposed === 0 ? null : input.covered / exposed,
    incrementalRevenuePerJourney: delta,
    incrementalRevenuePerJourneyLow: low,
    incrementalRevenuePerJourneyHigh: high,
    incrementalRevenue: times(delta),
    incrementalRevenueLow: times(low),
    incrementalRevenueHigh: times(high),
    rox,
    roxLow,
    roxHigh,
    verdict,
  };
}

export type OutcomeTouchpoint = ReturnType<typeof outcomeTouchpoint>;

/** The shop the tests use: three priced touchpoints, euros, Rome. */
export const ACROSS_DAYS_SITE = {
  site: 'outcomes-shop',
  name: 'Outcomes Shop',
  timezone: 'Europe/Rome',
  currency: 'EUR',
  touchpoints: {
    live_chat: { dailyCost: 120, team: 'support' },
    size_guide: { dailyCost: 15 },
    store_pickup: { dailyCost: 60, team: 'stores' },
  },
};

/**
 * live_chat pays: +€4.10 per engaged journey, 90 % interval €2.30–€5.90 (δ ± 1.6449 × 1.0943);
 * size_guide is unclear; store_pickup had three exposed visits in no usable stratum.
 */
export const TOUCHPOINT_INPUTS: readonly TouchpointInput[] = [
  {
    touchpoint: 'live_chat',
    exposed: 2_000,
    controls: 9_870,
    revenuePerJourneyExposed: 9.8,
    revenuePerJourneyControl: 2.1,
    strata: 24,
    usableStrata: 18,
    covered: 1_880,
    perJourney: 4.1,
    standardError: 1.8 / Z90,
  },
  {
    touchpoint: 'size_guide',
    exposed: 640,
    controls: 9_870,
    revenuePerJourneyExposed: 4.2,
    revenuePerJourneyControl: 2.1,
    strata: 19,
    usableStrata: 12,
    covered: 520,
    perJourney: 0.45,
    standardError: 0.8 / Z90,
  },
  {
    touchpoint: 'store_pickup',
    exposed: 3,
    controls: 9_870,
    revenuePerJourneyExposed: 31,
    revenuePerJourneyControl: 2.1,
    strata: 3,
    usableStrata: 0,
    covered: 0,
    perJourney: null,
    standardError: null,
  },
];

/** Six monthly cohorts, June to November 2026: the month of D counts up to D. */
export const COHORTS = [
  {
    month: '2026-06',
    customers: 212,
    retained: [0.22, 0.15, 0.13, 0.11, 0.06],
    revenuePerCustomer: [58.2, 71.4, 82.9, 91.3, 99.0, 102.6],
  },
  {
    month: '2026-07',
    customers: 238,
    retained: [0.24, 0.16, 0.12, 0.05],
    revenuePerCustomer: [61.0, 75.8, 85.1, 93.7, 96.9],
  },
  {
    month: '2026-08',
    customers: 201,
    retained: [0.21, 0.14, 0.07],
    revenuePerCustomer: [55.4, 68.0, 77.5, 81.2],
  },
  {
    month: '2026-09',
    customers: 256,
    retained: [0.26, 0.09],
    revenuePerCustomer: [63.7, 80.1, 86.0],
  },
  { month: '2026-10', customers: 274, retained: [0.12], revenuePerCustomer: [60.9, 68.3] },
  { month: '2026-11', customers: 167, retained: [], revenuePerCustomer: [59.1] },
];

/** The `customers` section of day `date`; `index` varies the day's counts. */
export function customersSection(date: string, index: number): CustomersFigures {
  return {
    new: 38 + ((index * 7) % 11),
    returning: 14 + ((index * 5) % 6),
    repeatRate: 0.271,
    retention30: 0.18,
    ltv30: 68.4,
    retention90: 0.31,
    ltv90: 112.7,
    cohorts: COHORTS,
    experienceValue: {
      from: addDays(date, -59),
      to: addDays(date, -30),
      promoters: { respondents: 120, revenuePerRespondent: 31.2, repurchaseRate: 0.24 },
      passives: { respondents: 80, revenuePerRespondent: 18.5, repurchaseRate: 0.16 },
      detractors: { respondents: 45, revenuePerRespondent: 9.8, repurchaseRate: 0.09 },
      gap: 31.2 - 9.8,
    },
  };
}

/** The `outcomes` section of day `date` with the defaults (window 28, horizon 7, lookback 7). */
export function outcomesSection(config: SiteConfig, date: string): OutcomesFigures {
  const windowDays = 28;
  const horizonDays = 7;
  return {
    rox: {
      exposureFrom: addDays(date, -horizonDays - windowDays + 1),
      exposureTo: addDays(date, -horizonDays),
      windowDays,
      horizonDays,
      lookbackDays: 7,
      touchpoints: TOUCHPOINT_INPUTS.map((input) =>
        outcomeTouchpoint(input, config.touchpoints[input.touchpoint]?.dailyCost ?? 0, windowDays),
      ),
    },
  };
}

/** A document whose across-days sections may be absent (a day computed before they existed). */
export type AcrossDaysDocument = Omit<FiguresDocument, 'outcomes' | 'customers'> & {
  outcomes?: OutcomesFigures;
  customers?: CustomersFigures;
};

/**
 * A document as the store may hold it from before the across-days sections existed: stored through
 * the same module, whose type has them.
 */
export function asStored(document: AcrossDaysDocument): FiguresDocument {
  return document as FiguresDocument;
}

/**
 * A figures document for `date` as the aggregation stores it (computeFigures over no events, with
 * some traffic and sales filled in), with or without the two sections.
 */
export function acrossDaysDocument(
  config: SiteConfig,
  date: string,
  index: number,
  options: { now: Date; sections: boolean },
): AcrossDaysDocument {
  const base = computeFigures({
    config,
    date,
    events: [],
    links: new Map(),
    status: dayStatus(date, config, options.now.getTime()),
    revision: 2,
    computedAt: options.now.toISOString(),
  });
  const orders = 52 + index * 3;
  const { outcomes: _outcomes, customers: _customers, ...withoutSections } = base;
  const document: AcrossDaysDocument = {
    ...withoutSections,
    traffic: { ...base.traffic, events: 2_400 + index * 90, journeys: 610 + index * 12, sessions: 702 },
    sales: {
      ...base.sales,
      orders,
      revenue: orders * 61.5,
      aov: 61.5,
      customers: orders - 2,
      netRevenue: orders * 61.5,
    },
  };
  if (!options.sections) return document;
  return { ...document, outcomes: outcomesSection(config, date), customers: customersSection(date, index) };
}
