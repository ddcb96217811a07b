/** The figures document of a site and day (metrics.md §4 and §6), computed from the archive's events. */
import type { SiteConfig } from '../config/site';
import type { IdentityLinks, NormalizedEvent } from '../events/types';
import { type CartFigures, cartFigures } from './carts';
import { type CheckoutFigures, checkoutFigures } from './checkouts';
import { buildDayContext } from './day';
import type { EarlierCopies } from './dedup';
import { type ExperienceFigures, experienceFigures, surveyResponses } from './experience';
import { type ExperimentFigures, experimentFigures } from './experiments';
import { type FunnelFigures, funnelFigures } from './funnel';
import { type QualityFigures, qualityFigures } from './quality';
import { type RoxFigures, roxFigures } from './rox';
import { type SalesFigures, salesFigures } from './sales';
import type { DayStatus } from './status';
import { type TrafficFigures, trafficFigures } from './traffic';

export type { CartFigures } from './carts';
export type { CheckoutFigures } from './checkouts';
export type {
  EnpsFigures,
  ExperienceFigures,
  FrictionFigures,
  NpsFigures,
  ScoreFigures,
} from './experience';
export type { ExperimentFigures, VariantFigures } from './experiments';
export type { FunnelFigures, FunnelStep } from './funnel';
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
  const { config, date } = input;
  const day = buildDayContext({
    config,
    date,
    events: input.events,
    links: input.links,
    earlierCopies: input.earlierCopies,
  });
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
  };
}
