/**
 * "Today by the hour" in a real browser (Debian's Chromium through playwright-core) against a real
 * local stack: a shop with four baseline weeks whose checkout breaks from 10:00 to 12:00 on a fixed
 * Tuesday; the scheduler's hourly evaluations of that day ran. The chart draws events, orders and
 * carts per hour against the baseline band, marks the hourly alerts that fired and resolved, and
 * GET /v1/sites/{site}/hours answers what it draws. A screenshot goes to test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HourlyChart } from '../../functions/query/hourly-chart';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { inProcessBuilder } from '../../shared/app/aggregate/partials';
import { deliverEntries } from '../../shared/app/alerts/evaluator';
import { evaluateHourlyAlerts } from '../../shared/app/alerts/hourly';
import type { SiteConfig } from '../../shared/config/site';
import { getSite } from '../../shared/storage/table';
import { addDays, localDayBounds, localHourSlots } from '../../shared/time';
import { CHROMIUM_LAUNCH, hasChromium } from '../helpers/chromium';
import { archiveHourlyShop } from '../helpers/hourly-shop';
import { startTestStack, type TestStack } from '../helpers/local-stack';

const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const SITE = 'hourly-shop';
const ZONE = 'Europe/Rome';
/** A Tuesday; the baseline is the four Tuesdays before it. */
const DAY = '2026-11-17';
const HOUR = 3_600_000;
const hourOf = (hour: number) => localHourSlots(DAY, ZONE)[hour]?.start ?? Number.NaN;
const CHECKOUT_BROKEN = { from: hourOf(10), to: hourOf(12) };
const { start: DAY_START, end: DAY_END } = localDayBounds(DAY, ZONE);

let stack: TestStack;
let browser: Browser;
let page: Page;
let readKey: string;
const problems: string[] = [];

describe.skipIf(!hasChromium)('today by the hour in Chromium', () => {
  beforeAll(async () => {
    stack = await startTestStack();
    ({ readKey } = await stack.createSite({ site: SITE, timezone: ZONE, currency: 'EUR' }));
    const stored = await getSite(stack.clients, SITE);
    if (!stored) throw new Error('site not created');
    const config: SiteConfig = stored.config;
    await archiveHourlyShop(stack.clients, {
      site: SITE,
      timezone: ZONE,
      days: [28, 21, 14, 7, 0].map((back) => addDays(DAY, -back)),
      visitsPerHour: 40,
      checkoutBroken: CHECKOUT_BROKEN,
    });
    await aggregateDay(stack.clients, config, DAY, {
      now: new Date(DAY_END + HOUR),
      builder: inProcessBuilder(stack.clients),
    });
    // The scheduler's runs of the day: every full hour up to the midnight after it.
    for (let at = DAY_START + HOUR; at <= DAY_END; at += HOUR) {
      await evaluateHourlyAlerts(stack.clients, config, {
        now: new Date(at),
        deliver: async (entries) => {
          await deliverEntries(stack.clients, config, entries);
        },
      });
    }
    browser = await chromium.launch(CHROMIUM_LAUNCH);
    page = await browser.newPage({
      viewport: { width: 1440, height: 1000 },
      timezoneId: ZONE,
      locale: 'en-US',
    });
    // The page's "today" is DAY, late in the evening, on whatever day the suite runs.
    await page.clock.setFixedTime(new Date(DAY_END - 30 * 60_000));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('answers the day hour by hour against the baseline band, with its hourly alerts', async () => {
    const response = await fetch(`${stack.url}/v1/sites/${SITE}/hours?date=${DAY}`, {
      headers: { authorization: `Bearer ${readKey}` },
    });
    expect(response.status).toBe(200);
    const chart = (await response.json()) as HourlyChart;
    expect(chart).toMatchObject({ site: SITE, date: DAY, timezone: ZONE, baselineWeeks: 4 });
    expect(chart.hours.map((row) => row.hour)).toEqual(
      Array.from({ length: 24 }, (_, hour) => String(hour).padStart(2, '0')),
    );
    const ten = chart.hours[10];
    // The outage: no orders, carts as usual; a normal hour sits inside its band.
    expect(ten?.values.orders).toBe(0);
    expect(ten?.values.carts).toBeGreaterThan(15);
    expect(ten?.baseline.orders?.weeks).toBe(4);
    expect(ten?.baseline.orders?.min).toBeGreaterThan(5);
    const fifteen = chart.hours[15];
    const band = fifteen?.baseline.events;
    expect(band && fifteen && band.min <= (fifteen.values.events ?? -1) * 1.2).toBe(true);
    expect(chart.alerts.map((a) => `${a.ruleId} ${a.state} ${a.window?.to}`).sort()).toEqual([
      `checkout-broken firing ${new Date(hourOf(12)).toISOString()}`,
      `checkout-broken resolved ${new Date(hourOf(13)).toISOString()}`,
      `orders-stopped firing ${new Date(hourOf(12)).toISOString()}`,
      `orders-stopped resolved ${new Date(hourOf(13)).toISOString()}`,
    ]);

    const bad = await fetch(`${stack.url}/v1/sites/${SITE}/hours?date=17-11-2026`, {
      headers: { authorization: `Bearer ${readKey}` },
    });
    expect(bad.status).toBe(400);
    const anonymous = await fetch(`${stack.url}/v1/sites/${SITE}/hours?date=${DAY}`);
    expect(anonymous.status).toBe(401);
  });

  it('draws events, orders and carts per hour and marks the hourly alerts that fired and resolved', async () => {
    await page.goto(`${stack.url}/dashboard#site=${SITE}&from=${addDays(DAY, -6)}&to=${DAY}`);
    await page.fill('#read-key', readKey);
    await page.click('#load');
    await page.waitForSelector('#hour-charts canvas');
    await expect.poll(() => page.locator('#hours-title').textContent()).toBe('Today by the hour');
    expect(await page.locator('#hour-charts figcaption').allTextContents()).toEqual([
      'Events per hour',
      'Orders per hour',
      'Carts per hour',
    ]);
    // Each chart drew its lines and band; the orders and carts charts shade the outage window red.
    const inked = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLCanvasElement>('#hour-charts canvas')).map((canvas) => {
        const context = canvas.getContext('2d');
        if (!context) return { ink: 0, red: 0 };
        const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
        let ink = 0;
        let red = 0;
        for (let i = 0; i < data.length; i += 4) {
          const [r = 0, g = 0, b = 0, a = 0] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
          if (a > 0 && (r < 235 || g < 235 || b < 235)) ink++;
          if (a > 0 && r > 150 && g < 90 && b < 80) red++;
        }
        return { ink, red };
      }),
    );
    expect(inked).toHaveLength(3);
    for (const canvas of inked) expect(canvas.ink).toBeGreaterThan(2000);
    expect(inked[0]?.red).toBe(0);
    expect(inked[1]?.red).toBeGreaterThan(50);
    expect(inked[2]?.red).toBeGreaterThan(50);

    const rows = page.locator('#hour-alerts .alert');
    await expect.poll(() => rows.count()).toBe(4);
    const texts = await page.locator('#hour-alerts .alert-text').allTextContents();
    expect(texts).toContainEqual(
      expect.stringMatching(
        /^Cart abandonment on hourly-shop was 100 % between 10:00 and 12:00, above 95 % \(\d+ carts\)$/,
      ),
    );
    expect(texts).toContainEqual(
      expect.stringMatching(/^Resolved: orders on hourly-shop were \d+ between 11:00 and 13:00/),
    );
    expect(await page.locator('#hour-alerts .alert.firing .alert-when').allTextContents()).toEqual([
      'at 12:00',
      'at 12:00',
    ]);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('#hours').screenshot({ path: join(ARTIFACTS, 'hourly-dashboard.png') });
    expect(problems).toEqual([]);
  });
});
