import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../shared/events/types';
import { computeFigures } from '../../../shared/metrics/figures';
import { linksFromEvents } from '../../../shared/metrics/links';
import { type HourPartial, isCurrent, mergePartials, PARTIAL_FORMAT } from '../../../shared/metrics/partial';
import { createInterner, slimForFigures } from '../../../shared/metrics/slim';
import { decodePartial, encodePartial } from '../../../shared/storage/partials';
import { localDateHour } from '../../../shared/time';
import { loadConformanceData } from '../../helpers/conformance';

function partial(
  date: string,
  hour: string,
  events: NormalizedEvent[],
  overrides: Partial<HourPartial> = {},
) {
  return {
    format: PARTIAL_FORMAT,
    site: 's',
    date,
    hour,
    sources: [{ key: `events/site=s/dt=${date}/hh=${hour}/a.ndjson.gz`, size: 10 }],
    builtAt: 0,
    events,
    actorHashes: [],
    unreadable: 0,
    ...overrides,
  } satisfies HourPartial;
}

describe('hour partials', () => {
  const data = loadConformanceData();
  // The archive as the collector lays it out: one partition per site-local day and hour, file order within.
  const byPartition = new Map<string, NormalizedEvent[]>();
  for (const event of data.events) {
    const { date, hour } = localDateHour(Date.parse(event.timestamp), data.config.timezone);
    const id = `${date}T${hour}`;
    byPartition.set(id, [...(byPartition.get(id) ?? []), event]);
  }
  const ids = [...byPartition.keys()].sort();
  const archiveOrder = ids.flatMap((id) => byPartition.get(id) ?? []);
  const partials = ids.map((id) => {
    const [date = '', hour = ''] = id.split('T');
    // Stored and read back, as a later run reads them.
    const stored = decodePartial(
      encodePartial(
        partial(
          date,
          hour,
          (byPartition.get(id) ?? []).map((event) => slimForFigures(event)),
        ),
      ),
    );
    if (!stored) throw new Error('partial did not read back');
    return stored;
  });
  const links = linksFromEvents(data.events);
  const figuresOf = (events: NormalizedEvent[], date: string) =>
    computeFigures({
      config: data.config,
      date,
      events,
      links,
      status: 'final',
      revision: 1,
      computedAt: 'x',
    });

  it('merged in any order, give every conformance day the figures of reading the whole archive', () => {
    const dates = [...data.expected.keys()];
    const reference = new Map(dates.map((date) => [date, figuresOf(archiveOrder, date)]));
    fc.assert(
      fc.property(fc.shuffledSubarray(partials, { minLength: partials.length }), (shuffled) => {
        const merged = mergePartials(shuffled, createInterner());
        expect(merged.events).toHaveLength(data.events.length);
        for (const date of dates) expect(figuresOf(merged.events, date)).toEqual(reference.get(date));
      }),
      { numRuns: 5 },
    );
  });

  it('merged for a figure day keep of later days only what its figures read: the same figures, far fewer events', () => {
    for (const date of data.expected.keys()) {
      const window = partials.filter((p) => p.date >= date);
      const everything = mergePartials(window);
      const filtered = mergePartials(window, createInterner(), date);
      expect(filtered.events.length).toBeLessThanOrEqual(everything.events.length);
      expect(filtered.eventLinks).toEqual(mergePartials(window).eventLinks);
      expect(figuresOf(filtered.events, date)).toEqual(figuresOf(everything.events, date));
    }
    const first = [...data.expected.keys()].sort()[0] ?? '';
    const window = partials.filter((p) => p.date >= first);
    expect(mergePartials(window, createInterner(), first).events.length).toBeLessThan(
      0.6 * mergePartials(window).events.length,
    );
  });

  it('list the anonymous ids met without a user id by the date of their partition', () => {
    const event = (messageId: string, anonymousId: string, userId?: string) =>
      ({
        type: 'page',
        messageId,
        anonymousId,
        userId,
        timestamp: '2026-11-01T09:00:00.000Z',
      }) as NormalizedEvent;
    const merged = mergePartials([
      partial('2026-11-01', '09', [event('m1', 'a1'), event('m2', 'a2', 'u2')]),
      partial('2026-11-02', '00', [event('m3', 'a3'), event('m4', 'a1')]),
    ]);
    expect(merged.anonymousOnlyByDate).toEqual(
      new Map([
        ['2026-11-01', new Set(['a1'])],
        ['2026-11-02', new Set(['a3', 'a1'])],
      ]),
    );
    // Events of a later day the figure day does not read are not looked up for it.
    const forFirstDay = mergePartials(
      [partial('2026-11-01', '09', [event('m1', 'a1')]), partial('2026-11-02', '00', [event('m3', 'a3')])],
      createInterner(),
      '2026-11-01',
    );
    expect(forFirstDay.anonymousOnlyByDate.get('2026-11-02')).toEqual(new Set());
  });

  it('are current only while their partition holds exactly the objects they were built from', () => {
    const built = partial('2026-11-01', '09', [], {
      sources: [
        { key: 'k1', size: 10 },
        { key: 'k2', size: 20 },
      ],
    });
    expect(isCurrent(built, built.sources)).toBe(true);
    expect(isCurrent(built, [{ key: 'k1', size: 10 }])).toBe(false);
    expect(
      isCurrent(built, [
        { key: 'k1', size: 10 },
        { key: 'k2', size: 21 },
      ]),
    ).toBe(false);
    expect(isCurrent(built, [...built.sources, { key: 'k3', size: 1 }])).toBe(false);
    expect(isCurrent({ ...built, format: 0 as typeof PARTIAL_FORMAT }, built.sources)).toBe(false);
  });

  it('that cannot be read back count as missing', () => {
    expect(decodePartial(new Uint8Array([1, 2, 3]))).toBeUndefined();
    expect(
      decodePartial(
        encodePartial({ ...partial('2026-11-01', '09', []), format: 1 as typeof PARTIAL_FORMAT }),
      ),
    ).toBeUndefined();
  });
});
