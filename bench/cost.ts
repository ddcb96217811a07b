/** The cost model fed with what this benchmark run measured (bench/collector.ts, bench/aggregation.ts). */
import {
  type CostOptions,
  completeMeasured,
  type Measured,
  missingMeasurements,
  monthlyCost,
  type Workload,
} from '../shared/cost/model';
import type { BenchRow } from './table';

export const TARGET_WORKLOAD: Workload = {
  eventsPerMonth: 100_000_000,
  eventsPerRequest: 10,
  eventBytes: 550,
  retentionDays: 400,
  sites: 1,
};

export function benchCost(measured: Partial<Measured>): BenchRow[] {
  // A benchmark that did not measure something must not cost the whole run its results.json.
  const missing = missingMeasurements(measured);
  if (missing.length > 0) {
    return [
      {
        figure: 'cost per million events',
        value: Number.NaN,
        unit: '$',
        target: '≤ 0.30',
        how: `not priced: this run did not measure ${missing.join(', ')}`,
      },
    ];
  }
  // Memory sizes are the CDK defaults (DEPLOYED), not measurements.
  const complete = completeMeasured(measured);
  const basis = `100 M events/month, 10 events/request, archive kept ${TARGET_WORKLOAD.retentionDays} days; measured: handler ${complete.collectorHandlerMsPerRequest.toFixed(1)} ms/request, ${complete.s3PutsPerRequest.toFixed(2)} PUTs and ${complete.dynamoWriteUnitsPerRequest.toFixed(2)} WRU/request, ${complete.archiveBytesPerEvent.toFixed(0)} B archived/event, ${complete.linkLookupsPerEvent.toFixed(2)} link look-ups/event`;
  const journeysAsLong = { ...TARGET_WORKLOAD, journeyRetentionDays: TARGET_WORKLOAD.retentionDays };
  const variants: { label: string; how: string; workload: Workload; options: Partial<CostOptions> }[] = [
    {
      label: 'as deployed',
      how: 'Firehose archive, tracking at the function URL, journey items kept 90 days',
      workload: TARGET_WORKLOAD,
      options: {},
    },
    {
      label: 'tracking through the HTTP API',
      how: '-c trackingFunctionUrl=false',
      workload: TARGET_WORKLOAD,
      options: { frontDoor: 'http-api' },
    },
    {
      label: `journeys kept ${TARGET_WORKLOAD.retentionDays} days`,
      how: `sites with journeyRetentionDays ${TARGET_WORKLOAD.retentionDays}`,
      workload: journeysAsLong,
      options: {},
    },
    { label: 'direct', how: '-c archiveMode=direct', workload: TARGET_WORKLOAD, options: { mode: 'direct' } },
  ];
  return variants.map(({ label, how, workload, options }) => {
    const report = monthlyCost(workload, complete, options);
    return {
      figure: `cost per million events (${label})`,
      value: report.perMillionEvents,
      unit: '$',
      // The target is the stack's as deployed; the other rows say what each setting costs.
      target: label === 'as deployed' ? '≤ 0.30' : undefined,
      how: `${basis}; ${how}; $${report.monthly.toFixed(2)}/month; idle $${report.idleMonthly.toFixed(2)} ($${report.idleFixedMonthly.toFixed(2)} fixed + $${report.idleStorageMonthly.toFixed(2)} storage)`,
    };
  });
}
