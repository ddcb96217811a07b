/** Traffic figures (metrics.md §4 "traffic"). */
import type { DayContext } from './day';
import { ratio, sortedRecord } from './rates';

export interface ChannelFigures {
  events: number;
  journeys: number;
}

export interface TrafficFigures {
  events: number;
  journeys: number;
  sessions: number;
  pageviews: number;
  bounceRate: number | null;
  byChannel: Record<string, ChannelFigures>;
}

/**
 * metrics.md §4 traffic: `events` = activity events of D; `journeys` = distinct journeys with one;
 * `sessions` (§2); `pageviews` = page + screen events; `bounceRate` = sessions with exactly one activity
 * event / sessions; `byChannel` counts activity events and distinct journeys per channel (§2).
 *
 * Interpretations (confirmed by the conformance data): a journey whose only events of D are identify /
 * alias / group is not a journey of D (counting it is off by 1–2 journeys on 2026-10-24, -26, -27);
 * `byChannel` counts activity events only (its events add up to `traffic.events`).
 */
export function trafficFigures(day: DayContext): TrafficFigures {
  let events = 0;
  let pageviews = 0;
  for (const { activity, type } of day.events) {
    if (!activity) continue;
    events++;
    if (type === 'page' || type === 'screen') pageviews++;
  }
  let journeys = 0;
  const channels = new Map<string, ChannelFigures>();
  for (const journey of day.journeys.values()) {
    if (!journey.active) continue;
    journeys++;
    for (const { channel, events: channelEvents } of journey.channels) {
      const figures = channels.get(channel);
      if (figures === undefined) channels.set(channel, { events: channelEvents, journeys: 1 });
      else {
        figures.events += channelEvents;
        figures.journeys++;
      }
    }
  }
  let bounced = 0;
  for (const session of day.sessions) if (session.events === 1) bounced++;
  return {
    events,
    journeys,
    sessions: day.sessions.length,
    pageviews,
    bounceRate: ratio(bounced, day.sessions.length),
    byChannel: sortedRecord(channels),
  };
}
