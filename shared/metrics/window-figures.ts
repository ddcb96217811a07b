/**
 * The figures of part of a day (hourly alert rules, api.md "Alerts"): metrics.md §4 applied to the
 * events whose time falls in a window of D, with D's identity links and no look-ahead past the
 * window's end. The sections that read other days (§7 outcomes, §8 customers) are not part of it.
 */
import type { SiteConfig } from '../config/site';
import type { IdentityLinks, NormalizedEvent } from '../events/types';
import { cartFigures } from './carts';
import { checkoutFigures } from './checkouts';
import { buildDayContext } from './day';
import { experienceFigures, surveyResponses } from './experience';
import { experimentFigures } from './experiments';
import type { FiguresDocument } from './figures';
import { funnelFigures } from './funnel';
import { qualityFigures } from './quality';
import { roxFigures } from './rox';
import { salesFigures } from './sales';
import { trafficFigures } from './traffic';

export type WindowFigures = Pick<
  FiguresDocument,
  | 'site'
  | 'date'
  | 'traffic'
  | 'funnel'
  | 'sales'
  | 'carts'
  | 'checkouts'
  | 'experience'
  | 'rox'
  | 'experiments'
  | 'quality'
> & {
  /** The window, ISO instants, [from, to). */
  window: { from: string; to: string };
};

export interface WindowFiguresInput {
  config: SiteConfig;
  /** Day D, YYYY-MM-DD site-local: the window lies inside it. */
  date: string;
  /** [start, end) epoch ms. */
  window: { start: number; end: number };
  /** Candidate events (the window's partitions; more is fine), duplicates included. */
  events: readonly NormalizedEvent[];
  links: IdentityLinks;
  /** Only events received by this instant count (an evaluation sees what had arrived). */
  receivedBy?: number;
}

export function computeWindowFigures(input: WindowFiguresInput): WindowFigures {
  const day = buildDayContext({
    config: input.config,
    date: input.date,
    events: input.events,
    links: input.links,
    window: input.window,
    receivedBy: input.receivedBy,
  });
  const responses = surveyResponses(day);
  const experience = experienceFigures(day, responses);
  return {
    site: input.config.site,
    date: input.date,
    window: {
      from: new Date(input.window.start).toISOString(),
      to: new Date(input.window.end).toISOString(),
    },
    traffic: trafficFigures(day),
    funnel: funnelFigures(day),
    sales: salesFigures(day),
    carts: cartFigures(day),
    checkouts: checkoutFigures(day),
    experience,
    rox: roxFigures(day, responses, experience.enps),
    experiments: experimentFigures(day),
    quality: qualityFigures(day, undefined),
  };
}
