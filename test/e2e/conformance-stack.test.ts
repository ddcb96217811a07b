import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { ARRIVAL_DEPENDENT_PATHS, compareFigures } from '../helpers/compare-figures';
import { conformanceDir, loadConformanceData } from '../helpers/conformance';
import { sendLines, startTestStack, type TestStack } from '../helpers/local-stack';

let stack: TestStack;
const data = loadConformanceData();

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.stop();
});

describe('the conformance data set end to end', () => {
  it('sent through the tracking API, aggregated and read from the query API, gives the expected figures', async () => {
    const { writeKey, readKey } = await stack.createSite(data.config);
    const lines = readFileSync(join(conformanceDir(), 'events.ndjson'), 'utf8').split('\n').filter(Boolean);
    const accepted = await sendLines(stack, writeKey, lines, 400);
    expect(accepted).toBe(lines.length);

    const dates = [...data.expected.keys()];
    for (const date of dates) await aggregateDay(stack.clients, data.config, date);

    const from = dates[0] ?? '';
    const to = dates[dates.length - 1] ?? '';
    const response = await fetch(`${stack.url}/v1/sites/${data.config.site}/figures?from=${from}&to=${to}`, {
      headers: { authorization: `Bearer ${readKey}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { figures: { date: string }[] };
    expect(body.figures.map((f) => f.date)).toEqual(dates);
    for (const figures of body.figures) {
      const differences = compareFigures(data.expected.get(figures.date), figures, {
        // The single-day set has no expectations for the sections that look across days.
        ignore: [...ARRIVAL_DEPENDENT_PATHS, 'outcomes', 'customers'],
      });
      expect(differences, `${figures.date}:\n${differences.join('\n')}`).toEqual([]);
    }
  }, 120_000);
});
