/**
 * The outcomes conformance data set (../shared/conformance-outcomes) end to end: 116,145 events sent
 * through the tracking API as a client sends them, the expected days aggregated (each run builds the
 * derived records of the days before it that it needs, from the archive), and the `outcomes` and
 * `customers` sections read back from the query API.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { compareFigures } from '../helpers/compare-figures';
import { loadConformanceData } from '../helpers/conformance';
import { sendLines, startTestStack, type TestStack } from '../helpers/local-stack';
import { outcomesConformanceDir } from '../helpers/outcomes-conformance';

/** After the data set's last day: no event is in the future, every day is provisional-free of clock. */
const NOW = Date.parse('2026-11-09T12:00:00Z');
const data = loadConformanceData(outcomesConformanceDir());
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack(undefined, { now: () => NOW });
});
afterAll(async () => {
  await stack.stop();
});

describe('the outcomes conformance data set end to end', () => {
  it('sent through the tracking API, aggregated and read from the query API, gives the expected outcomes and customers', async () => {
    const { writeKey, readKey } = await stack.createSite(data.config);
    const lines = readFileSync(join(outcomesConformanceDir(), 'events.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean);
    const sendStarted = performance.now();
    const accepted = await sendLines(stack, writeKey, lines, 500);
    expect(accepted).toBe(lines.length);
    const sentMs = performance.now() - sendStarted;

    const dates = [...data.expected.keys()];
    const built: string[] = [];
    for (const date of dates) {
      const result = await aggregateDay(stack.clients, data.config, date, { now: new Date(NOW) });
      built.push(...result.derivedDaysBuilt);
    }
    console.info(
      `outcomes end to end: ${lines.length} events sent in ${(sentMs / 1000).toFixed(1)} s, ` +
        `${dates.length} days aggregated (${built.length} derived records built) in ${((performance.now() - sendStarted - sentMs) / 1000).toFixed(1)} s`,
    );
    // The first run built every earlier day's record; the later ones only the days between runs.
    expect(new Set(built).size).toBe(built.length);
    expect(built[0]).toBe('2026-06-10');

    const from = dates[0] ?? '';
    const to = dates.at(-1) ?? '';
    const response = await fetch(`${stack.url}/v1/sites/${data.config.site}/figures?from=${from}&to=${to}`, {
      headers: { authorization: `Bearer ${readKey}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      figures: { site: string; date: string; outcomes: unknown; customers: unknown }[];
    };
    expect(body.figures.map((figures) => figures.date)).toEqual(dates);
    for (const figures of body.figures) {
      const { site, date, outcomes, customers } = figures;
      const differences = compareFigures(data.expected.get(date), { site, date, outcomes, customers });
      expect(differences, `${figures.date}:\n${differences.join('\n')}`).toEqual([]);
    }
  }, 600_000);
});
