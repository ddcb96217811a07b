import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../bench/cli';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { siteConfigWithDefaults } from '../../shared/config/site';
import type { AlertRecord } from '../../shared/storage/alerts';
import { createStorageClients } from '../../shared/storage/clients';
import { addDays, datesBetween } from '../../shared/time';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

/** The site keeps the default rules: it is created without `alerts.rules`. */
const SITE = { site: 'incidentshop', name: 'Incident Shop', timezone: 'Europe/Rome', currency: 'EUR' };
const FIRST = '2026-10-01';
const INCIDENT = addDays(FIRST, 10);

let stack: TestStack;
let keys: { writeKey: string; readKey: string };
let alertsFile: string;

beforeAll(async () => {
  stack = await startTestStack();
  keys = await stack.createSite(SITE);
  alertsFile = join(stack.dataDir, 'alerts.ndjson');
  // The CLI below inherits this environment: its alerts go to the file, not to a deployed function.
  delete process.env.ROXTRAIL_ALERTS_FUNCTION;
});
afterAll(async () => {
  await stack.stop();
});

/**
 * A day of shoppers who view, add to cart and (some) check out and order, plus visitors who only
 * browse. Times are mid-day UTC, well inside the Rome day.
 */
function dayOfTraffic(date: string, shoppers: number, buyers: number, browsers: number): unknown[] {
  const events: unknown[] = [];
  const at = (n: number, minute: number) =>
    new Date(Date.parse(`${date}T08:00:00Z`) + n * 120_000 + minute * 1000).toISOString();
  for (let n = 0; n < shoppers; n += 1) {
    const anonymousId = `${date}-shopper-${n}`;
    const id = (step: string) => `${anonymousId}-${step}`;
    events.push(
      { type: 'page', name: 'Product', anonymousId, messageId: id('page'), timestamp: at(n, 0) },
      {
        type: 'track',
        event: 'Product Viewed',
        anonymousId,
        messageId: id('view'),
        timestamp: at(n, 5),
        properties: { product_id: 'p1', price: 40 },
      },
      {
        type: 'track',
        event: 'Product Added',
        anonymousId,
        messageId: id('add'),
        timestamp: at(n, 10),
        properties: { cart_id: anonymousId, product_id: 'p1', price: 40 },
      },
    );
    if (n < buyers) {
      events.push(
        {
          type: 'track',
          event: 'Checkout Started',
          anonymousId,
          messageId: id('checkout'),
          timestamp: at(n, 20),
        },
        {
          type: 'track',
          event: 'Order Completed',
          anonymousId,
          messageId: id('order'),
          timestamp: at(n, 30),
          properties: { order_id: `o-${anonymousId}`, cart_id: anonymousId, revenue: 40 },
        },
      );
    }
  }
  for (let n = 0; n < browsers; n += 1) {
    const anonymousId = `${date}-browser-${n}`;
    events.push({
      type: 'page',
      name: 'Home',
      anonymousId,
      messageId: `${anonymousId}-page`,
      timestamp: at(n, 40),
    });
  }
  return events;
}

async function send(batch: unknown[]): Promise<void> {
  const response = await fetch(`${stack.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuth(keys.writeKey) },
    body: JSON.stringify({ batch }),
  });
  expect(response.status).toBe(200);
  expect(((await response.json()) as { rejected: unknown[] }).rejected).toEqual([]);
}

function alertLines(): { ruleId: string; date: string; state: string; text: string }[] {
  if (!existsSync(alertsFile)) return [];
  return readFileSync(alertsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { ruleId: string; date: string; state: string; text: string });
}

describe('an incident day on the local stack', () => {
  it('alerts once for the abandonment spike and the halved event volume, in the alerts file and the API', async () => {
    // 10 normal days: 40 shoppers (32 buy: 20 % of carts abandoned), 100 browsers → 284 events.
    for (const date of datesBetween(FIRST, addDays(INCIDENT, -1)))
      await send(dayOfTraffic(date, 40, 32, 100));
    // The incident: 25 carts, 22 abandoned (88 %), and 81 events.
    await send(dayOfTraffic(INCIDENT, 25, 3, 0));

    const aggregated = await runCli(['aggregate', '--site', SITE.site, '--from', FIRST, '--to', INCIDENT], {
      ROXTRAIL_DATA_DIR: stack.dataDir,
      ROXTRAIL_ALERTS_FILE: alertsFile,
    });
    expect(aggregated.code).toBe(0);
    // Printed as they happen too, on stderr so stdout stays the command's result.
    expect(
      aggregated.stderr
        .trim()
        .split('\n')
        .every((line) => line.trim().startsWith('alert: ')),
    ).toBe(true);
    expect(aggregated.stderr).toContain(
      `alert: Cart abandonment on incidentshop was 88% on ${INCIDENT}, above 80% (25 carts)`,
    );

    // Re-aggregating the incident day (as the hourly run does) must not repeat anything.
    const filing = createStorageClients(stack.stores.settings, { ...stack.clients.alerts, file: alertsFile });
    await aggregateDay(filing, siteConfigWithDefaults(SITE), INCIDENT);

    const lines = alertLines();
    expect(lines.every((line) => line.date === INCIDENT && line.state === 'firing')).toBe(true);
    const abandonment = lines.filter((line) => line.ruleId === 'cart-abandonment-high');
    const volume = lines.filter((line) => line.ruleId === 'events-drop');
    expect(abandonment.map((line) => line.text)).toEqual([
      `Cart abandonment on incidentshop was 88% on ${INCIDENT}, above 80% (25 carts)`,
    ]);
    expect(volume.map((line) => line.text)).toEqual([
      `Event volume on incidentshop was 81 on ${INCIDENT}, down 71% from the 7-day mean of 284`,
    ]);
    // Most carts abandoned also means fewer sessions converting: 12 % against 23 %.
    expect(lines.map((line) => line.ruleId).sort()).toEqual([
      'cart-abandonment-high',
      'conversion-drop',
      'events-drop',
    ]);

    const response = await fetch(`${stack.url}/v1/sites/${SITE.site}/alerts?from=${FIRST}&to=${INCIDENT}`, {
      headers: { authorization: `Bearer ${keys.readKey}` },
    });
    expect(response.status).toBe(200);
    const { alerts } = (await response.json()) as { alerts: AlertRecord[] };
    expect(alerts.filter((a) => a.ruleId === 'cart-abandonment-high')).toEqual([
      {
        site: SITE.site,
        ruleId: 'cart-abandonment-high',
        metric: 'carts.abandonmentRate',
        date: INCIDENT,
        state: 'firing',
        value: 0.88,
        threshold: 0.8,
        every: 'day',
        window: { from: expect.any(String), to: expect.any(String) },
        text: `Cart abandonment on incidentshop was 88% on ${INCIDENT}, above 80% (25 carts)`,
        kind: 'incident',
        since: INCIDENT,
        createdAt: expect.any(String),
        delivery: 'delivered',
        deliveries: [{ target: 'file', ok: true, attempts: 1, at: expect.any(String) }],
      },
    ]);
    expect(alerts.filter((a) => a.ruleId === 'events-drop')).toMatchObject([
      { date: INCIDENT, state: 'firing', value: 81, baseline: 284, threshold: 142, delivery: 'delivered' },
    ]);
    expect(alerts.map((a) => a.ruleId).sort()).toEqual(lines.map((line) => line.ruleId).sort());
  }, 60_000);
});
