import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type StartedCli, startCli } from '../../bench/cli';
import { addDays } from '../../shared/time';

const dataDir = mkdtempSync(join(tmpdir(), 'roxtrail-simulate-'));
const env = { ROXTRAIL_DATA_DIR: dataDir, PORT: '0' };
// A fixed calendar and seed: the same traffic and figures on whatever day the suite runs.
const END_DATE = '2026-11-20';
const SEED = '7';
let stack: StartedCli | undefined;
let writeKey: string;

beforeAll(async () => {
  stack = await startCli(['--no-demo'], env);
  const siteFile = join(dataDir, 'site.json');
  writeFileSync(
    siteFile,
    JSON.stringify({
      site: 'sim-shop',
      timezone: 'UTC',
      currency: 'EUR',
      currencyRates: { USD: 0.9 },
      touchpoints: { live_chat: { dailyCost: 40, team: 'support' }, size_guide: { dailyCost: 5 } },
    }),
  );
  const applied = await runCli(['sites', 'apply', siteFile, '--json'], env);
  writeKey = (JSON.parse(applied.stdout) as { writeKey: string }).writeKey;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface SimulateJson {
  from: string;
  to: string;
  messages: number;
  duplicates: number;
  late: number;
  delivered: number;
  failed: number;
  days: { date: string; events: number; carts: number; cartAbandonmentRate: number | null }[];
  alerts: { firing: number; resolved: number };
}

describe('roxtrail simulate', () => {
  it('sends the days through the running stack with the Segment client, computes them and fires the alerts', async () => {
    const incident = addDays(END_DATE, -1);
    const result = await runCli(
      [
        'simulate',
        '--site',
        'sim-shop',
        '--days',
        '6',
        '--scale',
        '0.4',
        '--end-date',
        END_DATE,
        '--seed',
        SEED,
        '--incident-date',
        incident,
        '--write-key',
        writeKey,
        '--json',
      ],
      env,
    );
    expect(result.stderr).not.toMatch(/roxtrail:/);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as SimulateJson;
    expect(summary.to).toBe(END_DATE);
    expect(summary.from).toBe(addDays(END_DATE, -5));
    expect(summary.messages).toBeGreaterThan(3000);
    expect(summary.delivered).toBe(summary.messages);
    expect(summary.failed).toBe(0);
    expect(summary.duplicates).toBeGreaterThan(0);
    expect(summary.days.map((d) => d.date)).toEqual([0, 1, 2, 3, 4, 5].map((i) => addDays(END_DATE, i - 5)));
    const outage = summary.days.find((d) => d.date === incident);
    expect(outage?.cartAbandonmentRate).toBeGreaterThan(0.85);
    expect(summary.alerts.firing).toBeGreaterThanOrEqual(2);
    expect(summary.alerts.resolved).toBeGreaterThanOrEqual(2);

    // The figures are stored: the figures command reads the same days back.
    const figures = await runCli(
      ['figures', '--site', 'sim-shop', '--from', summary.from, '--to', summary.to],
      env,
    );
    expect(figures.stdout).toContain(incident);
  }, 60_000);

  it('needs the write key of a site that is not the demo, and says so in one line', async () => {
    const result = await runCli(['simulate', '--site', 'sim-shop', '--days', '2'], env);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toBe(
      'roxtrail: give --write-key: the write key of "sim-shop" (keys are stored hashed, so it cannot be looked up)',
    );
    const unknown = await runCli(['simulate', '--site', 'nope', '--days', '2', '--write-key', 'x'], env);
    expect(unknown.stderr.trim()).toBe('roxtrail: unknown site "nope" (roxtrail sites list shows the sites)');
  }, 30_000);
});
