/**
 * The outcomes conformance data set (../shared/conformance-outcomes, see its README) through the metric
 * core: every day's derived record (shared/metrics/derived-day.ts) built in date order from the
 * de-duplicated events, journey ids resolved with the links of the whole file.
 */
import path from 'node:path';
import type { SiteConfig } from '../../shared/config/site';
import type { NormalizedEvent } from '../../shared/events/types';
import { buildDayContext } from '../../shared/metrics/day';
import { deduplicate } from '../../shared/metrics/dedup';
import type { DerivedDay } from '../../shared/metrics/derived';
import { derivedDayOf } from '../../shared/metrics/derived-day';
import { linksFromEvents } from '../../shared/metrics/links';
import { addDays, localDate } from '../../shared/time';
import { conformanceDir, loadConformanceData } from './conformance';

/** `$ROXTRAIL_CONFORMANCE_OUTCOMES_DIR`, else `conformance-outcomes` beside the single-day set. */
export function outcomesConformanceDir(): string {
  return (
    process.env.ROXTRAIL_CONFORMANCE_OUTCOMES_DIR ?? path.resolve(conformanceDir(), '../conformance-outcomes')
  );
}

export interface OutcomesConformance {
  config: SiteConfig;
  /** De-duplicated events (first copy in file order, the order they arrive in), by site-local day. */
  eventsByDay: Map<string, NormalizedEvent[]>;
  links: Map<string, string>;
  /** Every day from the first event's to the last's, ascending. */
  dates: string[];
  /** date → { site, date, outcomes, customers } */
  expected: Map<string, unknown>;
}

export function loadOutcomesConformance(dir: string = outcomesConformanceDir()): OutcomesConformance {
  const data = loadConformanceData(dir);
  const events = deduplicate(data.events).events;
  const links = linksFromEvents(events);
  const eventsByDay = new Map<string, NormalizedEvent[]>();
  for (const event of events) {
    const day = localDate(Date.parse(event.timestamp), data.config.timezone);
    const list = eventsByDay.get(day);
    if (list) list.push(event);
    else eventsByDay.set(day, [event]);
  }
  const known = [...eventsByDay.keys()].sort();
  const dates: string[] = [];
  for (let day = known[0] ?? ''; day !== '' && day <= (known.at(-1) ?? ''); day = addDays(day, 1))
    dates.push(day);
  return { config: data.config, eventsByDay, links, dates, expected: data.expected };
}

/** Every day's derived record, built in date order (each day's lookback reads the records before it). */
export function derivedDaysOf(
  data: OutcomesConformance,
  config: SiteConfig = data.config,
): Map<string, DerivedDay> {
  const derived = new Map<string, DerivedDay>();
  const reach = config.outcomes.lookbackDays + 1;
  for (const date of data.dates) {
    const day = buildDayContext({
      config,
      date,
      events: [...(data.eventsByDay.get(date) ?? []), ...(data.eventsByDay.get(addDays(date, 1)) ?? [])],
      links: data.links,
    });
    const lookback = [];
    for (let back = 1; back <= reach; back += 1) {
      const earlier = derived.get(addDays(date, -back));
      if (earlier) lookback.push(earlier.activity);
    }
    derived.set(date, derivedDayOf(day, lookback));
  }
  return derived;
}
