/**
 * What Roxtrail costs on AWS per month, from the per-request counts the benchmark measured (cost of
 * storage is steady state: a full retention period of data).
 */
import { PRICES, type Prices } from './prices';

export interface Workload {
  eventsPerMonth: number;
  eventsPerRequest: number;
  /** Average size of one event as sent, in bytes. */
  eventBytes: number;
  retentionDays: number;
  sites: number;
}

/** Figures the benchmark measures; the model never assumes them. */
export interface Measured {
  /** Billed collector duration per request (ms) and its memory size (MB). */
  collectorMsPerRequest: number;
  collectorMemoryMb: number;
  /** Archive objects written per request in direct mode (≈ partitions a request spans). */
  s3PutsPerRequest: number;
  dynamoWriteUnitsPerRequest: number;
  /** Gzip NDJSON bytes stored per event. */
  archiveBytesPerEvent: number;
  /** DynamoDB bytes per event held for the retention period (journey entries, links). */
  tableBytesPerEvent: number;
  /** Aggregation throughput (events/s) at `aggregatorMemoryMb`. */
  aggregationEventsPerSecond: number;
  aggregatorMemoryMb: number;
  /** Bytes of CloudWatch logs per collector request (platform + application). */
  logBytesPerRequest: number;
}

export type ArchiveMode = 'direct' | 'firehose';

export interface CostOptions {
  mode: ArchiveMode;
  /** Hourly runs re-read today and yesterday (with their look-ahead and look-behind days). */
  aggregationRunsPerDay: number;
  /** Objects per site and hour that a run reads once compaction has merged settled hours. */
  objectsPerHourAfterCompaction: number;
  /** Firehose buffer size (bytes) before an object is delivered. */
  firehoseBufferBytes: number;
  /**
   * Firehose buffer age (s) before an object is delivered: each active hour partition of a site gets
   * at least 3600 / this many objects (infra/cdk/constructs/firehose-archive.ts: 300).
   */
  firehoseBufferSeconds: number;
  /** Firehose JQ processing hours per GB partitioned (AWS publishes no rate; an estimate). */
  firehoseJqHoursPerGb: number;
}

export const DEFAULT_COST_OPTIONS: CostOptions = {
  mode: 'direct',
  aggregationRunsPerDay: 24,
  objectsPerHourAfterCompaction: 2,
  firehoseBufferBytes: 64 * 1024 * 1024,
  firehoseBufferSeconds: 300,
  firehoseJqHoursPerGb: 0.01,
};

export interface CostLine {
  item: string;
  monthly: number;
  /** The quantity billed, in words. */
  basis: string;
}

export interface CostReport {
  mode: ArchiveMode;
  lines: CostLine[];
  monthly: number;
  perMillionEvents: number;
  /** What is billed with no traffic at all: storage of what is already kept. */
  idleMonthly: number;
}

const GB = 1024 ** 3;
/**
 * Days of events one scheduled run reads: today (D−1 and half of D on average) and yesterday (D−2,
 * D−1 and half of D).
 */
export const READ_DAYS_PER_RUN = 4;
const DAYS_PER_MONTH = 30;
/** `,"dt":"YYYY-MM-DD","hh":"HH"`: the partition fields each line carries in firehose mode (archive-sink.ts). */
export const FIREHOSE_PARTITION_FIELD_BYTES = 28;
/** Lines one Firehose record holds at most: de-aggregation stops at 500 (archive-sink.ts splits there). */
const FIREHOSE_LINES_PER_RECORD = 500;

export function monthlyCost(
  workload: Workload,
  measured: Measured,
  options: Partial<CostOptions> = {},
  prices: Prices = PRICES,
): CostReport {
  const o = { ...DEFAULT_COST_OPTIONS, ...options };
  const requests = workload.eventsPerMonth / workload.eventsPerRequest;
  const lines: CostLine[] = [];
  const add = (item: string, monthly: number, basis: string) => lines.push({ item, monthly, basis });

  add('API Gateway HTTP API', (requests / 1e6) * prices.httpApiPerMillion, `${fmt(requests)} requests`);
  const collectorGbSeconds =
    requests * (measured.collectorMsPerRequest / 1000) * (measured.collectorMemoryMb / 1024);
  add(
    'Lambda collector',
    (requests / 1e6) * prices.lambdaRequestsPerMillion + collectorGbSeconds * prices.lambdaArmPerGbSecond,
    `${fmt(requests)} invocations, ${fmt(collectorGbSeconds)} GB-s`,
  );

  const rawBytes = workload.eventsPerMonth * workload.eventBytes;
  let objectsPerDayPerSite: number;
  if (o.mode === 'direct') {
    const puts = requests * measured.s3PutsPerRequest;
    add('S3 PUT (archive)', (puts / 1000) * prices.s3PutPerThousand, `${fmt(puts)} PUTs`);
    objectsPerDayPerSite = puts / DAYS_PER_MONTH / workload.sites;
  } else {
    // One record per request partition, split past 500 lines; each line gains the dt/hh fields.
    const records =
      requests *
      Math.max(measured.s3PutsPerRequest, Math.ceil(workload.eventsPerRequest / FIREHOSE_LINES_PER_RECORD));
    const firehoseBytes = rawBytes + workload.eventsPerMonth * FIREHOSE_PARTITION_FIELD_BYTES;
    const recordBytes = firehoseBytes / records;
    const billedBytes =
      records *
      Math.ceil(recordBytes / prices.firehoseRecordRoundingBytes) *
      prices.firehoseRecordRoundingBytes;
    add(
      'Firehose ingestion',
      (billedBytes / GB) * prices.firehosePerGb,
      `${fmt(records)} records, ${fmt(billedBytes / GB)} GB after 5 KB rounding`,
    );
    // Each site-local hour is a partition with its own buffer, written at least every buffer interval.
    const hourlyObjects =
      workload.sites * 24 * DAYS_PER_MONTH * Math.ceil(3600 / Math.max(1, o.firehoseBufferSeconds));
    const objects = Math.max(hourlyObjects, firehoseBytes / o.firehoseBufferBytes);
    add(
      'Firehose dynamic partitioning',
      (firehoseBytes / GB) * prices.firehosePartitioningPerGb +
        (objects / 1000) * prices.firehoseObjectsPerThousand +
        (firehoseBytes / GB) * o.firehoseJqHoursPerGb * prices.firehoseJqPerHour,
      `${fmt(firehoseBytes / GB)} GB, ${fmt(objects)} objects`,
    );
    objectsPerDayPerSite = objects / DAYS_PER_MONTH / workload.sites;
  }

  // Settled hours are compacted, so a day holds at most ~24 × objectsPerHourAfterCompaction objects.
  const objectsPerDayRead = Math.min(objectsPerDayPerSite, 24 * o.objectsPerHourAfterCompaction);
  const gets =
    workload.sites * o.aggregationRunsPerDay * DAYS_PER_MONTH * READ_DAYS_PER_RUN * objectsPerDayRead;
  add('S3 GET (aggregation)', (gets / 1000) * prices.s3GetPerThousand, `${fmt(gets)} GETs`);

  const eventsAggregatedPerMonth = workload.eventsPerMonth * o.aggregationRunsPerDay * READ_DAYS_PER_RUN;
  const aggregatorGbSeconds =
    (eventsAggregatedPerMonth / measured.aggregationEventsPerSecond) * (measured.aggregatorMemoryMb / 1024);
  add(
    'Lambda aggregator',
    aggregatorGbSeconds * prices.lambdaArmPerGbSecond,
    `${fmt(aggregatorGbSeconds)} GB-s`,
  );

  const writeUnits = requests * measured.dynamoWriteUnitsPerRequest;
  add('DynamoDB writes', (writeUnits / 1e6) * prices.dynamoWritePerMillion, `${fmt(writeUnits)} WRU`);

  const monthsKept = workload.retentionDays / DAYS_PER_MONTH;
  const archiveGb = (workload.eventsPerMonth * measured.archiveBytesPerEvent * monthsKept) / GB;
  const tableGb = (workload.eventsPerMonth * measured.tableBytesPerEvent * monthsKept) / GB;
  add('S3 storage (archive)', archiveGb * prices.s3StoragePerGbMonth, `${fmt(archiveGb)} GB kept`);
  add('DynamoDB storage', tableGb * prices.dynamoStoragePerGbMonth, `${fmt(tableGb)} GB kept`);

  const logGb = (requests * measured.logBytesPerRequest) / GB;
  add('CloudWatch logs', logGb * prices.cloudwatchLogsIngestPerGb, `${fmt(logGb)} GB ingested`);
  const schedules = workload.sites === 0 ? 0 : o.aggregationRunsPerDay * DAYS_PER_MONTH;
  add(
    'EventBridge Scheduler',
    (schedules / 1e6) * prices.schedulerPerMillion,
    `${fmt(schedules)} invocations`,
  );
  add('SNS alerts', 0, 'a few publishes a day: within the free tier');

  const monthly = lines.reduce((sum, line) => sum + line.monthly, 0);
  const idleMonthly = archiveGb * prices.s3StoragePerGbMonth + tableGb * prices.dynamoStoragePerGbMonth;
  return {
    mode: o.mode,
    lines,
    monthly,
    perMillionEvents: workload.eventsPerMonth > 0 ? monthly / (workload.eventsPerMonth / 1e6) : 0,
    idleMonthly,
  };
}

function fmt(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}
