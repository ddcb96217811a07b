/** The figures document of a site and day (metrics.md §4 and §6), computed from the archive's events. */
import type { SiteConfig } from '../config/site';
import type { IdentityLinks, NormalizedEvent } from '../events/types';
import { type CartFigures, cartFigures } from './carts';
import { type CheckoutFigures, checkoutFigures } from './checkouts';
import { type CustomersFigures, customersFigures } from './customers';
import { buildDayContext, type DayContext } from './day';
import type { EarlierCopies } from './dedup';
import type { CustomerLedger, DerivedDay } from './derived';
import { derivedDayOf } from './derived-day';
import { type ExperienceFigures, experienceFigures, surveyResponses } from './experience';
import { type ExperimentFigures, experimentFigures } from './experiments';
import { type FunnelFigures, funnelFigures } from './funnel';
import { customerLedgerOf, EMPTY_LEDGER_BASE, type LedgerBase } from './ledger-base';
import type { LookbackDay, LookbackSummary } from './lookback';
import { type OutcomesFigures, outcomesFiguresOfColumns } from './outcomes';
import { type QualityFigures, qualityFigures } from './quality';
import { type RoxFigures, roxFigures } from './rox';
import { type SalesFigures, salesFigures } from './sales';
import type { SessionColumns } from './session-columns';
import type { DayStatus } from './status';
import { type TrafficFigures, trafficFigures } from './traffic';

export type { CartFigures } from './carts';
export type { CheckoutFigures } from './checkouts';
export type { CustomersFigures } from './customers';
export type {
  EnpsFigures,
  ExperienceFigures,
  FrictionFigures,
  NpsFigures,
  ScoreFigures,
} from './experience';
export type { ExperimentFigures, VariantFigures } from './experiments';
export type { FunnelFigures, FunnelStep } from './funnel';
export type { OutcomesFigures } from './outcomes';
export type { QualityFigures } from './quality';
export type { RoxFigures, RoxTouchpointFigures } from './rox';
export type { SalesFigures } from './sales';
export type { DayStatus } from './status';
export type { ChannelFigures, TrafficFigures } from './traffic';

/** metrics.md §6, keys in this order. */
export interface FiguresDocument {
  site: string;
  date: string;
  timezone: string;
  currency: string;
  status: DayStatus;
  revision: number;
  computedAt: string;
  traffic: TrafficFigures;
  funnel: FunnelFigures;
  sales: SalesFigures;
  carts: CartFigures;
  checkouts: CheckoutFigures;
  experience: ExperienceFigures;
  rox: RoxFigures;
  experiments: ExperimentFigures[];
  quality: QualityFigures;
  /** metrics.md §7: ROX over a window of exposures, adjusted for who engages. */
  outcomes: OutcomesFigures;
  /** metrics.md §8: acquisition, retention, lifetime value, what experience is worth later. */
  customers: CustomersFigures;
}

/**
 * What the sections that look across days (§7, §8) read of the other days of the site: their derived
 * records (derived.ts). D's own record comes from D's events.
 */
export interface AcrossDaysInput {
  /** The orders and NPS responses of every day of the site before D, merged (ledger-base.ts `ledgerBaseOf`). */
  ledgerBase: LedgerBase;
  /**
   * The sessions of the exposure window's days (outcomes.ts exposureWindowOf), as stored; the
   * aggregator leaves this empty and adds them one at a time instead.
   */
  exposureDays: readonly SessionColumns[];
  /**
   * The activity of the `lookbackDays` + 1 days before D (or its summary for D, lookback.ts): the
   * lookback of D's own sessions.
   */
  lookback: readonly LookbackDay[] | LookbackSummary;
}

export interface FiguresInput {
  config: SiteConfig;
  /** Day D, YYYY-MM-DD site-local. */
  date: string;
  /**
   * Every candidate event the aggregator read for D — the partitions of D and D+1 (more days are fine:
   * a longer conversion window looks further ahead, and an order id first seen before D is then
   * recognised as a repeat). Raw archive lines: duplicates included, computeFigures de-duplicates
   * (metrics.md §1) and counts them.
   */
  events: readonly NormalizedEvent[];
  /** anonymousId → userId from all events received so far, of any day (metrics.md §2). */
  links: IdentityLinks;
  /**
   * Copies of message ids archived under the day before D (the aggregator reads them from that day's
   * copies digests): a copy received there first makes an event of D a duplicate (metrics.md §1).
   */
  earlierCopies?: EarlierCopies;
  /** Ingest rejections whose receivedAt falls on D, by reason. */
  rejected?: Record<string, number>;
  /** The other days' derived records; without them §7 and §8 see D alone. */
  acrossDays?: AcrossDaysInput;
  status: DayStatus;
  revision: number;
  computedAt: string;
}

/**
 * Computes the figures document of metrics.md §6 for one site and day: builds the day context once
 * (de-duplication, journeys, sessions, orders, carts) and lets each section read it. Pure and
 * deterministic: the same input gives the same document, byte for byte once serialized.
 */
export function computeFigures(input: FiguresInput): FiguresDocument {
  return computeFiguresAndDerived(input).figures;
}

/** The figures document and D's derived record (what later days read of D), from one day context. */
export function computeFiguresAndDerived(input: FiguresInput): {
  figures: FiguresDocument;
  derived: DerivedDay;
} {
  const prepared = prepareFigureDay(input);
  const outcomes = outcomesFiguresOfColumns({
    config: input.config,
    date: input.date,
    exposureDays: input.acrossDays?.exposureDays ?? [],
    ledger: prepared.ledger,
  });
  return { figures: figuresOfPreparedDay(input, prepared, outcomes), derived: prepared.derived };
}

/** D's day context, its derived record and the customer ledger with D's own orders in it. */
export interface PreparedFigureDay {
  day: DayContext;
  derived: DerivedDay;
  ledger: CustomerLedger;
}

/**
 * The first half of a day's computation: what the `outcomes` section needs before the exposure days
 * are read (the aggregator reads and adds them one at a time: outcomes.ts `outcomesAccumulator`).
 */
export function prepareFigureDay(input: FiguresInput): PreparedFigureDay {
  const day = buildDayContext({
    config: input.config,
    date: input.date,
    events: input.events,
    links: input.links,
    earlierCopies: input.earlierCopies,
  });
  const across = input.acrossDays;
  const derived = derivedDayOf(day, across?.lookback ?? []);
  return { day, derived, ledger: customerLedgerOf(across?.ledgerBase ?? EMPTY_LEDGER_BASE, derived) };
}

/** The figures document of a prepared day, with its `outcomes` computed. */
export function figuresOfPreparedDay(
  input: FiguresInput,
  prepared: PreparedFigureDay,
  outcomes: OutcomesFigures,
): FiguresDocument {
  const { config, date } = input;
  const { day, ledger } = prepared;
  const responses = surveyResponses(day);
  const experience = experienceFigures(day, responses);
  return {
    site: config.site,
    date,
    timezone: config.timezone,
    currency: config.currency,
    status: input.status,
    revision: input.revision,
    computedAt: input.computedAt,
    traffic: trafficFigures(day),
    funnel: funnelFigures(day),
    sales: salesFigures(day),
    carts: cartFigures(day),
    checkouts: checkoutFigures(day),
    experience,
    rox: roxFigures(day, responses, experience.enps),
    experiments: experimentFigures(day),
    quality: qualityFigures(day, input.rejected),
    outcomes,
    customers: customersFigures({ config, date, ledger }),
  };
}
