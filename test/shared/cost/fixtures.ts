/** The hand-checked workload and measurements both cost-model test files price. */
import type { Measured, Workload } from '../../../shared/cost/model';

export const workload: Workload = {
  eventsPerMonth: 100_000_000,
  eventsPerRequest: 10,
  eventBytes: 500,
  retentionDays: 30,
  // Longer than the archive: capped at its 30 days.
  journeyRetentionDays: 90,
  sites: 1,
};

export const measured: Measured = {
  collectorHandlerMsPerRequest: 40,
  collectorMemoryMb: 512,
  s3PutsPerRequest: 1,
  dynamoWriteUnitsPerRequest: 1,
  archiveBytesPerEvent: 100,
  tableBytesPerEvent: 50,
  partialBuildEventsPerSecond: 50_000,
  aggregationEventsPerSecond: 100_000,
  linkLookupsPerEvent: 0.1,
  partialBytesPerEvent: 40,
  actorIndexBytesPerEvent: 2,
  aggregatorMemoryMb: 2048,
  logBytesPerRequest: 0,
};
