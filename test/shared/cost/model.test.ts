import { describe, expect, it } from 'vitest';
import { benchCost, TARGET_WORKLOAD } from '../../../bench/cost';
import { DEPLOYED } from '../../../shared/config/deploy-defaults';
import {
  API_ACCESS_LOG_BYTES,
  collectorCapacity,
  completeMeasured,
  LAMBDA_PLATFORM_LOG_BYTES,
  missingMeasurements,
  monthlyCost,
  PEAK_TO_AVERAGE,
  S3_ACCESS_LOG_RECORD_BYTES,
} from '../../../shared/cost/model';
import { PRICES } from '../../../shared/cost/prices';
import { measured, workload } from './fixtures';

const GB = 1024 ** 3;
const line = (report: ReturnType<typeof monthlyCost>, item: string) =>
  report.lines.find((l) => l.item === item)?.monthly;

/** 100 M events, 10 a request: 10 M requests, 720 site-hours, 720 scheduled runs a month. */
const direct = monthlyCost(workload, measured, {
  mode: 'direct',
  frontDoor: 'http-api',
  tableClass: 'standard',
  pointInTimeRecovery: false,
});

describe('monthlyCost, checked by hand', () => {
  it('bills 10 M HTTP API requests at $1 per million', () => {
    expect(line(direct, 'API Gateway HTTP API')).toBeCloseTo(10, 10);
  });

  it('bills the collector by requests and GB-seconds of the handler time: 10 M × $0.20/M + 10 M × 0.04 s × 0.5 GB × $0.0000133334', () => {
    expect(line(direct, 'Lambda collector')).toBeCloseTo(2 + 200_000 * 0.0000133334, 8);
  });

  it('rounds the billed duration up to the millisecond and stretches CPU time below one vCPU', () => {
    const rounded = monthlyCost(workload, { ...measured, collectorHandlerMsPerRequest: 40.2 });
    expect(line(rounded, 'Lambda collector')).toBeCloseTo(2 + 10_000_000 * 0.041 * 0.5 * 0.0000133334, 8);
    // 1 ms of CPU at full core takes 1769 / 256 = 6.91 ms at 256 MB: 40 + 5.91 → 46 ms billed.
    const small = monthlyCost(workload, {
      ...measured,
      collectorMemoryMb: 256,
      collectorCpuMsPerRequest: 1,
    });
    expect(line(small, 'Lambda collector')).toBeCloseTo(2 + 10_000_000 * 0.046 * 0.25 * 0.0000133334, 8);
  });

  it('bills S3 PUTs for archive objects, compactions, partials, actor indexes and the runs’ listings in direct mode', () => {
    // 10 M objects; 720 hours compacted; 2 partials an hour; 2 actor indexes a run; 720 runs × (6
    // prefixes + 84 pages of 2 × 3 unsettled hours of 13,889 objects).
    const puts = 10_000_000 + 720 + 1_440 + 1_440 + 720 * (6 + 84);
    expect(line(direct, 'S3 PUT and LIST')).toBeCloseTo((puts * 0.005) / 1000, 10);
  });

  it('reads every archive object once per partial build and 48 partials per run', () => {
    expect(line(direct, 'S3 GET (aggregation)')).toBeCloseTo(((20_000_000 + 720 * 48) * 0.0004) / 1000, 10);
  });

  it('bills the aggregator for building each event twice and merging two days of events every hourly run', () => {
    // 200 M built at 50,000/s + 100 M × 24 × 2 merged at 100,000/s = 52,000 s at 2 GB.
    expect(line(direct, 'Lambda aggregator')).toBeCloseTo((720 * 0.2) / 1e6 + 52_000 * 2 * 0.0000133334, 8);
  });

  it('bills DynamoDB write units at $0.625 per million, 25% more in Standard-IA', () => {
    expect(line(direct, 'DynamoDB writes')).toBeCloseTo(6.25, 10);
    const ia = monthlyCost(workload, measured, { tableClass: 'standard-ia' });
    expect(line(ia, 'DynamoDB writes')).toBeCloseTo(7.8125, 10);
  });

  it('bills half a read unit per identity link looked up, once a day (the link snapshot answers later runs)', () => {
    // 100 M events × 0.1 keys × 0.5 RRU = 5 M RRU, however often the partials are rebuilt.
    expect(line(direct, 'DynamoDB reads (identity links)')).toBeCloseTo(0.625, 10);
    const ia = monthlyCost(workload, measured, { tableClass: 'standard-ia' });
    expect(line(ia, 'DynamoDB reads (identity links)')).toBeCloseTo(0.78125, 10);
  });

  it('keeps table items with their 100-byte overhead for the retention, in the table class and PITR', () => {
    // 1 write unit (one item) a request of 10 events: 50 + 10 bytes an event, one month kept.
    const gb = (100_000_000 * 60) / GB;
    expect(line(direct, 'DynamoDB storage')).toBeCloseTo(gb * 0.25, 8);
    expect(line(direct, 'DynamoDB point-in-time recovery')).toBe(0);
    const ia = monthlyCost(workload, measured, { tableClass: 'standard-ia', pointInTimeRecovery: true });
    expect(line(ia, 'DynamoDB storage')).toBeCloseTo(gb * 0.1, 8);
    expect(line(ia, 'DynamoDB point-in-time recovery')).toBeCloseTo(gb * 0.2, 8);
  });

  it('keeps journey items journeyRetentionDays, however long the archive keeps events', () => {
    const gb = (100_000_000 * 60) / GB;
    const fortnight = monthlyCost({ ...workload, retentionDays: 400, journeyRetentionDays: 15 }, measured, {
      mode: 'direct',
      tableClass: 'standard',
    });
    expect(line(fortnight, 'DynamoDB storage')).toBeCloseTo(gb * 0.5 * 0.25, 8);
  });

  it('ingests the application log, the access-log line and Lambda’s START/END/REPORT lines, and keeps them 30 days', () => {
    const bytes = 10_000_000 * (25 + API_ACCESS_LOG_BYTES) + (10_000_000 + 720) * LAMBDA_PLATFORM_LOG_BYTES;
    const logged = monthlyCost(
      workload,
      { ...measured, logBytesPerRequest: 25 },
      { collectorPlatformLogs: true, frontDoor: 'http-api' },
    );
    expect(line(logged, 'CloudWatch Logs ingestion')).toBeCloseTo((bytes / GB) * 0.5, 8);
    expect(line(logged, 'CloudWatch Logs storage')).toBeCloseTo((bytes / GB) * 0.03, 8);
    const week = monthlyCost(workload, measured, {
      logRetentionDays: 7,
      collectorPlatformLogs: true,
      frontDoor: 'http-api',
    });
    expect(line(week, 'CloudWatch Logs storage')).toBeCloseTo(
      (((10_000_000 * API_ACCESS_LOG_BYTES + 10_000_720 * LAMBDA_PLATFORM_LOG_BYTES) / GB) * 0.03 * 7) / 30,
      8,
    );
  });

  it('writes Lambda’s lines only for the scheduled runs when the collector’s system logs are filtered', () => {
    const bytes = 10_000_000 * API_ACCESS_LOG_BYTES + 720 * LAMBDA_PLATFORM_LOG_BYTES;
    const viaApi = monthlyCost(workload, measured, { frontDoor: 'http-api' });
    expect(line(viaApi, 'CloudWatch Logs ingestion')).toBeCloseTo((bytes / GB) * 0.5, 8);
    // As deployed, tracking arrives at the function URL: no access-log line either.
    const deployed = monthlyCost(workload, measured);
    expect(line(deployed, 'CloudWatch Logs ingestion')).toBeCloseTo(
      ((720 * LAMBDA_PLATFORM_LOG_BYTES) / GB) * 0.5,
      10,
    );
  });

  it('traces the scheduled runs only, unless the collector is traced: then 1 a second and 5% of the rest', () => {
    expect(line(direct, 'X-Ray traces')).toBeCloseTo((720 * 5) / 1e6, 10);
    const traced = monthlyCost(workload, measured, { collectorTraced: true });
    const sampled = 2_592_000 + 0.05 * (10_000_000 - 2_592_000);
    expect(line(traced, 'X-Ray traces')).toBeCloseTo(((sampled + 720) * 5) / 1e6, 10);
  });

  it('bills alarms and dashboards beyond the account’s free ones, and $3 a month for a rotated KMS key', () => {
    expect(line(direct, 'CloudWatch alarms and dashboards')).toBe(0);
    expect(line(direct, 'KMS keys')).toBe(0);
    const crowded = monthlyCost(workload, measured, {
      freeAlarms: 0,
      dashboards: 1,
      freeDashboards: 0,
      kmsKeys: 1,
    });
    // Eight alarms and the function URL's.
    expect(line(crowded, 'CloudWatch alarms and dashboards')).toBeCloseTo(9 * 0.1 + 3, 10);
    expect(line(crowded, 'KMS keys')).toBeCloseTo(3, 10);
  });

  it('stores the archive in the storage classes of the lifecycle, plus the merged originals for 30 days', () => {
    const gbPerMonth = (100_000_000 * 100) / GB;
    // 30 days kept: all in Standard; compaction's originals wait 30 days as noncurrent versions.
    expect(line(direct, 'S3 storage (archive)')).toBeCloseTo(2 * gbPerMonth * 0.023, 8);
    expect(line(direct, 'S3 lifecycle transitions')).toBe(0);
    const year = monthlyCost({ ...workload, retentionDays: 400 }, measured, { mode: 'direct' });
    expect(line(year, 'S3 storage (archive)')).toBeCloseTo(
      (gbPerMonth * (30 * 0.023 + 60 * 0.0125 + 310 * 0.004)) / 30 + gbPerMonth * 0.023,
      8,
    );
    // 720 hours × 2 objects move twice: $0.01 and $0.02 per 1,000.
    expect(line(year, 'S3 lifecycle transitions')).toBeCloseTo((1_440 * 0.03) / 1000, 10);
  });

  it('leaves hourly objects under 128 KB in S3 Standard, as the lifecycle does', () => {
    // 500,000 events × 100 B / 720 hours = 69 KB an hour.
    const small = monthlyCost({ ...workload, eventsPerMonth: 500_000, retentionDays: 400 }, measured);
    const gbPerMonth = (500_000 * 100) / GB;
    expect(line(small, 'S3 storage (archive)')).toBeCloseTo(
      ((gbPerMonth * 400) / 30) * 0.023 + gbPerMonth * 0.023,
      10,
    );
    expect(line(small, 'S3 lifecycle transitions')).toBe(0);
  });

  it('keeps partials 4 days after their last write, a day for the lifecycle’s midnight and a day of old versions', () => {
    expect(line(direct, 'S3 storage (partials)')).toBeCloseTo(((100_000_000 * 40 * 6) / 30 / GB) * 0.023, 10);
  });

  it('keeps a day’s actor index as long as its events, plus a day of each of its 48 superseded versions (two days with the lifecycle’s midnight)', () => {
    // 100 M events × 2 B a month: 0.2 GB, 6.67 MB a day; 30 days kept plus 96 versions.
    const perDay = (100_000_000 * 2) / 30 / GB;
    expect(line(direct, 'S3 storage (actor indexes)')).toBeCloseTo(perDay * (30 + 96) * 0.023, 10);
  });

  it('stores one access-log record per archive request for 90 days', () => {
    // PUT and LIST, GET, and compaction's DELETE of every object it merged.
    const requests = 10_000_000 + 720 + 1_440 + 1_440 + 720 * 90 + 20_000_000 + 720 * 48 + 10_000_000;
    expect(line(direct, 'S3 storage (access logs)')).toBeCloseTo(
      ((requests * S3_ACCESS_LOG_RECORD_BYTES * 3) / GB) * 0.023,
      8,
    );
  });

  it('adds up the lines and divides by millions of events', () => {
    const sum = direct.lines.reduce((total, l) => total + l.monthly, 0);
    expect(direct.monthly).toBeCloseTo(sum, 10);
    expect(direct.perMillionEvents).toBeCloseTo(sum / 100, 10);
  });
});

describe('idle cost', () => {
  it('is the hourly runs’ schedule, listings, requests, traces and log lines without traffic', () => {
    const idle = monthlyCost({ ...workload, eventsPerMonth: 0 }, measured);
    // Scheduler, 6 LISTs a run, X-Ray, Lambda requests, Lambda's log lines.
    const fixed =
      720 * 1e-6 +
      (720 * 6 * 0.005) / 1000 +
      (720 * 5) / 1e6 +
      (720 * 0.2) / 1e6 +
      ((720 * LAMBDA_PLATFORM_LOG_BYTES) / GB) * 0.5;
    expect(idle.idleFixedMonthly).toBeCloseTo(fixed, 10);
    expect(direct.idleFixedMonthly).toBeCloseTo(fixed, 10);
    // What those leave stored: the log lines for 30 days, the LISTs' access-log records for 90.
    const stored =
      ((720 * LAMBDA_PLATFORM_LOG_BYTES) / GB) * 0.03 +
      ((720 * 6 * S3_ACCESS_LOG_RECORD_BYTES * 3) / GB) * 0.023;
    expect(idle.idleStorageMonthly).toBeCloseTo(stored, 10);
    expect(idle.monthly).toBeCloseTo(fixed + stored, 10);
  });

  it('keeps every storage line of the workload, split from the fixed part', () => {
    const storage = direct.lines.filter((l) => l.kind === 'storage').reduce((t, l) => t + l.monthly, 0);
    expect(direct.lines.filter((l) => l.kind === 'storage').map((l) => l.item)).toEqual([
      'S3 storage (archive)',
      'S3 storage (partials)',
      'S3 storage (actor indexes)',
      'S3 storage (access logs)',
      'DynamoDB storage',
      'DynamoDB point-in-time recovery',
      'CloudWatch Logs storage',
    ]);
    expect(direct.idleStorageMonthly).toBeCloseTo(storage, 10);
    expect(direct.idleMonthly).toBeCloseTo(storage + direct.idleFixedMonthly, 10);
  });

  it('counts a dashboard and a KMS key as fixed costs when the account has no free dashboards left', () => {
    const report = monthlyCost(workload, measured, { dashboards: 1, freeDashboards: 0, kmsKeys: 1 });
    expect(report.idleFixedMonthly - direct.idleFixedMonthly).toBeCloseTo(3 + 3, 10);
  });
});

describe('defaults and measurements', () => {
  it('price the stack as deployed: firehose, function URL, Standard-IA with PITR, a 256 MB collector, no dashboard or key', () => {
    const report = monthlyCost(workload, measured);
    expect(report.mode).toBe('firehose');
    expect(report.frontDoor).toBe('function-url');
    expect(line(report, 'API Gateway HTTP API')).toBe(0);
    expect(report.tableClass).toBe('standard-ia');
    expect(line(report, 'DynamoDB point-in-time recovery')).toBeGreaterThan(0);
    expect(DEPLOYED).toMatchObject({ collectorMemoryMb: 256, dashboards: 0, kmsKeys: 0, alarms: 8 });
  });

  it('names every measurement the bench has not written, and fills in the deployed memory sizes', () => {
    expect(
      missingMeasurements({ ...measured, linkLookupsPerEvent: undefined, partialBytesPerEvent: '40' }),
    ).toEqual(['linkLookupsPerEvent', 'partialBytesPerEvent']);
    expect(() => completeMeasured({ s3PutsPerRequest: 1 })).toThrow(
      /collectorHandlerMsPerRequest, .*logBytesPerRequest/,
    );
    const { collectorMemoryMb: _c, aggregatorMemoryMb: _a, ...counts } = measured;
    expect(completeMeasured(counts)).toEqual({
      ...measured,
      collectorMemoryMb: DEPLOYED.collectorMemoryMb,
      aggregatorMemoryMb: DEPLOYED.aggregatorMemoryMb,
    });
  });
});

describe('the bench’s cost rows', () => {
  it('price the target workload as deployed (the target row), through the HTTP API, with 400-day journeys and in direct mode', () => {
    const { collectorMemoryMb: _c, aggregatorMemoryMb: _a, ...counts } = measured;
    const rows = benchCost(counts);
    const deployed = { ...measured, collectorMemoryMb: 256, aggregatorMemoryMb: 2048 };
    expect(rows.map((row) => [row.figure, row.value, row.target])).toEqual([
      [
        'cost per million events (as deployed)',
        monthlyCost(TARGET_WORKLOAD, deployed).perMillionEvents,
        '≤ 0.30',
      ],
      [
        'cost per million events (tracking through the HTTP API)',
        monthlyCost(TARGET_WORKLOAD, deployed, { frontDoor: 'http-api' }).perMillionEvents,
        undefined,
      ],
      [
        'cost per million events (journeys kept 400 days)',
        monthlyCost({ ...TARGET_WORKLOAD, journeyRetentionDays: 400 }, deployed).perMillionEvents,
        undefined,
      ],
      [
        'cost per million events (direct)',
        monthlyCost(TARGET_WORKLOAD, deployed, { mode: 'direct' }).perMillionEvents,
        undefined,
      ],
    ]);
    // Each setting the stack does not default to costs more.
    for (const row of rows.slice(1)) expect(row.value).toBeGreaterThan(rows[0]?.value ?? 0);
  });

  it('say what the run did not measure instead of failing the bench', () => {
    const { linkLookupsPerEvent: _l, ...partial } = measured;
    const [row] = benchCost(partial);
    expect(row?.value).toBeNaN();
    expect(row?.how).toBe('not priced: this run did not measure linkLookupsPerEvent');
  });
});

it('uses the dated prices file', () => {
  expect(PRICES.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
});

describe('collectorCapacity, checked by hand', () => {
  // The fixture's collector is billed 40 ms a request: 10 M requests a month average 3.86 a second.
  it('gives the requests a second the reserved concurrency answers, and the concurrency peaks need', () => {
    const capacity = collectorCapacity(workload, measured, 100);
    expect(capacity.requestsPerSecond).toBe(2_500);
    expect(capacity.averageRequestsPerSecond).toBeCloseTo(10_000_000 / (30 * 86_400), 6);
    // 3.86 a second × 10 at 40 ms each: 1.54 executions at once.
    expect(capacity.peakConcurrencyNeeded).toBe(
      Math.ceil((10_000_000 / (30 * 86_400)) * PEAK_TO_AVERAGE * 0.04),
    );
  });

  it('asks for more than the default only where the volume needs it', () => {
    expect(collectorCapacity(workload, measured).peakConcurrencyNeeded).toBeLessThanOrEqual(
      DEPLOYED.collectorReservedConcurrency,
    );
    const huge = collectorCapacity({ ...workload, eventsPerMonth: 100_000_000_000 }, measured);
    expect(huge.peakConcurrencyNeeded).toBeGreaterThan(DEPLOYED.collectorReservedConcurrency);
  });
});
