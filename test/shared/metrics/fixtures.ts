/** Builders for metric-core tests: short event specs → NormalizedEvents, and figures for a day. */
import { type SiteConfigInput, siteConfigWithDefaults } from '../../../shared/config/site';
import type { EventType, IdentityLinks, JsonObject, NormalizedEvent } from '../../../shared/events/types';
import { deduplicate } from '../../../shared/metrics/dedup';
import { computeFigures, type FiguresDocument } from '../../../shared/metrics/figures';
import { linksFromEvents } from '../../../shared/metrics/links';

export const SITE = 'test-shop';
export const DAY = '2026-10-24';

/** A UTC site with a USD rate (no JPY rate) and three priced touchpoints. */
export const utcSite = (overrides: Partial<SiteConfigInput> = {}) =>
  siteConfigWithDefaults({
    site: SITE,
    timezone: 'UTC',
    currency: 'EUR',
    currencyRates: { USD: 0.5 },
    touchpoints: {
      live_chat: { dailyCost: 100, team: 'support' },
      size_guide: { dailyCost: 10 },
      store_pickup: { dailyCost: 50, team: 'stores' },
      free_wifi: { dailyCost: 0 },
    },
    ...overrides,
  });

/**
 * `2026-10-24T10:00` → `2026-10-24T10:00:00.000Z`; a time without a zone is UTC (never the machine's
 * zone: `Date` would read `…T00:00:00.010` as local time); strings with a zone pass through.
 */
export function iso(at: string): string {
  if (/(?:Z|[+-]\d\d:\d\d)$/.test(at)) return at;
  if (at.length === 16) return `${at}:00.000Z`;
  if (at.length === 19) return `${at}.000Z`;
  return `${at}Z`;
}

export interface EventSpec {
  /** Event time, UTC: `YYYY-MM-DDTHH:MM[:SS]` or a full ISO string. */
  at: string;
  anon?: string;
  user?: string;
  props?: JsonObject;
  ctx?: JsonObject;
  /** Defaults to the event time. */
  receivedAt?: string;
  messageId?: string;
  site?: string;
}

let sequence = 0;

function build(type: EventType, spec: EventSpec, extra: Partial<NormalizedEvent> = {}): NormalizedEvent {
  sequence++;
  const timestamp = iso(spec.at);
  const event: NormalizedEvent = {
    messageId: spec.messageId ?? `m-${sequence}`,
    type,
    site: spec.site ?? SITE,
    receivedAt: spec.receivedAt ? iso(spec.receivedAt) : timestamp,
    timestamp,
    originalTimestamp: timestamp,
    ...extra,
  };
  if (spec.user !== undefined) event.userId = spec.user;
  if (spec.anon !== undefined || spec.user === undefined) event.anonymousId = spec.anon ?? 'anon-1';
  if (spec.props !== undefined) event.properties = spec.props;
  if (spec.ctx !== undefined) event.context = spec.ctx;
  return event;
}

export const track = (name: string, spec: EventSpec) => build('track', spec, { event: name });
export const page = (spec: EventSpec, name = 'Home') => build('page', spec, { name });
export const screen = (spec: EventSpec, name = 'Home') => build('screen', spec, { name });
export const identify = (spec: EventSpec) => build('identify', spec);
export function alias(previousId: string, userId: string, at: string): NormalizedEvent {
  sequence++;
  const timestamp = iso(at);
  return {
    messageId: `m-${sequence}`,
    type: 'alias',
    site: SITE,
    previousId,
    userId,
    receivedAt: timestamp,
    timestamp,
  };
}

export const order = (spec: EventSpec) => track('Order Completed', spec);
export const added = (spec: EventSpec) => track('Product Added', spec);
export const removed = (spec: EventSpec) => track('Product Removed', spec);

export interface FiguresOptions {
  config?: ReturnType<typeof utcSite>;
  date?: string;
  /** Defaults to the links of all the given events. */
  links?: IdentityLinks;
}

/** computeFigures for one day, links from all the events unless given. */
export function figuresOf(events: readonly NormalizedEvent[], options: FiguresOptions = {}): FiguresDocument {
  return computeFigures({
    config: options.config ?? utcSite(),
    date: options.date ?? DAY,
    events,
    links: options.links ?? linksFromEvents(deduplicate(events).events),
    status: 'provisional',
    revision: 1,
    computedAt: '2026-10-25T01:00:00.000Z',
  });
}
