/**
 * The dashboard's views over a window in a real browser (Debian's Chromium through playwright-core)
 * against real local stores: figures documents with the `outcomes` and `customers` sections
 * (metrics.md §7, §8) stored as the aggregation stores them, for a few days; the page shows the ROX
 * verdicts with their intervals next to the naive values and the caveat, the cohort triangle, new vs
 * returning customers and what promoters bring later, and says "not computed yet" for days computed
 * without the sections. Screenshots at 1280 and 420 px go to test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRatio } from '../../shared/alerts/messages';
import { siteConfigWithDefaults } from '../../shared/config/site';
import { putFigures } from '../../shared/storage/table';
import { addDays, datesBetween } from '../../shared/time';
import {
  ACROSS_DAYS_SITE,
  acrossDaysDocument,
  asStored,
  type OutcomeTouchpoint,
  outcomesSection,
} from '../helpers/across-days-figures';
import { CHROMIUM_LAUNCH, hasChromium } from '../helpers/chromium';
import { startTestStack, type TestStack } from '../helpers/local-stack';

const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const config = siteConfigWithDefaults(ACROSS_DAYS_SITE);
const site = config.site;
// A fixed calendar: the stored days are the last week before this instant, the last three provisional.
const NOW = new Date('2026-11-21T10:00:00Z');
const WITH_SECTIONS = datesBetween('2026-11-14', '2026-11-20');
// Days an aggregation computed before the sections existed.
const WITHOUT_SECTIONS = datesBetween('2026-11-08', '2026-11-10');
const LAST_DAY = '2026-11-20';
// A day whose sections hold less than the spec says (a field missing, an entry of the wrong shape).
const PARTIAL_DAY = '2026-11-12';

let stack: TestStack;
let browser: Browser;
let page: Page;
let readKey: string;
const problems: string[] = [];

/** Shows a range of the site's figures as a user does (the form), and waits until they are drawn. */
async function showRange(target: Page, from: string, to: string): Promise<void> {
  if (!target.url().startsWith(stack.url)) await target.goto(`${stack.url}/dashboard`);
  await target.fill('#site', site);
  await target.fill('#from', from);
  await target.fill('#to', to);
  await target.fill('#read-key', readKey);
  await target.click('#load');
  const days = datesBetween(from, to).length;
  await expect.poll(() => target.locator('#status').textContent()).toContain(` of ${days} · `);
  await target.waitForSelector('#outcomes:not([hidden])');
}

function touchpoint(name: string): OutcomeTouchpoint {
  const found = outcomesSection(config, LAST_DAY).rox.touchpoints.find((t) => t.touchpoint === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
}

/** Pixels of the canvases under `selector` that are neither transparent nor background white. */
async function inkedPixels(target: Page, selector: string): Promise<number[]> {
  return target.evaluate(
    (css) =>
      Array.from(document.querySelectorAll<HTMLCanvasElement>(css)).map((canvas) => {
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
    selector,
  );
}

describe.skipIf(!hasChromium)('the dashboard’s outcomes and customers in Chromium', () => {
  beforeAll(async () => {
    stack = await startTestStack();
    ({ readKey } = await stack.createSite(ACROSS_DAYS_SITE));
    for (const [index, date] of WITHOUT_SECTIONS.entries()) {
      await putFigures(
        stack.clients,
        site,
        asStored(acrossDaysDocument(config, date, index, { now: NOW, sections: false })),
      );
    }
    await putFigures(stack.clients, site, {
      ...acrossDaysDocument(config, PARTIAL_DAY, 0, { now: NOW, sections: false }),
      outcomes: { rox: { touchpoints: [{ touchpoint: 'live_chat', exposed: 0 }, { nonsense: 1 }] } },
      customers: { new: 3, cohorts: [{ month: '2026-11' }, 7], experienceValue: {} },
    } as Parameters<typeof putFigures>[2]);
    for (const [index, date] of WITH_SECTIONS.entries()) {
      await putFigures(
        stack.clients,
        site,
        asStored(acrossDaysDocument(config, date, index, { now: NOW, sections: true })),
      );
    }
    browser = await chromium.launch(CHROMIUM_LAUNCH);
    page = await browser.newPage({
      viewport: { width: 1280, height: 900 },
      timezoneId: 'Europe/Rome',
      locale: 'en-US',
    });
    await page.clock.setFixedTime(NOW);
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('gives each touchpoint its verdict in words with the 90 % interval, the naive value beside the adjusted one', async () => {
    await showRange(page, WITH_SECTIONS[0] ?? '', LAST_DAY);

    expect(await page.locator('#outcomes-as-of').textContent()).toContain('as of Fri, Nov 20, 2026');
    expect(await page.locator('#outcomes .rox-list .rox-row:not(.rox-axis)').count()).toBe(3);
    const chat = page.locator('.rox-row', { has: page.locator('.rox-name', { hasText: 'live chat' }) });
    expect(await chat.locator('.rox-sentence').textContent()).toBe(
      'live chat pays: +€4.10 per engaged journey, 90 % interval €2.30–€5.90',
    );
    expect(await chat.locator('.verdict').textContent()).toBe('pays');
    const { rox, roxLow, roxHigh, naiveRox } = touchpoint('live_chat');
    expect(await chat.locator('.rox-adjusted strong').textContent()).toBe(formatRatio(rox ?? Number.NaN));
    expect(await chat.locator('.rox-adjusted .rox-range').textContent()).toBe(
      `${formatRatio(roxLow ?? Number.NaN)} to ${formatRatio(roxHigh ?? Number.NaN)}`,
    );
    expect(await chat.locator('.rox-naive-value strong').textContent()).toBe(
      formatRatio(naiveRox ?? Number.NaN),
    );
    // The interval bar and both marks are drawn on the shared axis.
    expect(await chat.locator('.rox-interval, .rox-point, .rox-naive').count()).toBe(3);
    expect(await chat.locator('.rox-detail').textContent()).toContain('2,000 exposed visits');
    expect(await chat.locator('.rox-detail').textContent()).toContain('adjusted on 94% of them');

    const sizeGuide = page.locator('.rox-row[data-verdict="unclear"]');
    expect(await sizeGuide.locator('.rox-sentence').textContent()).toBe(
      'Unclear whether size guide pays: +€0.45 per engaged journey, 90 % interval -€0.35 to €1.25',
    );
    const pickup = page.locator('.rox-row[data-verdict="none"]');
    expect(await pickup.locator('.verdict').textContent()).toBe('not enough data');
    expect(await pickup.locator('.rox-adjusted strong').textContent()).toBe('—');
    expect(await pickup.locator('.rox-adjusted .rox-range').textContent()).toBe('not enough data');
    expect(await pickup.locator('.rox-naive-value strong').textContent()).toBe(
      formatRatio(touchpoint('store_pickup').naiveRox ?? Number.NaN),
    );
    expect(await page.locator('.rox-tick.zero').textContent()).toBe('0 break-even');
  });

  it('says next to the verdicts what the adjustment cannot remove', async () => {
    const caveat = page.locator('#outcomes .caveat');
    expect(await caveat.locator('h3').textContent()).toBe('What the adjustment cannot remove');
    const text = (await caveat.textContent()) ?? '';
    expect(text).toContain('selection on grounds no event records');
    expect(text).toContain('pulls the estimate slightly towards zero');
    expect(text).toContain('Only a holdout experiment removes both');
    // Beside the list of verdicts at 1280 px, not below it.
    const list = await page.locator('#outcomes .rox-list').boundingBox();
    const aside = await caveat.boundingBox();
    expect(aside && list ? aside.x > list.x + list.width : false).toBe(true);
  });

  it('draws the cohort triangle with percentages, the current month dotted', async () => {
    const rows = page.locator('#cohort-table tbody tr');
    expect(await rows.count()).toBe(6);
    expect(await rows.first().locator('th').textContent()).toBe('Jun 2026');
    expect(await rows.first().locator('td.heat').allTextContents()).toEqual([
      '22%',
      '15%',
      '13%',
      '11%',
      '6%',
    ]);
    expect(await rows.nth(4).locator('td.heat').allTextContents()).toEqual(['12%']);
    expect(await rows.last().locator('td.heat').count()).toBe(0);
    // A triangle: 5 + 4 + 3 + 2 + 1 cells, November's (the month of the last day) dotted.
    expect(await page.locator('#cohort-table td.heat').count()).toBe(15);
    expect(await page.locator('#cohort-table td.heat.partial').count()).toBe(5);
    expect(await page.locator('#cohort-table td.heat.partial').first().getAttribute('title')).toBe(
      'Jun 2026 cohort: 6% ordered in Nov 2026 (up to Nov 20)',
    );
    // The largest share is the darkest cell.
    const darkest = await page
      .locator('#cohort-table td.heat', { hasText: '26%' })
      .evaluate((cell) => getComputedStyle(cell).backgroundColor);
    expect(darkest).toBe('rgb(11, 92, 173)');
  });

  it('shows new vs returning customers over the days, revenue per customer by cohort and what promoters bring later', async () => {
    await expect
      .poll(async () => (await inkedPixels(page, '#customers canvas')).map((n) => n > 1500))
      .toEqual([true, true]);
    expect(await page.locator('#chart-new-returning-title').textContent()).toBe(
      'New and returning customers',
    );
    expect(await page.locator('#chart-cohort-revenue-title').textContent()).toBe(
      'Revenue per customer by cohort',
    );
    const newKpi = page.locator('#customers .kpi', { hasText: 'New customers' });
    const lastIndex = WITH_SECTIONS.length - 1;
    expect(await newKpi.locator('.kpi-value').textContent()).toBe(String(38 + ((lastIndex * 7) % 11)));
    expect(
      await page.locator('#customers .kpi', { hasText: 'LTV 90 d' }).locator('.kpi-value').textContent(),
    ).toBe('€112.70');
    expect(
      await page
        .locator('#customers .kpi', { hasText: 'Retention 30 d' })
        .locator('.kpi-detail')
        .textContent(),
    ).toBe('first orders Sep 22 – Oct 21, 2026');
    expect(
      await page
        .locator('#customers .kpi', { hasText: 'Retention 90 d' })
        .locator('.kpi-detail')
        .textContent(),
    ).toBe('first orders Jul 24 – Aug 22, 2026');
    // At rest the legend gives each cohort's latest cumulative revenue per customer.
    const legend = await page.locator('#chart-cohort-revenue-title ~ .chart-body .u-legend').textContent();
    expect(legend).toContain('Jun 2026€102.60 (+5)');
    expect(legend).toContain('Oct 2026€68.30 (+1)');
    expect(legend).toContain('Nov 2026€59.10 (first month)');
    const promoters = page.locator('.ev-group.promoters');
    expect(await promoters.locator('.step-count').textContent()).toBe('€31.20');
    expect(await promoters.locator('.step-rate').textContent()).toBe('120 respondents · 24% ordered again');
    expect(await page.locator('.ev-gap').textContent()).toBe(
      'Promoters brought €21.40 more per respondent than detractors in the 30 days after answering.',
    );

    await page.screenshot({ path: join(ARTIFACTS, 'outcomes-dashboard-1280.png'), fullPage: true });
    await page.locator('#outcomes').screenshot({ path: join(ARTIFACTS, 'outcomes-1280.png') });
    await page.locator('#customers').screenshot({ path: join(ARTIFACTS, 'customers-1280.png') });
  });

  it('fits a 420 px wide screen', async () => {
    await page.setViewportSize({ width: 420, height: 900 });
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
      .toBeLessThanOrEqual(420);
    // The verdict stays in words above its bar, the caveat under the verdicts.
    const chat = page.locator('.rox-row[data-verdict="pays"]');
    const track = await chat.locator('.rox-track').boundingBox();
    const figures = await chat.locator('.rox-figures').boundingBox();
    expect(track && figures ? figures.y + figures.height <= track.y : false).toBe(true);
    const list = await page.locator('#outcomes .rox-list').boundingBox();
    const aside = await page.locator('#outcomes .caveat').boundingBox();
    expect(aside && list ? aside.y >= list.y + list.height : false).toBe(true);
    await page.locator('#outcomes').screenshot({ path: join(ARTIFACTS, 'outcomes-420.png') });
    await page.locator('#customers').screenshot({ path: join(ARTIFACTS, 'customers-420.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('says "not computed yet" for a range whose last day was computed without the sections', async () => {
    await showRange(page, WITHOUT_SECTIONS[0] ?? '', WITHOUT_SECTIONS[WITHOUT_SECTIONS.length - 1] ?? '');

    for (const section of ['#outcomes', '#customers']) {
      const pending = page.locator(`${section} .pending`);
      expect(await pending.textContent()).toContain('Not computed yet.');
      expect(await pending.textContent()).toContain(`roxtrail aggregate --site ${site} --date 2026-11-10`);
    }
    expect(await page.locator('#outcomes .rox-row').count()).toBe(0);
    expect(await page.locator('#customers canvas, #cohort-table').count()).toBe(0);
    // The rest of the dashboard is there as before.
    await expect.poll(() => page.locator('#charts canvas').count()).toBe(6);
    await page.locator('#outcomes').screenshot({ path: join(ARTIFACTS, 'outcomes-not-computed.png') });
  });

  it('shows what a partial section holds and "not enough data" for the rest, without a script error', async () => {
    await showRange(page, addDays(PARTIAL_DAY, -1), PARTIAL_DAY);

    expect(await page.locator('#outcomes .rox-row:not(.rox-axis)').count()).toBe(1);
    expect(await page.locator('#outcomes .rox-sentence').textContent()).toBe(
      'live chat: not enough data — no visit used it in the window',
    );
    expect(
      await page.locator('#customers .kpi', { hasText: 'New customers' }).locator('.kpi-value').textContent(),
    ).toBe('3');
    expect(
      await page
        .locator('#customers .kpi', { hasText: 'Retention 30 d' })
        .locator('.kpi-detail')
        .textContent(),
    ).toBe('not enough data');
    expect(
      await page.locator('#customers .panel', { hasText: 'Retention by cohort' }).textContent(),
    ).toContain('No customer had a first order in the last 12 months.');
    expect(await page.locator('.ev-gap').textContent()).toContain('Not enough data');
    expect(problems).toEqual([]);
  });

  it('draws new vs returning with gaps where a day of the range has no customers section', async () => {
    await showRange(page, WITHOUT_SECTIONS[0] ?? '', LAST_DAY);

    expect(await page.locator('#chart-new-returning-note').textContent()).toContain(
      '3 computed days without the section show as gaps',
    );
    expect(await page.locator('#outcomes .pending').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
