/**
 * Strict, clear input (issue 15) through the collector, against real dynalite and s3rver: amounts sent
 * as numeric strings, the IP key in other cases, impossible dates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { REJECTION_REASONS } from '../../shared/events/reasons';
import { getSite } from '../../shared/storage/table';
import { sendAt } from '../helpers/clocked-collector';
import { dumpBucket } from '../helpers/dump-stores';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

const SITE = 'strict-shop';
const DAY = '2026-11-20';
const RECEIVED_MS = Date.parse(`${DAY}T18:00:00.000Z`);

let stack: TestStack;
let writeKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  ({ writeKey } = await stack.createSite({ site: SITE, timezone: 'UTC', currency: 'EUR' }));
});
afterAll(async () => {
  await stack.stop();
});

interface Answer {
  accepted: number;
  rejected: { index: number; messageId: string | null; reason: string; message: string }[];
}

async function send(events: Record<string, unknown>[]): Promise<Answer> {
  const result = await sendAt(stack.clients, writeKey, RECEIVED_MS, events);
  expect(result.status).toBe(200);
  return result.body as Answer;
}

const order = (messageId: string, properties: Record<string, unknown>) => ({
  type: 'track',
  event: 'Order Completed',
  messageId,
  anonymousId: `${messageId}-visitor`,
  timestamp: `${DAY}T10:00:00.000Z`,
  properties: { order_id: messageId, currency: 'EUR', ...properties },
});

async function archived(messageId: string) {
  return (await stack.archivedEvents(SITE)).find((event) => event.messageId === messageId);
}

describe('amounts sent as numeric strings', () => {
  it('stores revenue "50.00" as the number 50, and the day counts an order worth 50', async () => {
    const answer = await send([
      order('string-revenue', { revenue: '50.00' }),
      order('string-lines', { products: [{ product_id: 'p1', price: '12.50', quantity: '2' }] }),
    ]);

    expect(answer).toMatchObject({ accepted: 2, rejected: [] });
    expect((await archived('string-revenue'))?.properties?.revenue).toBe(50);
    expect((await archived('string-lines'))?.properties?.products).toEqual([
      { product_id: 'p1', price: 12.5, quantity: 2 },
    ]);
    const config = (await getSite(stack.clients, SITE))?.config;
    if (!config) throw new Error('no site');
    const { figures } = await aggregateDay(stack.clients, config, DAY);
    expect(figures.sales).toMatchObject({ orders: 2, revenue: 75 });
  });

  it('rejects revenue "fifty" with invalid_field naming the field, and archives it only under rejected/', async () => {
    const answer = await send([order('word-revenue', { revenue: 'fifty' })]);

    expect(answer).toEqual({
      success: true,
      accepted: 0,
      rejected: [
        {
          index: 0,
          messageId: 'word-revenue',
          reason: 'invalid_field',
          message:
            `${REJECTION_REASONS.invalid_field} (properties.revenue: an amount must be a number or a ` +
            'numeric string such as "50.00", got "fifty")',
        },
      ],
    });
    expect(await archived('word-revenue')).toBeUndefined();
    const rejected = [...(await dumpBucket(stack.clients, `rejected/site=${SITE}/`)).values()].join('\n');
    expect(rejected).toContain('"revenue":"fifty"');
  });
});

describe('the ip key in any case', () => {
  it.each(['IP', 'Ip', 'iP'])(
    'truncates context.%s sent over HTTP and keeps it as context.ip',
    async (key) => {
      const messageId = `ip-case-${key}`;
      const response = await fetch(`${stack.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
        body: JSON.stringify({
          batch: [
            { type: 'page', anonymousId: 'ip-visitor', messageId, context: { [key]: '198.51.100.77' } },
          ],
        }),
      });
      expect(response.status).toBe(200);

      const stored = await archived(messageId);
      expect(stored?.context).toEqual({ ip: '198.51.100.0' });
      const everything = [...(await dumpBucket(stack.clients)).values()].join('\n');
      expect(everything).not.toContain('198.51.100.77');
    },
  );

  it('truncates context.IP of a rejected event kept under rejected/', async () => {
    const answer = await send([
      { type: 'track', messageId: 'ip-rejected', anonymousId: 'ip-visitor', context: { IP: '203.0.113.99' } },
    ]);

    expect(answer.rejected.map((r) => r.reason)).toEqual(['missing_event_name']);
    const rejected = [...(await dumpBucket(stack.clients, `rejected/site=${SITE}/`)).values()].join('\n');
    expect(rejected).toContain('"ip":"203.0.113.0"');
    expect(rejected).not.toContain('203.0.113.99');
  });
});

describe('impossible dates', () => {
  it('rejects 2026-02-30 and year 0001 with invalid_timestamp and archives neither day', async () => {
    const answer = await send([
      {
        type: 'page',
        messageId: 'feb-30',
        anonymousId: 'date-visitor',
        timestamp: '2026-02-30T10:00:00.000Z',
      },
      {
        type: 'page',
        messageId: 'year-1',
        anonymousId: 'date-visitor',
        timestamp: '0001-01-01T00:00:00.000Z',
      },
    ]);

    expect(answer.rejected.map((r) => [r.messageId, r.reason])).toEqual([
      ['feb-30', 'invalid_timestamp'],
      ['year-1', 'invalid_timestamp'],
    ]);
    expect(answer.rejected[0]?.message).toContain('(timestamp: 2026-02-30 is not a calendar date)');
    expect(await stack.archivedKeys(`events/site=${SITE}/dt=2026-03-02/`)).toEqual([]);
    expect(await stack.archivedKeys(`events/site=${SITE}/dt=1901-01-01/`)).toEqual([]);
    expect(await stack.archivedKeys(`events/site=${SITE}/dt=0001-01-01/`)).toEqual([]);
  });
});
