/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real local
 * stack loaded with simulated traffic that has a checkout-outage day: charts draw, provisional days
 * and the fired alerts show, picking a day updates the funnel; a screenshot goes to test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SITE_CONFIG } from '../../infra/local/runtime';
import { runSimulation, type SimulationSummary } from '../../infra/local/simulate';
import { formatRatio } from '../../shared/alerts/messages';
import { siteConfigWithDefaults } from '../../shared/config/site';
import { addDays } from '../../shared/time';
import { CHROMIUM_LAUNCH, hasChromium } from '../helpers/chromium';
import { startTestStack, type TestStack } from '../helpers/local-stack';

const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const config = siteConfigWithDefaults(DEMO_SITE_CONFIG);

let stack: TestStack;
let browser: Browser;
let page: Page;
let readKey: string;
let simulation: SimulationSummary;
// A fixed calendar: the stack computes the days and the browser picks its ranges as if it were this
// instant, on whatever day the suite runs (the last days provisional, the outage's alerts resolved).
const NOW = new Date('2026-11-21T10:00:00Z');
const endDate = '2026-11-20';
// One day after the incident, so the alerts both fire and resolve within the data.
const incidentDate = addDays(endDate, -1);
const problems: string[] = [];

/** Pixels of a canvas that are neither transparent nor background white. */
async function inkedPixels(target: Page): Promise<number[]> {
  return target.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLCanvasElement>('#charts canvas')).map((canvas) => {
      const context = canvas.getContext('2d');
      if (!context || canvas.width === 0 || canvas.height === 0) return 0;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      let inked = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r = 0, g = 0, b = 0, a = 0] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
        if (a > 0 && (r < 235 || g < 235 || b < 235)) inked++;
      }
      return inked;
    }),
  );
}

describe.skipIf(!hasChromium)('the dashboard in Chromium', () => {
  beforeAll(async () => {
    stack = await startTestStack();
    const keys = await stack.createSite(DEMO_SITE_CONFIG);
    readKey = keys.readKey;
    // A smaller demo than `npm start` loads (7 days at 0.6 scale), with the same kind of incident.
    simulation = await runSimulation(
      { url: stack.url, writeKey: keys.writeKey, clients: stack.clients, config },
      { days: 7, endDate, seed: 2026, incidentDate, scale: 0.6 },
      { now: () => NOW },
    );
    browser = await chromium.launch(CHROMIUM_LAUNCH);
    page = await browser.newPage({
      viewport: { width: 1440, height: 1000 },
      timezoneId: 'Europe/Rome',
      locale: 'en-US',
    });
    // The page's clock reads NOW (timers still run): its "yesterday" is the simulation's last day.
    await page.clock.setFixedTime(NOW);
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('loaded the simulated days, with the outage day', () => {
    expect(simulation.failed).toBe(0);
    const incident = simulation.figures.find((f) => f.date === incidentDate);
    expect(incident?.carts.abandonmentRate).toBeGreaterThan(0.85);
    expect(incident?.carts.created).toBeGreaterThanOrEqual(20);
  });

  it('asks for the read key and explains a wrong one', async () => {
    await page.goto(`${stack.url}/`);
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await expect.poll(() => page.locator('#status').textContent()).toContain('read key');
    await page.fill('#site', 'demo');
    await page.fill('#read-key', 'rxr_not-a-key');
    await page.click('#load');
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/401.*read key/);
    expect(await page.locator('#status').getAttribute('data-kind')).toBe('error');
  });

  it('draws every chart, lists the fired and resolved alerts and marks provisional days', async () => {
    await page.fill('#read-key', readKey);
    await page.click('#load');
    await page.waitForSelector('#charts canvas');
    // A range preset reloads at once with the key kept in the tab (7 complete days, ending yesterday).
    await page.click('.presets button[data-days="7"]');
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/of 7 · /);
    await expect.poll(() => page.url()).toContain(`to=${endDate}`);
    expect(page.url()).toContain(`from=${addDays(endDate, -6)}`);
    await page.waitForSelector('#charts canvas');
    await expect.poll(() => page.locator('#charts canvas').count()).toBe(6);
    await expect.poll(async () => Math.min(...(await inkedPixels(page)))).toBeGreaterThan(2000);

    // Each rule that fired on the outage day resolved the day after.
    await expect.poll(() => page.locator('.alert.resolved').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.alert.resolved .alert-day').count()).toBeGreaterThanOrEqual(4);
    const alertTexts = await page.locator('.alert .alert-text').allTextContents();
    expect(alertTexts.some((text) => /Cart abandonment on demo was 9\d% on/.test(text))).toBe(true);
    expect(alertTexts.some((text) => /Event volume on demo/.test(text))).toBe(true);
    await expect
      .poll(() => page.locator('#status').textContent())
      .toMatch(/provisional · \d+ alert\(s\) fired/);
    // The last days are provisional (finalizeAfterHours 72) and say so.
    expect(await page.locator('#day option', { hasText: 'provisional' }).count()).toBeGreaterThan(0);
    expect(await page.getByRole('list', { name: 'Chart marks' }).textContent()).toContain('provisional day');
  });

  it('picks the outage day from its alert: KPIs in alarm, the funnel of that day', async () => {
    await page.locator('.alert', { hasText: 'Cart abandonment' }).locator('.alert-day').first().click();
    await expect.poll(() => page.locator('#day').inputValue()).toBe(incidentDate);
    const abandonment = page.locator('.kpi', { hasText: 'Cart abandonment' });
    await expect.poll(() => abandonment.getAttribute('class')).toContain('alarm');
    expect(await abandonment.locator('.kpi-value').textContent()).toMatch(/^9\d%$/);
    expect(await page.locator('#funnel .step').count()).toBe(4);
    expect(await page.locator('#funnel .step').first().textContent()).toContain('Product Viewed');
    expect(await page.locator('#touchpoints tbody tr').count()).toBe(
      Object.keys(DEMO_SITE_CONFIG.touchpoints).length,
    );
    // ROX is a ratio with two decimals, as `roxtrail figures` and the alert texts print it.
    const figures = simulation.figures.find((f) => f.date === incidentDate);
    const rox = figures?.rox.value;
    expect(typeof rox).toBe('number');
    const shownRox = await page.locator('.kpi', { hasText: 'ROX' }).locator('.kpi-value').textContent();
    expect(shownRox).toBe(formatRatio(rox ?? Number.NaN));
    const siteRoxAlerts = (await page.locator('.alert .alert-text').allTextContents()).filter((text) =>
      text.includes('Site ROX on demo'),
    );
    expect(siteRoxAlerts).toEqual([
      `Site ROX on demo was ${formatRatio(rox ?? Number.NaN)} on ${incidentDate}, below 0.00 (${figures?.traffic.journeys.toLocaleString('en-US')} journeys)`,
    ]);
    expect(page.url()).toContain(`day=${incidentDate}`);
    expect(page.url()).not.toContain(readKey);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    // No script errors and no Content-Security-Policy violations along the way.
    expect(problems.filter((problem) => !/401/.test(problem))).toEqual([]);
  });
});
