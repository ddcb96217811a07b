/** The cost model fed with what this benchmark run measured (bench/collector.ts, bench/aggregation.ts). */
import {
  completeMeasured,
  DEPLOYED,
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

/** A site that keeps journey items 90 days (`journeyRetentionDays: 90`), the archive still 400. */
const SHORT_JOURNEYS_DAYS = 90;

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
  const variants = [
    { label: 'direct', mode: 'direct', workload: TARGET_WORKLOAD, journeys: 'journeys as long' },
    { label: 'firehose', mode: 'firehose', workload: TARGET_WORKLOAD, journeys: 'journeys as long' },
    {
      label: `firehose, journeys ${SHORT_JOURNEYS_DAYS} days`,
      mode: 'firehose',
      workload: { ...TARGET_WORKLOAD, journeyRetentionDays: SHORT_JOURNEYS_DAYS },
      journeys: `journeyRetentionDays ${SHORT_JOURNEYS_DAYS}`,
    },
    {
      label: `firehose, function URL, journeys ${SHORT_JOURNEYS_DAYS} days`,
      mode: 'firehose',
      frontDoor: 'function-url',
      workload: { ...TARGET_WORKLOAD, journeyRetentionDays: SHORT_JOURNEYS_DAYS },
      journeys: `journeyRetentionDays ${SHORT_JOURNEYS_DAYS}, tracking at the collector's function URL (-c trackingFunctionUrl=true)`,
    },
  ] as const;
  return variants.map((variant) => {
    const { label, mode, workload, journeys } = variant;
    const frontDoor = 'frontDoor' in variant ? variant.frontDoor : DEPLOYED.frontDoor;
    const report = monthlyCost(workload, complete, { mode, frontDoor });
    return {
      figure: `cost per million events (${label})`,
      value: report.perMillionEvents,
      unit: '$',
      target: '≤ 0.30',
      how: `${basis}, ${journeys}; $${report.monthly.toFixed(2)}/month; idle $${report.idleMonthly.toFixed(2)} ($${report.idleFixedMonthly.toFixed(2)} fixed + $${report.idleStorageMonthly.toFixed(2)} storage)`,
    };
  });
}
