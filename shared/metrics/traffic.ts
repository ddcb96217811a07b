/** Traffic figures (metrics.md §4 "traffic"). */

import { boundedKey, keptKeys } from './bounded';
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
 * event / sessions; `byChannel` counts activity events and distinct journeys per channel (§2), for the
 * 100 channels with the most events and "(other)" (bounded.ts).
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
  const eventsByChannel = new Map<string, number>();
  for (const journey of day.journeys.values()) {
    if (!journey.active) continue;
    journeys++;
    for (const { channel, events: channelEvents } of journey.channels)
      eventsByChannel.set(channel, (eventsByChannel.get(channel) ?? 0) + channelEvents);
  }
  const kept = keptKeys(eventsByChannel);
  const channels = new Map<string, ChannelFigures>();
  for (const journey of day.journeys.values()) {
    if (!journey.active) continue;
    const counted = new Set<string>();
    for (const { channel: sent, events: channelEvents } of journey.channels) {
      const channel = boundedKey(sent, kept);
      const figures = channels.get(channel) ?? { events: 0, journeys: 0 };
      channels.set(channel, figures);
      figures.events += channelEvents;
      // A journey on several channels under "(other)" counts once there.
      if (!counted.has(channel)) figures.journeys++;
      counted.add(channel);
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
