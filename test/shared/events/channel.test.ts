/**
 * Channel inference at ingest (shared/events/channel.ts): `context.channel` as sent, else the top-level
 * `channel` (RudderStack), else the SDK named in `context.library.name`, else none (unknown).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { siteConfigWithDefaults } from '../../../shared/config/site';
import { channelOfLibrary, inferredChannelOf, LIBRARY_CHANNELS } from '../../../shared/events/channel';
import { validateAndNormalize } from '../../../shared/events/ingest';
import type { JsonObject } from '../../../shared/events/types';
import { computeFigures } from '../../../shared/metrics/figures';
import { linksFromEvents } from '../../../shared/metrics/links';
import { conformanceDir } from '../../helpers/conformance';
import { outcomesConformanceDir } from '../../helpers/outcomes-conformance';

const library = (name: unknown): JsonObject => ({ library: { name, version: '1.0.0' } });

describe('inferredChannelOf', () => {
  it.each([
    {
      why: 'nothing when context.channel is sent',
      top: 'web',
      context: { channel: 'store' },
      channel: undefined,
    },
    {
      why: 'nothing when context.channel is sent, even a non-string one (the figures say unknown)',
      top: undefined,
      context: { channel: 7, ...library('analytics.js') },
      channel: undefined,
    },
    { why: "RudderStack's top-level channel", top: 'web', context: undefined, channel: 'web' },
    {
      why: 'the top-level channel before the library',
      top: 'server',
      context: library('analytics.js'),
      channel: 'server',
    },
    { why: "app for RudderStack's mobile", top: 'mobile', context: undefined, channel: 'app' },
    { why: 'any other top-level channel as sent', top: 'sources', context: undefined, channel: 'sources' },
    {
      why: 'the library when the top-level channel is empty',
      top: '',
      context: library('analytics.js'),
      channel: 'web',
    },
    {
      why: 'the library when the top-level channel is no string',
      top: 5,
      context: library('analytics-ios'),
      channel: 'app',
    },
    {
      why: 'nothing for an unlisted library',
      top: undefined,
      context: library('my-own-sdk'),
      channel: undefined,
    },
    {
      why: 'nothing for a library name that is no string',
      top: undefined,
      context: library(3),
      channel: undefined,
    },
    {
      why: 'nothing for a library that is no object',
      top: undefined,
      context: { library: 'analytics.js' },
      channel: undefined,
    },
    {
      why: 'nothing without context or top-level channel',
      top: undefined,
      context: undefined,
      channel: undefined,
    },
    {
      why: 'nothing for a context without library',
      top: undefined,
      context: { locale: 'it-IT' },
      channel: undefined,
    },
  ])('gives $why', ({ top, context, channel }) => {
    expect(inferredChannelOf(top, context)).toBe(channel);
  });
});

describe('channelOfLibrary: the library table', () => {
  it.each([
    // Browsers
    ['analytics.js', 'web'],
    ['analytics-next', 'web'],
    ['@segment/analytics-next', 'web'],
    ['RudderLabs JavaScript SDK', 'web'],
    ['roxtrail.js', 'web'],
    // Apps
    ['analytics-ios', 'app'],
    ['analytics-android', 'app'],
    ['analytics-swift', 'app'],
    ['analytics-kotlin', 'app'],
    ['analytics-react-native', 'app'],
    ['@segment/analytics-react-native', 'app'],
    ['analytics_flutter', 'app'],
    ['rudder-ios-library', 'app'],
    ['com.rudderstack.android.sdk.core', 'app'],
    // Servers
    ['analytics-node', 'server'],
    ['@segment/analytics-node', 'server'],
    ['analytics-python', 'server'],
    ['analytics-go', 'server'],
    ['analytics-ruby', 'server'],
    ['analytics-java', 'server'],
    ['rudder-analytics-python', 'server'],
    ['rudderanalytics-ruby', 'server'],
  ])('%s → %s', (name, channel) => {
    expect(channelOfLibrary(name)).toBe(channel);
  });

  it('ignores case and surrounding blanks, and knows nothing of other names', () => {
    expect(channelOfLibrary('  Analytics.JS ')).toBe('web');
    expect(channelOfLibrary('analytics')).toBeUndefined();
    expect(channelOfLibrary('constructor')).toBeUndefined();
    expect(channelOfLibrary('__proto__')).toBeUndefined();
  });

  it('maps every listed library to web, app or server', () => {
    expect(new Set(Object.values(LIBRARY_CHANNELS))).toEqual(new Set(['web', 'app', 'server']));
  });
});

const RECEIVED_MS = Date.parse('2026-10-25T12:00:00.000Z');
let sequence = 0;
function nextMessageId(): string {
  sequence += 1;
  return `generated-${sequence}`;
}

function normalized(events: unknown[], batchContext?: JsonObject) {
  const { accepted, rejected } = validateAndNormalize(
    { events, batchContext },
    { site: 'shop', receivedAtMs: RECEIVED_MS, newMessageId: nextMessageId },
  );
  expect(rejected).toEqual([]);
  return accepted.map(({ event }) => event);
}

describe('normalization records the inferred channel in context.channel', () => {
  it("fills it in from RudderStack's top-level channel and keeps that field as sent", () => {
    const [event] = normalized([
      {
        type: 'page',
        anonymousId: 'a',
        channel: 'web',
        context: { library: { name: 'RudderLabs JavaScript SDK', version: '3.34.1' } },
      },
    ]);

    expect(event?.context?.channel).toBe('web');
    expect(event?.channel).toBe('web');
  });

  it('fills it in from the library of the batch context', () => {
    const [event] = normalized([{ type: 'track', event: 'E', userId: 'u' }], {
      library: { name: 'analytics-python' },
    });

    expect(event?.context).toEqual({ library: { name: 'analytics-python' }, channel: 'server' });
  });

  it("keeps the client's context.channel over any inference", () => {
    const [event] = normalized([
      { type: 'page', anonymousId: 'a', channel: 'server', context: { channel: 'store' } },
    ]);

    expect(event?.context).toEqual({ channel: 'store' });
  });

  it('treats a null context.channel as absent and infers', () => {
    const [event] = normalized([
      { type: 'page', anonymousId: 'a', context: { channel: null, ...library('analytics.js') } },
    ]);

    expect(event?.context?.channel).toBe('web');
  });

  it('adds no context and no channel when nothing tells the channel', () => {
    const [bare, unlisted] = normalized([
      { type: 'page', anonymousId: 'a' },
      { type: 'page', anonymousId: 'b', context: library('my-own-sdk') },
    ]);

    expect(bare).not.toHaveProperty('context');
    expect(unlisted?.context).not.toHaveProperty('channel');
  });
});

describe('traffic.byChannel counts the inferred channels', () => {
  it('puts each SDK under its channel and events that tell nothing under unknown', () => {
    const at = '2026-10-25T10:00:00.000Z';
    const events = normalized([
      { type: 'page', anonymousId: 'w1', timestamp: at, context: library('analytics.js') },
      {
        type: 'page',
        anonymousId: 'w2',
        timestamp: at,
        channel: 'web',
        context: library('RudderLabs JavaScript SDK'),
      },
      { type: 'screen', anonymousId: 'm1', timestamp: at, context: library('analytics-ios') },
      { type: 'screen', anonymousId: 'm2', timestamp: at, channel: 'mobile' },
      {
        type: 'track',
        event: 'Order Completed',
        userId: 's1',
        timestamp: at,
        context: library('analytics-node'),
      },
      {
        type: 'page',
        anonymousId: 'x1',
        timestamp: at,
        context: { channel: 'store', ...library('analytics-node') },
      },
      { type: 'page', anonymousId: 'u1', timestamp: at },
    ]);

    const figures = computeFigures({
      config: siteConfigWithDefaults({ site: 'shop', timezone: 'UTC' }),
      date: '2026-10-25',
      events,
      links: linksFromEvents(events),
      status: 'provisional',
      revision: 1,
      computedAt: '2026-10-26T01:00:00.000Z',
    });

    expect(figures.traffic.byChannel).toEqual({
      app: { events: 2, journeys: 2 },
      server: { events: 1, journeys: 1 },
      store: { events: 1, journeys: 1 },
      unknown: { events: 1, journeys: 1 },
      web: { events: 2, journeys: 2 },
    });
  });
});

describe('the public conformance data sets', () => {
  /** Which rule decides each raw event's channel: the data sets' figures were made before inference. */
  function rulesHit(file: string): Record<string, number> {
    const hits: Record<string, number> = {};
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const raw = JSON.parse(line) as JsonObject;
      const context =
        typeof raw.context === 'object' && raw.context !== null ? (raw.context as JsonObject) : undefined;
      const rule =
        context?.channel !== undefined
          ? 'context.channel'
          : inferredChannelOf(raw.channel, context) === undefined
            ? 'none'
            : 'inferred';
      hits[rule] = (hits[rule] ?? 0) + 1;
    }
    return hits;
  }

  it('hit no inference rule, so their byChannel figures are what they were made with', () => {
    for (const dir of [conformanceDir(), outcomesConformanceDir()]) {
      const hits = rulesHit(path.join(dir, 'events.ndjson'));
      expect(hits.inferred, dir).toBeUndefined();
      expect(hits['context.channel'], dir).toBeGreaterThan(0);
    }
  });
});
