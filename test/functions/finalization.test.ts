/**
 * Every day gets final figures (metrics.md §5): an order that falls in an earlier day's conversion
 * window marks that day for recomputation too, and the daily finalization computes each provisional
 * day once more after `finalizeAfterHours` and stores it as final. The clock is injected throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAggregator } from '../../functions/aggregator/handler';
import { runFinalization, runScheduledAggregation } from '../../shared/app/aggregate/aggregate';
import type { FiguresDocument } from '../../shared/metrics/figures';
import { listMarkedDays, queryFigures } from '../../shared/storage/table';
import { sendAt } from '../helpers/clocked-collector';
import { startTestStack, type TestStack } from '../helpers/local-stack';

const SITE = 'finals';
const D = '2026-11-10';
const at = (iso: string) => Date.parse(iso);

let stack: TestStack;
let writeKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  ({ writeKey } = await stack.createSite({ site: SITE, timezone: 'UTC', finalizeAfterHours: 72 }));
});
afterAll(async () => {
  await stack.stop();
});

async function day(date: string): Promise<FiguresDocument | undefined> {
  return (await queryFigures(stack.clients, SITE, date, date))[0];
}

const event = (messageId: string, time: string, name: string, properties: Record<string, unknown>) => ({
  type: 'track',
  event: name,
  messageId,
  anonymousId: 'shopper',
  timestamp: time,
  properties,
});

describe('days that get their final figures', () => {
  it('recomputes a day when a next-day order converts its cart, and finalizes it after 72 hours', async () => {
    // A cart late on D; the scheduled runs of that night see it abandoned.
    await sendAt(stack.clients, writeKey, at('2026-11-10T23:30:00Z'), [
      event('cart-1', '2026-11-10T23:30:00Z', 'Product Added', { cart_id: 'c1', price: 30 }),
    ]);
    await runScheduledAggregation(stack.clients, { now: new Date('2026-11-11T22:00:00Z') });
    expect((await day(D))?.carts).toMatchObject({ created: 1, converted: 0 });

    // The order comes at 23:20 on D+1, inside the 24-hour window, after D's last scheduled run as
    // "yesterday": it marks D as well as its own day.
    await sendAt(stack.clients, writeKey, at('2026-11-11T23:20:00Z'), [
      event('order-1', '2026-11-11T23:20:00Z', 'Order Completed', {
        cart_id: 'c1',
        order_id: 'o1',
        revenue: 30,
      }),
    ]);
    expect((await listMarkedDays(stack.clients, SITE)).map((mark) => mark.date)).toEqual([D, '2026-11-11']);

    await runScheduledAggregation(stack.clients, { now: new Date('2026-11-12T00:30:00Z') });
    const recomputed = await day(D);
    expect(recomputed?.carts).toMatchObject({ created: 1, converted: 1, abandonmentRate: 0 });
    expect(recomputed?.status).toBe('provisional');
    expect(await listMarkedDays(stack.clients, SITE)).toEqual([]);

    // 72 hours after D's end is 2026-11-14T00:00Z: the run of the 13th leaves D alone.
    const early = await runFinalization(stack.clients, { now: new Date('2026-11-13T03:30:00Z') });
    expect(early.results.map((result) => result.date)).toEqual([]);
    expect((await day(D))?.revision).toBe(recomputed?.revision);

    const due = await runFinalization(stack.clients, { now: new Date('2026-11-14T03:30:00Z') });
    expect(due.failures).toEqual([]);
    expect(due.results.map((result) => result.date)).toEqual([D]);
    const final = await day(D);
    expect(final?.status).toBe('final');
    expect(final?.revision).toBe((recomputed?.revision ?? 0) + 1);
    expect(final?.carts).toMatchObject({ created: 1, converted: 1 });
    // D+1 and D+2 are still provisional at that time; a second run finalizes nothing again.
    expect((await day('2026-11-11'))?.status).toBe('provisional');
    const again = await runFinalization(stack.clients, { now: new Date('2026-11-14T04:30:00Z') });
    expect(again.results).toEqual([]);

    const later = await runFinalization(stack.clients, { now: new Date('2026-11-16T03:30:00Z') });
    expect(later.results.map((result) => result.date)).toEqual(['2026-11-11', '2026-11-12']);
  });

  it('finalizes a day whose last change arrived after every scheduled run that computed it', async () => {
    // Computed once as today; the order arrives later and the stack is down until after the day became
    // final, so no hourly run sees it: the finalization reads the archive as it is now.
    await sendAt(stack.clients, writeKey, at('2026-11-20T10:00:00Z'), [
      event('cart-2', '2026-11-20T10:00:00Z', 'Product Added', { cart_id: 'c2', price: 10 }),
    ]);
    await runScheduledAggregation(stack.clients, { now: new Date('2026-11-20T11:00:00Z') });
    await sendAt(stack.clients, writeKey, at('2026-11-20T12:00:00Z'), [
      event('order-2', '2026-11-20T12:00:00Z', 'Order Completed', {
        cart_id: 'c2',
        order_id: 'o2',
        revenue: 10,
      }),
    ]);
    await runFinalization(stack.clients, { now: new Date('2026-11-24T03:30:00Z') });
    const final = await day('2026-11-20');
    expect(final).toMatchObject({ status: 'final', carts: { created: 1, converted: 1 } });
  });

  it('is what the aggregator function runs for the finalization payload', async () => {
    const aggregator = createAggregator(stack.clients, {});
    const summary = await aggregator({ source: 'roxtrail.schedule', action: 'finalize' });
    // Every day above is final already: the finalization has nothing to do (the hourly run would have
    // computed today and yesterday).
    expect(summary).toEqual({ days: [], failures: [] });
  });

  it('evaluates the hourly alerts after a scheduled run in the process it is given, without an alert function', async () => {
    const evaluatedAt: Date[] = [];
    const aggregator = createAggregator(
      stack.clients,
      {},
      {
        hourlyAlerts: async (_clients, now) => {
          evaluatedAt.push(now);
          return [];
        },
      },
    );
    await aggregator({ source: 'roxtrail.schedule' });
    expect(evaluatedAt).toHaveLength(1);
  });
});
