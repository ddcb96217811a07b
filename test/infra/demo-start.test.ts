import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../../bench/cli';
import { DEMO_DAYS } from '../../infra/local/demo';

const dataDir = mkdtempSync(join(tmpdir(), 'roxtrail-demo-'));
// A lighter demo than the default, same story: 120 days, one checkout outage. It takes about 90 s on
// an idle 2-core box; the budgets leave room for the other test worker and libfaketime.
const env = { ROXTRAIL_DATA_DIR: dataDir, PORT: '0', ROXTRAIL_DEMO_SCALE: '0.25' };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function waitFor(output: () => string, pattern: RegExp, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(output())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the demo on first start', () => {
  it(`loads ${DEMO_DAYS} simulated days in the background after the banner, computes them oldest first, fires the outage alerts once`, async () => {
    const first = await startCli([], env);
    try {
      const banner = first.output();
      expect(banner).toContain(`${first.url}/dashboard`);
      expect(banner).toMatch(new RegExp(`Demo data {6}${DEMO_DAYS} days of simulated traffic`));
      // The server answers while the demo loads.
      expect((await fetch(`${first.url}/dashboard`)).status).toBe(200);

      await waitFor(first.output, /demo: ready|demo: stopped/, 300_000);
      const output = first.output();
      expect(output).toMatch(new RegExp(`demo: sending [\\d,]+ simulated events for ${DEMO_DAYS} days`));
      expect(output).toMatch(/demo: 100% sent/);
      expect(output).toMatch(/alert[^:\n]*: Event volume on demo was [\d,]+ on \d{4}-\d{2}-\d{2}, down \d+%/);
      expect(output).toMatch(/alert[^:\n]*: Resolved: event volume on demo/);
      expect(output.indexOf('Roxtrail is running')).toBeLessThan(output.indexOf('demo: sending'));
      // The scheduled run the demo held back computes today, yesterday and a handful of marked days,
      // not again the 120 days the demo computed (their marks are cleared).
      await waitFor(first.output, /aggregation: \d+ day\(s\)/, 60_000);
      const scheduled = Number(/aggregation: (\d+) day\(s\)/.exec(first.output())?.[1]);
      expect(scheduled).toBeLessThanOrEqual(7);

      const state = JSON.parse(readFileSync(join(dataDir, 'demo-traffic.json'), 'utf8')) as {
        status: string;
        endDate: string;
        incidentDate: string;
        days: number;
      };
      expect(state).toMatchObject({ status: 'done', days: DEMO_DAYS });
      const figures = await runCli(
        ['figures', '--site', 'demo', '--from', state.incidentDate, '--to', state.endDate, '--json'],
        env,
      );
      const days = JSON.parse(figures.stdout) as { date: string; traffic: { events: number } }[];
      expect(days.map((d) => d.date)[0]).toBe(state.incidentDate);
      // Every ended day has traffic; today (the demo runs up to now) may have none yet, just after midnight.
      const ended = days.filter((d) => d.date < state.endDate);
      expect(ended.length).toBeGreaterThan(0);
      expect(ended.every((d) => d.traffic.events > 0)).toBe(true);
      expect(existsSync(join(dataDir, 'alerts.ndjson'))).toBe(true);
    } finally {
      expect(await first.stop()).toBe(0);
    }

    // The next start keeps the data and loads nothing again.
    const second = await startCli([], env);
    try {
      expect(second.output()).not.toContain('Demo data');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(second.output()).not.toContain('demo: sending');
    } finally {
      await second.stop();
    }
  }, 420_000);
});
