/**
 * Property: however a site's events arrive (in waves, late, out of order) and whichever days are
 * aggregated in between, in whatever order, once the scheduled run has handled what the collector
 * marked, every stored day's document — `outcomes` and `customers` included — equals what computing it
 * from scratch over the archive gives (metrics.md §8, last paragraph). Against the real local stores.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateDay, runScheduledAggregation } from '../../shared/app/aggregate/aggregate';
import { type SiteConfig, siteConfigWithDefaults } from '../../shared/config/site';
import type { FiguresDocument } from '../../shared/metrics/figures';
import { queryFigures } from '../../shared/storage/table';
import { addDays } from '../../shared/time';
import { sendAt } from '../helpers/clocked-collector';
import { compareFigures } from '../helpers/compare-figures';
import { startTestStack, type TestStack } from '../helpers/local-stack';

const DAYS = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06'];
const NOW = new Date('2026-11-07T06:00:00Z');
/** Short windows so that six days exercise them: exposures of 11-01…11-04 followed for one day. */
const OUTCOMES = { windowDays: 3, horizonDays: 1, lookbackDays: 1 };
const IGNORED = ['site', 'revision', 'computedAt', 'quality.lateEvents', 'quality.duplicates'];

/** A stack per property run: the scheduled runs see only that run's two sites. */
let stack: TestStack;
let sites = 0;

type Event = Record<string, unknown>;

/** A shopper's visit: a view, perhaps a cart add, perhaps a chat, perhaps an order and an NPS score. */
const visitArbitrary = fc.record({
  shopper: fc.integer({ min: 1, max: 4 }),
  day: fc.constantFrom(...DAYS),
  hour: fc.integer({ min: 0, max: 22 }),
  added: fc.boolean(),
  chat: fc.constantFrom('none', 'landing', 'cart'),
  order: fc.option(fc.integer({ min: 10, max: 200 }), { nil: undefined }),
  score: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
});
type Visit = typeof visitArbitrary extends fc.Arbitrary<infer T> ? T : never;

function eventsOf(visit: Visit, index: number): Event[] {
  const at = (minute: number) =>
    `${visit.day}T${String(visit.hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:${String(index % 60).padStart(2, '0')}.000Z`;
  const base = { userId: `shopper-${visit.shopper}` };
  const id = (name: string) => `v${index}-${name}`;
  const events: Event[] = [{ ...base, type: 'page', name: 'Home', messageId: id('home'), timestamp: at(0) }];
  if (visit.chat === 'landing')
    events.push({
      ...base,
      type: 'track',
      event: 'Touchpoint Used',
      messageId: id('chat'),
      timestamp: at(1),
      properties: { touchpoint: 'live_chat' },
    });
  events.push({
    ...base,
    type: 'track',
    event: 'Product Viewed',
    messageId: id('view'),
    timestamp: at(2),
    properties: { price: 25 },
  });
  if (visit.added) {
    events.push({
      ...base,
      type: 'track',
      event: 'Product Added',
      messageId: id('add'),
      timestamp: at(3),
      properties: { price: 25 },
    });
    if (visit.chat === 'cart')
      events.push({
        ...base,
        type: 'track',
        event: 'Touchpoint Used',
        messageId: id('chat'),
        timestamp: at(4),
        properties: { touchpoint: 'live_chat' },
      });
  }
  if (visit.order !== undefined)
    events.push({
      ...base,
      type: 'track',
      event: 'Order Completed',
      messageId: id('order'),
      timestamp: at(6),
      properties: { order_id: `o${index}`, revenue: visit.order },
    });
  if (visit.score !== undefined)
    events.push({
      ...base,
      type: 'track',
      event: 'Survey Responded',
      messageId: id('nps'),
      timestamp: at(8),
      properties: { survey: 'nps', score: visit.score },
    });
  return events;
}

async function newSite(): Promise<{ config: SiteConfig; writeKey: string }> {
  sites += 1;
  const config = siteConfigWithDefaults({
    site: `incremental-${sites}`,
    timezone: 'Europe/Rome',
    finalizeAfterHours: 720,
    touchpoints: { live_chat: { dailyCost: 3 } },
    outcomes: OUTCOMES,
  });
  const { writeKey } = await stack.createSite(config);
  return { config, writeKey };
}

async function stored(site: string): Promise<Map<string, FiguresDocument>> {
  return new Map(
    (await queryFigures(stack.clients, site, DAYS[0] ?? '', addDays(DAYS.at(-1) ?? '', 1))).map((f) => [
      f.date,
      f,
    ]),
  );
}

describe('the across-days sections, computed incrementally', () => {
  it('equal a from-scratch computation whatever the arrival and computation order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(visitArbitrary, { minLength: 8, maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 30, maxLength: 30 }),
        fc.array(fc.array(fc.constantFrom(...DAYS), { maxLength: 4 }), { minLength: 3, maxLength: 3 }),
        async (visits, waveOf, runsAfterWave) => {
          stack = await startTestStack();
          try {
            const incremental = await newSite();
            const waves: Event[][] = [[], [], []];
            for (const [index, visit] of visits.entries())
              waves[waveOf[index] ?? 0]?.push(...eventsOf(visit, index));
            // Each wave arrives ten minutes after the previous one; some days are aggregated on demand, in
            // any order; then the scheduled run handles what the collector marked (and clears the marks).
            for (const [wave, events] of waves.entries()) {
              const arrival = NOW.getTime() + wave * 600_000;
              if (events.length > 0) {
                const answer = await sendAt(stack.clients, incremental.writeKey, arrival, events);
                expect(answer.status).toBe(200);
              }
              for (const day of runsAfterWave[wave] ?? [])
                await aggregateDay(stack.clients, incremental.config, day, {
                  now: new Date(arrival + 60_000),
                });
              const run = await runScheduledAggregation(stack.clients, { now: new Date(arrival + 120_000) });
              expect(run.failures).toEqual([]);
            }
            const got = await stored(incremental.config.site);

            const scratch = await newSite();
            await sendAt(stack.clients, scratch.writeKey, NOW.getTime(), waves.flat());
            for (const day of [...got.keys()].sort())
              await aggregateDay(stack.clients, scratch.config, day, { now: NOW });
            const want = await stored(scratch.config.site);
            for (const [day, document] of got) {
              const differences = compareFigures(want.get(day), document, { ignore: IGNORED });
              expect(differences, `${day}:\n${differences.join('\n')}`).toEqual([]);
            }
          } finally {
            await stack.stop();
          }
        },
      ),
      { numRuns: 6, endOnFailure: true },
    );
  }, 300_000);
});
