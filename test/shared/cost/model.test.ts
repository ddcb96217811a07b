import { describe, expect, it } from 'vitest';
import { monthlyCost } from '../../../shared/cost/model';
import { PRICES } from '../../../shared/cost/prices';
import { measured, workload } from './fixtures';

const line = (report: ReturnType<typeof monthlyCost>, item: string) =>
  report.lines.find((l) => l.item === item)?.monthly;

describe('monthlyCost, checked by hand', () => {
  const direct = monthlyCost(workload, measured);

  it('bills 10 M HTTP API requests at $1 per million', () => {
    expect(line(direct, 'API Gateway HTTP API')).toBeCloseTo(10, 10);
  });

  it('bills the collector by requests and GB-seconds: 10 M × $0.20/M + 10 M × 0.04 s × 0.5 GB × $0.0000133334', () => {
    expect(line(direct, 'Lambda collector')).toBeCloseTo(2 + 200_000 * 0.0000133334, 8);
  });

  it('bills one S3 PUT per request in direct mode: 10 M × $0.005 / 1,000 = $50', () => {
    expect(line(direct, 'S3 PUT (archive)')).toBeCloseTo(50, 10);
  });

  it('bills DynamoDB write units at $0.625 per million', () => {
    expect(line(direct, 'DynamoDB writes')).toBeCloseTo(6.25, 10);
  });

  it('rounds every Firehose record up to 5 KB: 10 M records of 5,000 bytes bill 10 M × 5,120 bytes', () => {
    // 10 events of 472 bytes, each line with its 28 bytes of dt/hh fields: 5,000 bytes a record.
    const firehose = monthlyCost({ ...workload, eventBytes: 472 }, measured, {
      mode: 'firehose',
      firehoseJqHoursPerGb: 0,
    });
    const billedGb = (10_000_000 * 5120) / 1024 ** 3;
    expect(line(firehose, 'Firehose ingestion')).toBeCloseTo(billedGb * PRICES.firehosePerGb, 8);
    // A 6,000-byte record bills two 5 KB units.
    const bigger = monthlyCost({ ...workload, eventBytes: 600 }, measured, {
      mode: 'firehose',
      firehoseJqHoursPerGb: 0,
    });
    expect(line(bigger, 'Firehose ingestion')).toBeCloseTo(
      ((10_000_000 * 10240) / 1024 ** 3) * PRICES.firehosePerGb,
      8,
    );
    expect(line(firehose, 'S3 PUT (archive)')).toBeUndefined();
  });

  it('keeps storage for the retention period and bills only storage when idle', () => {
    const archiveGb = (100_000_000 * 100) / 1024 ** 3;
    expect(line(direct, 'S3 storage (archive)')).toBeCloseTo(archiveGb * 0.023, 8);
    expect(direct.idleMonthly).toBeCloseTo(archiveGb * 0.023 + ((100_000_000 * 50) / 1024 ** 3) * 0.25, 8);
    const idle = monthlyCost({ ...workload, eventsPerMonth: 0 }, measured);
    expect(idle.monthly - (line(idle, 'EventBridge Scheduler') ?? 0)).toBe(0);
  });

  it('adds up the lines and divides by millions of events', () => {
    const sum = direct.lines.reduce((total, l) => total + l.monthly, 0);
    expect(direct.monthly).toBeCloseTo(sum, 10);
    expect(direct.perMillionEvents).toBeCloseTo(sum / 100, 10);
  });

  it('reads a day as at most 24 × 2 compacted objects per hourly run, 4 days per run', () => {
    // 10 M PUTs a month are 333,333 objects a day, but compaction leaves 48 per day to read.
    expect(line(direct, 'S3 GET (aggregation)')).toBeCloseTo((24 * 30 * 4 * 48 * 0.0004) / 1000, 10);
  });
});
