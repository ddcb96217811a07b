/** Traffic figures (metrics.md §4 "traffic"). */
import type { DayContext } from './day';
import { channelOf } from './journeys';
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
  const channels = new Map<string, { events: number; journeys: Set<string> }>();
  for (const { event, activity, journeyId } of day.events) {
    if (!activity) continue;
    events++;
    if (event.type === 'page' || event.type === 'screen') pageviews++;
    const channel = channelOf(event);
    let figures = channels.get(channel);
    if (figures === undefined) {
      figures = { events: 0, journeys: new Set() };
      channels.set(channel, figures);
    }
    figures.events++;
    figures.journeys.add(journeyId);
  }
  let journeys = 0;
  for (const journey of day.journeys.values()) if (journey.active) journeys++;
  let bounced = 0;
  for (const session of day.sessions) if (session.events === 1) bounced++;
  return {
    events,
    journeys,
    sessions: day.sessions.length,
    pageviews,
    bounceRate: ratio(bounced, day.sessions.length),
    byChannel: sortedRecord(
      [...channels].map(([channel, figures]): [string, ChannelFigures] => [
        channel,
        { events: figures.events, journeys: figures.journeys.size },
      ]),
    ),
  };
}
