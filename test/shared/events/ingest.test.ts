import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  identityLinksOf,
  isBetterLink,
  journeySegmentsOf,
  partitionByLocalHour,
  requestHashOf,
} from '../../../shared/events/ingest';
import type { NormalizedEvent } from '../../../shared/events/types';
import { archiveKeyFor, archiveObjectsFor, toNdjsonGzip } from '../../../shared/storage/archive';

let sequence = 0;
function makeEvent(timestamp: string, extra: Partial<NormalizedEvent> = {}): NormalizedEvent {
  sequence += 1;
  return {
    messageId: `msg-${sequence}`,
    type: 'track',
    event: 'Product Viewed',
    site: 'shop',
    receivedAt: '2026-10-26T00:00:00.000Z',
    timestamp,
    anonymousId: 'anon-1',
    ...extra,
  };
}

const HASH = 'a'.repeat(64);
const ARCHIVE_KEY = /^events\/site=shop\/dt=2026-10-25\/hh=02\/[0-9a-f]{40}\.ndjson\.gz$/;

describe('partitionByLocalHour', () => {
  it('groups events by site-local day and hour', () => {
    const a = makeEvent('2026-06-10T08:05:00.000Z');
    const b = makeEvent('2026-06-10T08:55:00.000Z');
    const c = makeEvent('2026-06-10T09:00:00.000Z');

    const partitions = partitionByLocalHour([a, b, c], 'Europe/Rome');

    expect(partitions).toEqual([
      { date: '2026-06-10', hour: '10', events: [a, b] },
      { date: '2026-06-10', hour: '11', events: [c] },
    ]);
  });

  it('puts an event at 23:30 UTC into the next day in Rome', () => {
    const late = makeEvent('2026-10-24T23:30:00.000Z');

    expect(partitionByLocalHour([late], 'Europe/Rome')).toEqual([
      { date: '2026-10-25', hour: '01', events: [late] },
    ]);
  });

  it('keeps the UTC day for a UTC site', () => {
    const late = makeEvent('2026-10-24T23:30:00.000Z');

    expect(partitionByLocalHour([late], 'UTC')).toEqual([{ date: '2026-10-24', hour: '23', events: [late] }]);
  });

  it('puts both occurrences of 02:00-03:00 local on 2026-10-25 in Rome into hour 02', () => {
    const summerTime = makeEvent('2026-10-25T00:30:00.000Z'); // 02:30 CEST
    const winterTime = makeEvent('2026-10-25T01:30:00.000Z'); // 02:30 CET
    const after = makeEvent('2026-10-25T02:30:00.000Z'); // 03:30 CET

    const partitions = partitionByLocalHour([summerTime, winterTime, after], 'Europe/Rome');

    expect(partitions).toEqual([
      { date: '2026-10-25', hour: '02', events: [summerTime, winterTime] },
      { date: '2026-10-25', hour: '03', events: [after] },
    ]);
  });

  it('skips the missing hour 02 on 2026-03-29 in Rome', () => {
    const before = makeEvent('2026-03-29T00:30:00.000Z'); // 01:30 CET
    const after = makeEvent('2026-03-29T01:30:00.000Z'); // 03:30 CEST

    expect(partitionByLocalHour([before, after], 'Europe/Rome').map((p) => p.hour)).toEqual(['01', '03']);
  });

  it('uses the corrected event time, not receivedAt', () => {
    const event = makeEvent('2026-10-20T10:00:00.000Z', { receivedAt: '2026-10-25T10:00:00.000Z' });

    expect(partitionByLocalHour([event], 'UTC').map((p) => [p.date, p.hour])).toEqual([['2026-10-20', '10']]);
  });

  it('keeps the request order within a partition and orders partitions by first appearance', () => {
    const late = makeEvent('2026-06-10T15:10:00.000Z');
    const early = makeEvent('2026-06-10T09:10:00.000Z');
    const lateAgain = makeEvent('2026-06-10T15:00:00.000Z');

    const partitions = partitionByLocalHour([late, early, lateAgain], 'UTC');

    expect(partitions.map((p) => [p.hour, p.events.map((e) => e.messageId)])).toEqual([
      ['15', [late.messageId, lateAgain.messageId]],
      ['09', [early.messageId]],
    ]);
  });

  it('returns no partitions for no events', () => {
    expect(partitionByLocalHour([], 'Europe/Rome')).toEqual([]);
  });
});

describe('journeySegmentsOf', () => {
  it('makes one segment per actor: userId when present, else anonymousId', () => {
    const anonymous = makeEvent('2026-10-25T10:00:00.000Z', { anonymousId: 'anon-1' });
    const identified = makeEvent('2026-10-25T10:01:00.000Z', { anonymousId: 'anon-1', userId: 'user-1' });
    const other = makeEvent('2026-10-25T10:02:00.000Z', { anonymousId: 'anon-2' });

    const segments = journeySegmentsOf([anonymous, identified, other]);

    expect(segments.map((s) => [s.actorId, s.entries.map((e) => e.m)])).toEqual([
      ['anon-1', [anonymous.messageId]],
      ['user-1', [identified.messageId]],
      ['anon-2', [other.messageId]],
    ]);
  });

  it('sorts entries by event time, then messageId, and records the earliest time', () => {
    const third = makeEvent('2026-10-25T10:05:00.000Z', { messageId: 'c' });
    const first = makeEvent('2026-10-25T10:00:00.000Z', { messageId: 'b' });
    const tieLater = makeEvent('2026-10-25T10:00:00.000Z', { messageId: 'z' });
    const tieEarlier = makeEvent('2026-10-25T10:00:00.000Z', { messageId: 'a' });

    const [segment] = journeySegmentsOf([third, first, tieLater, tieEarlier]);
    if (!segment) throw new Error('expected one segment');

    expect(segment.entries.map((e) => e.m)).toEqual(['a', 'b', 'z', 'c']);
    expect(segment.firstEventMs).toBe(Date.parse('2026-10-25T10:00:00.000Z'));
  });

  it('writes compact entries: messageId, time, type, name, touchpoint, channel', () => {
    const track = makeEvent('2026-10-25T10:00:00.000Z', {
      messageId: 'm-track',
      event: 'Order Completed',
      properties: { touchpoint: 'checkout', total: 42 },
      context: { channel: 'web', touchpoint: 'ignored-when-properties-has-one' },
    });
    const page = makeEvent('2026-10-25T10:01:00.000Z', {
      messageId: 'm-page',
      type: 'page',
      event: undefined,
      name: 'Home',
      context: { touchpoint: 'homepage' },
    });
    const identify = makeEvent('2026-10-25T10:02:00.000Z', {
      messageId: 'm-id',
      type: 'identify',
      event: undefined,
    });

    const [segment] = journeySegmentsOf([track, page, identify]);

    expect(segment).toEqual({
      actorId: 'anon-1',
      firstEventMs: Date.parse('2026-10-25T10:00:00.000Z'),
      entries: [
        {
          m: 'm-track',
          t: Date.parse('2026-10-25T10:00:00.000Z'),
          y: 'track',
          n: 'Order Completed',
          tp: 'checkout',
          ch: 'web',
        },
        { m: 'm-page', t: Date.parse('2026-10-25T10:01:00.000Z'), y: 'page', n: 'Home', tp: 'homepage' },
        { m: 'm-id', t: Date.parse('2026-10-25T10:02:00.000Z'), y: 'identify' },
      ],
    });
  });

  it('truncates long names and touchpoints to 100 and channels to 50 characters', () => {
    const event = makeEvent('2026-10-25T10:00:00.000Z', {
      event: 'n'.repeat(300),
      properties: { touchpoint: 't'.repeat(300) },
      context: { channel: 'c'.repeat(300) },
    });

    const [entry] = journeySegmentsOf([event])[0]?.entries ?? [];

    expect(entry?.n).toBe('n'.repeat(100));
    expect(entry?.tp).toBe('t'.repeat(100));
    expect(entry?.ch).toBe('c'.repeat(50));
  });

  it('ignores empty and non-string touchpoints and channels', () => {
    const event = makeEvent('2026-10-25T10:00:00.000Z', {
      properties: { touchpoint: '' },
      context: { touchpoint: 7, channel: { name: 'web' } },
    });

    const [entry] = journeySegmentsOf([event])[0]?.entries ?? [];

    expect(entry).toEqual({
      m: event.messageId,
      t: Date.parse(event.timestamp),
      y: 'track',
      n: 'Product Viewed',
    });
  });

  it('skips events without any actor id', () => {
    const event = makeEvent('2026-10-25T10:00:00.000Z', { anonymousId: undefined });

    expect(journeySegmentsOf([event])).toEqual([]);
  });
});

describe('isBetterLink', () => {
  const link = (userId: string, eventTimeMs: number) => ({ anonymousId: 'anon-1', userId, eventTimeMs });

  it('prefers the earlier event time whatever the userIds', () => {
    expect(isBetterLink(link('zed', 1000), link('amy', 2000))).toBe(true);
    expect(isBetterLink(link('amy', 2000), link('zed', 1000))).toBe(false);
  });

  it('breaks a time tie with the smaller userId', () => {
    expect(isBetterLink(link('amy', 1000), link('zed', 1000))).toBe(true);
    expect(isBetterLink(link('zed', 1000), link('amy', 1000))).toBe(false);
  });

  it('does not replace an identical link', () => {
    expect(isBetterLink(link('amy', 1000), link('amy', 1000))).toBe(false);
  });
});

describe('identityLinksOf', () => {
  it('links anonymousId to userId with the event time', () => {
    const event = makeEvent('2026-10-25T10:00:00.000Z', { type: 'identify', userId: 'user-1' });

    expect(identityLinksOf([event])).toEqual([
      { anonymousId: 'anon-1', userId: 'user-1', eventTimeMs: Date.parse('2026-10-25T10:00:00.000Z') },
    ]);
  });

  it('keeps the link of the earliest event per anonymous id, regardless of request order', () => {
    const later = makeEvent('2026-10-25T11:00:00.000Z', { userId: 'user-late' });
    const earlier = makeEvent('2026-10-25T10:00:00.000Z', { userId: 'user-early' });

    expect(identityLinksOf([later, earlier]).map((l) => l.userId)).toEqual(['user-early']);
    expect(identityLinksOf([earlier, later]).map((l) => l.userId)).toEqual(['user-early']);
  });

  it('keeps the smaller userId on a time tie', () => {
    const b = makeEvent('2026-10-25T10:00:00.000Z', { userId: 'user-b' });
    const a = makeEvent('2026-10-25T10:00:00.000Z', { userId: 'user-a' });

    expect(identityLinksOf([b, a]).map((l) => l.userId)).toEqual(['user-a']);
  });

  it('links both the previousId and the alias event’s own anonymousId to the user (metrics.md §2)', () => {
    const alias = makeEvent('2026-10-25T10:00:00.000Z', {
      type: 'alias',
      event: undefined,
      anonymousId: 'anon-current',
      previousId: 'anon-old',
      userId: 'user-1',
    });
    const time = Date.parse('2026-10-25T10:00:00.000Z');

    expect(identityLinksOf([alias])).toEqual([
      { anonymousId: 'anon-current', userId: 'user-1', eventTimeMs: time },
      { anonymousId: 'anon-old', userId: 'user-1', eventTimeMs: time },
    ]);
  });

  it('ignores previousId on non-alias events', () => {
    const identify = makeEvent('2026-10-25T10:00:00.000Z', {
      type: 'identify',
      previousId: 'anon-old',
      userId: 'user-1',
    });

    expect(identityLinksOf([identify]).map((l) => l.anonymousId)).toEqual(['anon-1']);
  });

  it('produces no link for events without both ids', () => {
    const anonymousOnly = makeEvent('2026-10-25T10:00:00.000Z');
    const userOnly = makeEvent('2026-10-25T10:00:00.000Z', { anonymousId: undefined, userId: 'user-1' });

    expect(identityLinksOf([anonymousOnly, userOnly])).toEqual([]);
  });

  it('returns one link per anonymous id', () => {
    const one = makeEvent('2026-10-25T10:00:00.000Z', { anonymousId: 'anon-1', userId: 'user-1' });
    const two = makeEvent('2026-10-25T10:00:00.000Z', { anonymousId: 'anon-2', userId: 'user-1' });

    expect(identityLinksOf([one, two]).map((l) => [l.anonymousId, l.userId])).toEqual([
      ['anon-1', 'user-1'],
      ['anon-2', 'user-1'],
    ]);
  });
});

describe('requestHashOf', () => {
  const body = '{"batch":[{"type":"page","anonymousId":"a"}]}';

  it('is a 64-digit hex sha256, the same for the same site and body', () => {
    const hash = requestHashOf('shop', body);

    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(requestHashOf('shop', body)).toBe(hash);
  });

  it('is the same for the body as a string or as bytes', () => {
    expect(requestHashOf('shop', new TextEncoder().encode(body))).toBe(requestHashOf('shop', body));
  });

  it('differs for another body or another site', () => {
    const hash = requestHashOf('shop', body);

    expect(requestHashOf('shop', `${body} `)).not.toBe(hash);
    expect(requestHashOf('other-shop', body)).not.toBe(hash);
  });

  it('separates site and body so that moving characters between them changes the hash', () => {
    expect(requestHashOf('ab', 'c')).not.toBe(requestHashOf('a', 'bc'));
  });
});

describe('archive keys (shared/storage/archive.ts)', () => {
  const partition = { date: '2026-10-25', hour: '02' };

  it('lays keys out as events/site=S/dt=D/hh=H/<40 hex digits>.ndjson.gz', () => {
    expect(archiveKeyFor('shop', partition, HASH)).toMatch(ARCHIVE_KEY);
  });

  it('gives the same request hash and partition the same key (a retry overwrites its object)', () => {
    expect(archiveKeyFor('shop', partition, HASH)).toBe(archiveKeyFor('shop', { ...partition }, HASH));
  });

  it('gives different request content a different key', () => {
    const first = archiveKeyFor('shop', partition, requestHashOf('shop', '{"batch":[1]}'));
    const second = archiveKeyFor('shop', partition, requestHashOf('shop', '{"batch":[2]}'));

    expect(first).toMatch(ARCHIVE_KEY);
    expect(second).toMatch(ARCHIVE_KEY);
    expect(second).not.toBe(first);
  });

  it('gives the partitions of one request different file names', () => {
    const twoAm = archiveKeyFor('shop', partition, HASH);
    const threeAm = archiveKeyFor('shop', { date: '2026-10-25', hour: '03' }, HASH);
    const nextDay = archiveKeyFor('shop', { date: '2026-10-26', hour: '02' }, HASH);
    const fileName = (key: string) => key.split('/').pop();

    expect(threeAm.startsWith('events/site=shop/dt=2026-10-25/hh=03/')).toBe(true);
    expect(nextDay.startsWith('events/site=shop/dt=2026-10-26/hh=02/')).toBe(true);
    expect(new Set([twoAm, threeAm, nextDay].map(fileName)).size).toBe(3);
  });

  it('builds one archive object per partition of a request', () => {
    const events = [makeEvent('2026-10-25T00:30:00.000Z'), makeEvent('2026-10-25T02:30:00.000Z')];
    const partitions = partitionByLocalHour(events, 'Europe/Rome');

    const objects = archiveObjectsFor('shop', partitions, HASH);

    expect(objects.map((o) => o.key)).toEqual([
      archiveKeyFor('shop', { date: '2026-10-25', hour: '02' }, HASH),
      archiveKeyFor('shop', { date: '2026-10-25', hour: '03' }, HASH),
    ]);
    expect(gunzipSync(objects[1]?.body ?? Buffer.alloc(0)).toString('utf8')).toBe(
      `${JSON.stringify(events[1])}\n`,
    );
  });
});

describe('toNdjsonGzip', () => {
  it('round-trips records as one JSON line each, newline-terminated', () => {
    const records = [
      makeEvent('2026-10-25T10:00:00.000Z', { properties: { note: 'line\nbreak', emoji: 'café ☕' } }),
      { other: [1, 2, 3] },
      'text',
    ];

    const text = gunzipSync(toNdjsonGzip(records)).toString('utf8');

    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.map((line) => JSON.parse(line))).toEqual(records);
  });

  it('produces gzip data (magic bytes 1f 8b)', () => {
    const body = toNdjsonGzip([{ a: 1 }]);

    expect([body[0], body[1]]).toEqual([0x1f, 0x8b]);
  });
});
