/** The cost model fed with what this benchmark run measured (bench/collector.ts, bench/aggregation.ts). */
import { type Measured, monthlyCost, type Workload } from '../shared/cost/model';
import type { BenchRow } from './table';

export const TARGET_WORKLOAD: Workload = {
  eventsPerMonth: 100_000_000,
  eventsPerRequest: 10,
  eventBytes: 550,
  retentionDays: 400,
  sites: 1,
};

/** Deployment settings (the CDK defaults), not measurements. */
const DEPLOYED = { collectorMemoryMb: 512, aggregatorMemoryMb: 2048, logBytesPerRequest: 0 };

export function benchCost(measured: Partial<Measured>): BenchRow[] {
  const complete: Measured = {
    collectorMsPerRequest: required(measured.collectorMsPerRequest, 'collector latency'),
    s3PutsPerRequest: required(measured.s3PutsPerRequest, 'S3 PUTs per request'),
    dynamoWriteUnitsPerRequest: required(measured.dynamoWriteUnitsPerRequest, 'write units per request'),
    archiveBytesPerEvent: required(measured.archiveBytesPerEvent, 'archive bytes per event'),
    tableBytesPerEvent: required(measured.tableBytesPerEvent, 'table bytes per event'),
    aggregationEventsPerSecond: required(measured.aggregationEventsPerSecond, 'aggregation throughput'),
    ...DEPLOYED,
  };
  const basis = `100 M events/month, 10 events/request, 400 days kept; measured: ${complete.collectorMsPerRequest.toFixed(0)} ms/request, ${complete.s3PutsPerRequest.toFixed(2)} PUTs and ${complete.dynamoWriteUnitsPerRequest.toFixed(2)} WRU/request, ${complete.archiveBytesPerEvent.toFixed(0)} B archived/event`;
  return (['direct', 'firehose'] as const).flatMap((mode) => {
    const report = monthlyCost(TARGET_WORKLOAD, complete, { mode });
    return [
      {
        figure: `cost per million events (${mode})`,
        value: report.perMillionEvents,
        unit: '$',
        target: '≤ 0.30',
        how: `${basis}; $${report.monthly.toFixed(2)}/month, idle $${report.idleMonthly.toFixed(2)} (storage only)`,
      },
    ];
  });
}

function required(value: number | undefined, what: string): number {
  if (value === undefined || !Number.isFinite(value))
    throw new Error(`the cost model needs the measured ${what}`);
  return value;
}
