/**
 * The demo's hourly story (issue 19): its tracking is lost from 11:00 to 13:00 site-local on the day
 * it is loaded (the day before when it starts before 15:00), placed by the injected clock; the demo
 * replays the scheduler's hourly runs of the day, so the default hourly rules' episode has fired and
 * resolved by the time the dashboard opens. A fixed instant: the test does not depend on when it runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPlan, demoTrackingLost, loadDemoTraffic } from '../../infra/local/demo';
import { DEMO_SITE_CONFIG } from '../../infra/local/runtime';
import { siteConfigWithDefaults } from '../../shared/config/site';
import { startTestStack, type TestStack } from '../helpers/local-stack';

const ROME = { timezone: 'Europe/Rome' };

describe('where the demo puts its lost tracking', () => {
  it('11:00–13:00 site-local today once 15:00 has passed, else yesterday', () => {
    // 15:00 in Rome (UTC+1) on 2026-11-18, and a minute before.
    expect(demoTrackingLost(ROME, new Date('2026-11-18T14:00:00Z'))).toEqual({
      from: '2026-11-18T10:00:00.000Z',
      to: '2026-11-18T12:00:00.000Z',
    });
    expect(demoTrackingLost(ROME, new Date('2026-11-18T13:59:00Z'))).toEqual({
      from: '2026-11-17T10:00:00.000Z',
      to: '2026-11-17T12:00:00.000Z',
    });
    // Just after midnight: yesterday's late morning.
    expect(demoTrackingLost(ROME, new Date('2026-11-17T23:30:00Z')).from).toBe('2026-11-17T10:00:00.000Z');
  });

  it('follows the wall clock on the days the clocks change', () => {
    // 2026-10-25: Rome goes back at 03:00, so 11:00 is 10:00 UTC; on 2026-03-29 forward, 09:00 UTC.
    expect(demoTrackingLost(ROME, new Date('2026-10-25T15:00:00Z'))).toEqual({
      from: '2026-10-25T10:00:00.000Z',
      to: '2026-10-25T12:00:00.000Z',
    });
    expect(demoTrackingLost(ROME, new Date('2026-03-29T15:00:00Z'))).toEqual({
      from: '2026-03-29T09:00:00.000Z',
      to: '2026-03-29T11:00:00.000Z',
    });
  });

  it('plans the traffic up to now, the day outage four days ago and the hours of lost tracking', () => {
    const plan = demoPlan(ROME, new Date('2026-11-18T15:30:00Z'));
    expect(plan).toMatchObject({
      endDate: '2026-11-18',
      incidentDate: '2026-11-14',
      trackingLost: { from: '2026-11-18T10:00:00.000Z', to: '2026-11-18T12:00:00.000Z' },
    });
  });
});

describe('the demo loaded at a fixed instant', () => {
  // 16:30 in Rome on a Wednesday.
  const NOW = new Date('2026-11-18T15:30:00Z');
  const DAY = '2026-11-18';
  const config = siteConfigWithDefaults(DEMO_SITE_CONFIG);
  const dataDir = mkdtempSync(join(tmpdir(), 'roxtrail-demo-hourly-'));
  let stack: TestStack;
  let readKey: string;
  const lines: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    const keys = await stack.createSite(DEMO_SITE_CONFIG);
    readKey = keys.readKey;
    // The demo's story, shortened to the five weeks the hourly rules' baseline needs.
    const plan = { ...demoPlan(config, NOW), days: 36 };
    const started = Date.now();
    await loadDemoTraffic({
      dataDir,
      url: stack.url,
      writeKey: keys.writeKey,
      readKey,
      storage: stack.stores.settings,
      config,
      plan,
      log: (line) => lines.push(line),
      now: () => NOW,
    });
    console.log(`demo (36 days) loaded in ${((Date.now() - started) / 1000).toFixed(0)} s`, lines.at(-2));
  }, 600_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the hours tracking was lost: tracking-broken fired within 2 h 30 and resolved', async () => {
    const response = await fetch(`${stack.url}/v1/sites/demo/alerts?from=${DAY}&to=${DAY}`, {
      headers: { authorization: `Bearer ${readKey}` },
    });
    expect(response.status).toBe(200);
    const { alerts } = (await response.json()) as {
      alerts: { ruleId: string; every: string; state: string; text: string; window?: { to: string } }[];
    };
    const episode = alerts.filter((a) => a.ruleId === 'tracking-broken');
    expect(episode.map((a) => `${a.every} ${a.state}`)).toEqual(['hour firing', 'hour resolved']);
    const [fired, resolved] = episode;
    const firedAt = Date.parse(fired?.window?.to ?? '');
    expect(firedAt - Date.parse('2026-11-18T10:00:00.000Z')).toBeLessThanOrEqual(150 * 60_000);
    expect(Date.parse(resolved?.window?.to ?? '')).toBeLessThanOrEqual(NOW.getTime());
    expect(fired?.text).toMatch(
      /^Events on demo were 0 between 11:00 and 13:00, 100 % below the usual [\d,]+ for a Wednesday at this time \(median of 4 weeks\)$/,
    );
    // The rest of the day notified nothing hourly.
    expect(alerts.filter((a) => a.every === 'hour' && a.ruleId !== 'tracking-broken')).toEqual([]);

    const hours = await fetch(`${stack.url}/v1/sites/demo/hours?date=${DAY}`, {
      headers: { authorization: `Bearer ${readKey}` },
    });
    const chart = (await hours.json()) as {
      hours: { hour: string; values: { events: number | null } }[];
      alerts: unknown[];
    };
    expect(chart.alerts).toHaveLength(2);
    expect(chart.hours.find((row) => row.hour === '11')?.values.events).toBe(0);
    expect(chart.hours.find((row) => row.hour === '14')?.values.events).toBeGreaterThan(0);
  });
});
