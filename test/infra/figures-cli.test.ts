/**
 * `roxtrail figures` (the real CLI against a real local stack) prints, after one line per day, the
 * views over a window of the last day from its stored document: ROX per touchpoint (naive, adjusted,
 * 90 % interval, verdict, exposed, coverage) and customers (new, returning, repeat rate, retention,
 * LTV, experience value gap) — or says they are not computed yet; `--json` prints the documents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../bench/cli';
import { siteConfigWithDefaults } from '../../shared/config/site';
import { putFigures } from '../../shared/storage/table';
import { ACROSS_DAYS_SITE, acrossDaysDocument, asStored } from '../helpers/across-days-figures';
import { startTestStack, type TestStack } from '../helpers/local-stack';

const config = siteConfigWithDefaults(ACROSS_DAYS_SITE);
const site = config.site;
const NOW = new Date('2026-11-21T10:00:00Z');

let stack: TestStack;
let env: Record<string, string>;

beforeAll(async () => {
  stack = await startTestStack();
  env = { ROXTRAIL_DATA_DIR: stack.dataDir };
  await stack.createSite(ACROSS_DAYS_SITE);
  // Two days computed before the sections existed, then two with them.
  for (const [index, date] of ['2026-11-17', '2026-11-18'].entries()) {
    await putFigures(
      stack.clients,
      site,
      asStored(acrossDaysDocument(config, date, index, { now: NOW, sections: false })),
    );
  }
  for (const [index, date] of ['2026-11-19', '2026-11-20'].entries()) {
    await putFigures(
      stack.clients,
      site,
      asStored(acrossDaysDocument(config, date, index, { now: NOW, sections: true })),
    );
  }
}, 60_000);
afterAll(async () => {
  await stack.stop();
});

function lineStarting(stdout: string, start: string): string {
  return stdout.split('\n').find((line) => line.startsWith(start)) ?? `(no line starting "${start}")`;
}

describe('roxtrail figures', () => {
  it('prints the ROX table per touchpoint and the customers summary of the last day, in 100 columns', async () => {
    const result = await runCli(
      ['figures', '--site', site, '--from', '2026-11-17', '--to', '2026-11-20'],
      env,
    );

    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toContain(
      'ROX over a window as of 2026-11-20: visits of 2026-10-17 to 2026-11-13, each followed 7 days',
    );
    expect(lineStarting(out, 'touchpoint').split(/\s{2,}/)).toEqual([
      'touchpoint',
      'naive ROX',
      'adjusted ROX',
      '90 % interval',
      'verdict',
      'exposed',
      'coverage',
    ]);
    expect(lineStarting(out, 'live_chat').split(/\s{2,}/)).toEqual([
      'live_chat',
      '3.58',
      '1.44',
      '0.37 to 2.51',
      'pays',
      '2,000',
      '94.0%',
    ]);
    expect(lineStarting(out, 'size_guide').split(/\s{2,}/)).toEqual([
      'size_guide',
      '2.20',
      '-0.31',
      '-1.53 to 0.90',
      'unclear',
      '640',
      '81.3%',
    ]);
    expect(lineStarting(out, 'store_pickup').split(/\s{2,}/)).toEqual([
      'store_pickup',
      '-0.95',
      '—',
      '—',
      'not enough data',
      '3',
      '0.0%',
    ]);
    expect(out).toContain('only a holdout experiment removes it');

    const lines = out.split('\n');
    const header = lines.findIndex((line) => line.trim().startsWith('new  returning'));
    expect(lines[header]?.trim().split(/\s{2,}/)).toEqual([
      'new',
      'returning',
      'repeat rate',
      'retention30',
      'retention90',
      'ltv30',
      'ltv90',
      'experience value gap',
    ]);
    expect(lines[header + 2]?.trim().split(/\s{2,}/)).toEqual([
      '45',
      '19',
      '27.1%',
      '18.0%',
      '31.0%',
      '68.40 EUR',
      '112.70 EUR',
      '21.40 EUR',
    ]);
    expect(out).toContain('answer given 2026-09-22 to 2026-10-21');
    // One line per day before them, as before.
    expect(lines.filter((line) => /^2026-11-\d\d {2}/.test(line))).toHaveLength(4);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
  }, 60_000);

  it('says the sections are not computed yet when the last day of the range lacks them', async () => {
    const result = await runCli(
      ['figures', '--site', site, '--from', '2026-11-17', '--to', '2026-11-18'],
      env,
    );

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ROX over a window: not computed yet for 2026-11-18');
    expect(result.stdout).toContain('customers: not computed yet for 2026-11-18');
    expect(result.stdout).toContain(
      `roxtrail aggregate --site ${site} --date 2026-11-18 computes the day again`,
    );
    expect(result.stdout).not.toContain('adjusted ROX');
  }, 60_000);

  it('keeps printing the documents with --json, sections and all', async () => {
    const result = await runCli(
      ['figures', '--site', site, '--from', '2026-11-18', '--to', '2026-11-19', '--json'],
      env,
    );

    expect(result.code).toBe(0);
    const days = JSON.parse(result.stdout) as { date: string; outcomes?: unknown; customers?: unknown }[];
    expect(days.map((day) => [day.date, 'outcomes' in day, 'customers' in day])).toEqual([
      ['2026-11-18', false, false],
      ['2026-11-19', true, true],
    ]);
  }, 60_000);
});
