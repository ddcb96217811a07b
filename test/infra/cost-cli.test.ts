/**
 * `roxtrail cost` on a fresh clone (issue 16): it prices with the measurements shipped in
 * bench/measurements.json, says so, and prefers a newer local `npm run bench` run when there is one.
 * The real CLI; the local run's path is pointed at a temporary directory (ROXTRAIL_BENCH_RESULTS).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../../bench/cli';
import { benchRunSchema } from '../../shared/cost/measurements';
import { missingMeasurements } from '../../shared/cost/model';

const dir = mkdtempSync(join(tmpdir(), 'roxtrail-cost-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shipped = benchRunSchema.parse(
  JSON.parse(readFileSync(join(REPO_ROOT, 'bench', 'measurements.json'), 'utf8')),
);
const shippedDay = shipped.measuredAt.slice(0, 10);

interface CostAnswer {
  monthly: number;
  measurements: { source: string; file: string; measuredAt: string; command?: string };
}

function env(localRun: string): Record<string, string> {
  // A fresh data directory: cost needs no stack and no earlier command.
  return { ROXTRAIL_DATA_DIR: mkdtempSync(join(dir, 'data-')), ROXTRAIL_BENCH_RESULTS: localRun };
}

describe('roxtrail cost', () => {
  it('ships a complete, dated bench run with the command that produced it', () => {
    expect(missingMeasurements(shipped.measured)).toEqual([]);
    expect(shipped.command).toMatch(/^roxtrail bench /);
    expect(Number.isNaN(Date.parse(shipped.measuredAt))).toBe(false);
  });

  it('prices with the shipped measurements when no local bench run exists, and says so', async () => {
    const result = await runCli(['cost'], env(join(dir, 'no-such-results.json')));

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^total per month\s+\$\s*\d+\.\d\d/m);
    expect(result.stdout).toContain(
      `counts: shipped measurements of ${shippedDay} (bench/measurements.json, ${shipped.command}); npm run bench measures your machine`,
    );
  }, 60_000);

  it('prefers a newer local run, and keeps the shipped one over an older local run', async () => {
    const shippedCost = await runCli(['cost', '--json'], env(join(dir, 'none.json')));
    const shippedAnswer = JSON.parse(shippedCost.stdout) as CostAnswer;
    // A machine whose collector takes twice as long a request.
    const slower = {
      ...shipped.measured,
      collectorHandlerMsPerRequest: Number(shipped.measured.collectorHandlerMsPerRequest) * 2,
    };
    const newerFile = join(dir, 'newer.json');
    const newerAt = new Date(Date.parse(shipped.measuredAt) + 86_400_000).toISOString();
    writeFileSync(newerFile, JSON.stringify({ measuredAt: newerAt, measured: slower }));
    const olderFile = join(dir, 'older.json');
    const olderAt = new Date(Date.parse(shipped.measuredAt) - 86_400_000).toISOString();
    writeFileSync(olderFile, JSON.stringify({ measuredAt: olderAt, measured: slower }));

    const newer = await runCli(['cost', '--json'], env(newerFile));
    const newerText = await runCli(['cost'], env(newerFile));
    const older = await runCli(['cost', '--json'], env(olderFile));

    expect(shippedAnswer.measurements).toEqual({
      source: 'shipped',
      file: 'bench/measurements.json',
      measuredAt: shipped.measuredAt,
      command: shipped.command,
    });
    const newerAnswer = JSON.parse(newer.stdout) as CostAnswer;
    expect(newerAnswer.measurements).toEqual({ source: 'local', file: newerFile, measuredAt: newerAt });
    expect(newerAnswer.monthly).toBeGreaterThan(shippedAnswer.monthly);
    expect(newerText.stdout).toContain(
      `counts: measured by your bench run of ${newerAt} (${newerFile}), newer than the shipped ones of ${shippedDay}`,
    );
    const olderAnswer = JSON.parse(older.stdout) as CostAnswer;
    expect(olderAnswer.measurements.source).toBe('shipped');
    expect(olderAnswer.monthly).toBe(shippedAnswer.monthly);
  }, 60_000);

  it("prints the collector's cap for the concurrency asked, and what a volume's peaks need beyond it", async () => {
    const shippedRun = env(join(dir, 'none.json'));
    const byDefault = await runCli(['cost'], shippedRun);
    expect(byDefault.stdout).toMatch(
      /^collector capped at 100 concurrent \(reserved concurrency, free\): about [\d,]+ requests\/s/m,
    );
    expect(byDefault.stdout).not.toContain('peaks of');

    const busy = ['cost', '--events-per-month', '20000000000', '--collector-concurrency', '50'];
    const answer = JSON.parse((await runCli([...busy, '--json'], shippedRun)).stdout) as {
      collector: { concurrency: number; requestsPerSecond: number; peakConcurrencyNeeded: number };
    };
    expect(answer.collector.concurrency).toBe(50);
    expect(answer.collector.peakConcurrencyNeeded).toBeGreaterThan(50);
    const text = (await runCli(busy, shippedRun)).stdout;
    expect(text).toContain(
      `need ${answer.collector.peakConcurrencyNeeded} concurrent: deploy with -c collectorReservedConcurrency=${answer.collector.peakConcurrencyNeeded}`,
    );
  }, 60_000);
});
