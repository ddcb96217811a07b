/**
 * What Roxtrail costs on AWS per month, from the per-request counts the benchmark measured and the
 * settings the CDK app deploys. Storage is priced in steady state: a full retention period of data.
 */
import { type ArchiveMode, DEPLOYED, type FrontDoor, type TableClass } from '../config/deploy-defaults';
import { journeyRetentionDaysOf } from '../config/site';
import { PRICES, type Prices } from './prices';

export interface Workload {
  eventsPerMonth: number;
  eventsPerRequest: number;
  /** Average size of one event as sent, in bytes. */
  eventBytes: number;
  /** Days the archive keeps events. */
  retentionDays: number;
  /** Days journey items stay in the table (site config `journeyRetentionDays`, capped by `retentionDays`); unset: its default, 90. */
  journeyRetentionDays?: number;
  sites: number;
}

/** Figures the benchmark measures (bench/collector.ts, bench/aggregation.ts); the model never assumes them. */
export interface Measured {
  /**
   * Collector handler wall time per request (ms), storage calls answered by the local stores: the base
   * of the billed duration.
   */
  collectorHandlerMsPerRequest: number;
  /**
   * Collector CPU time per request (ms) on one full core, AWS SDK included. Lambda gives a function a
   * share of a vCPU in proportion to its memory, so below 1,769 MB this CPU time stretches; without
   * the figure the model bills the handler time as measured.
   */
  collectorCpuMsPerRequest?: number;
  /** Local end-to-end p50 (HTTP adapter, handler, s3rver, dynalite): recorded by the bench, not billed. */
  collectorMsPerRequest?: number;
  /** Deployment setting, not a measurement: DEPLOYED.collectorMemoryMb unless asked otherwise. */
  collectorMemoryMb: number;
  /** Archive objects written per request in direct mode (≈ partitions a request spans). */
  s3PutsPerRequest: number;
  dynamoWriteUnitsPerRequest: number;
  /** Gzip NDJSON bytes stored per event. */
  archiveBytesPerEvent: number;
  /** DynamoDB item bytes per event held for the retention period (journey entries, links), without DynamoDB's per-item overhead. */
  tableBytesPerEvent: number;
  /** Building hour partials: raw gzip NDJSON → partial, events per second at `aggregatorMemoryMb`. */
  partialBuildEventsPerSecond: number;
  /** Merging cached partials and computing the figures, per event in the window, events per second. */
  aggregationEventsPerSecond: number;
  /**
   * Distinct anonymous ids looked up (BatchGetItem, eventually consistent: 0.5 RRU a key, found or not)
   * per event, by the first run over a day; later runs take the answers from the day's link snapshot
   * and look up only ids they have not met.
   */
  linkLookupsPerEvent: number;
  /** Gzip partial bytes stored per event. */
  partialBytesPerEvent: number;
  /** Bytes of a day's actor index (indexes/, kept with the archive) per event of the day. */
  actorIndexBytesPerEvent: number;
  /** Deployment setting, not a measurement: DEPLOYED.aggregatorMemoryMb unless asked otherwise. */
  aggregatorMemoryMb: number;
  /** Application log bytes the collector writes per request; Lambda's own START/END/REPORT lines are added by the model. */
  logBytesPerRequest: number;
}

/** Alarms the stack adds with the collector's function URL (its 5xx answers). */
export const FUNCTION_URL_ALARMS = 1;

export interface CostOptions {
  mode: ArchiveMode;
  frontDoor: FrontDoor;
  tableClass: TableClass;
  pointInTimeRecovery: boolean;
  collectorTraced: boolean;
  /** Whether Lambda writes its START/REPORT lines for each collector invocation. */
  collectorPlatformLogs: boolean;
  logRetentionDays: number;
  alarms: number;
  dashboards: number;
  kmsKeys: number;
  /**
   * CloudWatch's free alarms and dashboards left in the account for this stack (AWS gives 10 and 3 per
   * account; 0 when other workloads use them up). The model counts no other free tier.
   */
  freeAlarms: number;
  freeDashboards: number;
  infrequentAccessAfterDays: number;
  glacierInstantRetrievalAfterDays: number;
  noncurrentVersionDays: number;
  partialExpirationDays: number;
  partialNoncurrentDays: number;
  accessLogDays: number;
  /** Scheduled aggregator runs a day (hourly). */
  aggregationRunsPerDay: number;
  /**
   * Times each event is built into a partial: its hour's partial while the hour is in progress, and
   * once after (late objects and compaction); partials are reused while their objects do not change.
   */
  partialBuildsPerEvent: number;
  /** Objects per site and hour once compaction has merged a settled hour (the merged one, plus late arrivals). */
  objectsPerHourAfterCompaction: number;
  firehoseBufferBytes: number;
  /**
   * Firehose buffer age (s) before an object is delivered: each active hour partition of a site gets
   * at least 3600 / this many objects.
   */
  firehoseBufferSeconds: number;
  /** Firehose JQ processing hours per GB partitioned (AWS publishes no rate; an estimate). */
  firehoseJqHoursPerGb: number;
}

export const DEFAULT_COST_OPTIONS: CostOptions = {
  mode: DEPLOYED.archiveMode,
  frontDoor: DEPLOYED.frontDoor,
  tableClass: DEPLOYED.tableClass,
  pointInTimeRecovery: DEPLOYED.pointInTimeRecovery,
  collectorTraced: DEPLOYED.collectorTraced,
  collectorPlatformLogs: DEPLOYED.collectorPlatformLogs,
  logRetentionDays: DEPLOYED.logRetentionDays,
  alarms: DEPLOYED.alarms,
  dashboards: DEPLOYED.dashboards,
  kmsKeys: DEPLOYED.kmsKeys,
  freeAlarms: PRICES.cloudwatchFreeAlarms,
  freeDashboards: PRICES.cloudwatchFreeDashboards,
  infrequentAccessAfterDays: DEPLOYED.infrequentAccessAfterDays,
  glacierInstantRetrievalAfterDays: DEPLOYED.glacierInstantRetrievalAfterDays,
  noncurrentVersionDays: DEPLOYED.noncurrentVersionDays,
  partialExpirationDays: DEPLOYED.partialExpirationDays,
  partialNoncurrentDays: DEPLOYED.partialNoncurrentDays,
  accessLogDays: DEPLOYED.accessLogDays,
  aggregationRunsPerDay: 24,
  partialBuildsPerEvent: 2,
  objectsPerHourAfterCompaction: 2,
  firehoseBufferBytes: DEPLOYED.firehoseBufferBytes,
  firehoseBufferSeconds: DEPLOYED.firehoseBufferSeconds,
  firehoseJqHoursPerGb: 0.01,
};

/** What the bench must have measured before the model can price anything. */
export const REQUIRED_MEASUREMENTS = [
  'collectorHandlerMsPerRequest',
  's3PutsPerRequest',
  'dynamoWriteUnitsPerRequest',
  'archiveBytesPerEvent',
  'tableBytesPerEvent',
  'partialBuildEventsPerSecond',
  'aggregationEventsPerSecond',
  'linkLookupsPerEvent',
  'partialBytesPerEvent',
  'actorIndexBytesPerEvent',
  'logBytesPerRequest',
] as const satisfies readonly (keyof Measured)[];

type RequiredMeasurement = (typeof REQUIRED_MEASUREMENTS)[number];

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** The required measurements that `values` (bench/results.json's `measured`, say) lacks. */
export function missingMeasurements(values: Readonly<Record<string, unknown>>): RequiredMeasurement[] {
  return REQUIRED_MEASUREMENTS.filter((key) => !isFiniteNumber(values[key]));
}

/**
 * The measurements with the deployed memory sizes (unless given): throws when one the model needs is
 * missing, naming them all.
 */
export function completeMeasured(values: Readonly<Record<string, unknown>>): Measured {
  const missing = missingMeasurements(values);
  if (missing.length > 0) throw new Error(`the cost model needs the measured ${missing.join(', ')}`);
  const get = (key: RequiredMeasurement): number => {
    const value = values[key];
    return isFiniteNumber(value) ? value : Number.NaN;
  };
  const optional = (key: keyof Measured): number | undefined => {
    const value = values[key];
    return isFiniteNumber(value) ? value : undefined;
  };
  return {
    collectorHandlerMsPerRequest: get('collectorHandlerMsPerRequest'),
    collectorCpuMsPerRequest: optional('collectorCpuMsPerRequest'),
    collectorMsPerRequest: optional('collectorMsPerRequest'),
    collectorMemoryMb: optional('collectorMemoryMb') ?? DEPLOYED.collectorMemoryMb,
    s3PutsPerRequest: get('s3PutsPerRequest'),
    dynamoWriteUnitsPerRequest: get('dynamoWriteUnitsPerRequest'),
    archiveBytesPerEvent: get('archiveBytesPerEvent'),
    tableBytesPerEvent: get('tableBytesPerEvent'),
    partialBuildEventsPerSecond: get('partialBuildEventsPerSecond'),
    aggregationEventsPerSecond: get('aggregationEventsPerSecond'),
    linkLookupsPerEvent: get('linkLookupsPerEvent'),
    partialBytesPerEvent: get('partialBytesPerEvent'),
    actorIndexBytesPerEvent: get('actorIndexBytesPerEvent'),
    aggregatorMemoryMb: optional('aggregatorMemoryMb') ?? DEPLOYED.aggregatorMemoryMb,
    logBytesPerRequest: get('logBytesPerRequest'),
  };
}

/** `usage` grows with traffic, `fixed` is billed with none, `storage` with none once data is kept. */
export type CostKind = 'usage' | 'fixed' | 'storage';

export interface CostLine {
  item: string;
  monthly: number;
  /** The quantity billed, in words. */
  basis: string;
  kind: CostKind;
}

export interface CostReport {
  mode: ArchiveMode;
  frontDoor: FrontDoor;
  tableClass: TableClass;
  lines: CostLine[];
  monthly: number;
  perMillionEvents: number;
  /** Billed in a month without traffic: `idleFixedMonthly` + `idleStorageMonthly`. */
  idleMonthly: number;
  /** Everything but storage, at zero events: resources billed by the month and the hourly runs. */
  idleFixedMonthly: number;
  /** Storage of what the workload keeps (its steady state), which stays billed without traffic. */
  idleStorageMonthly: number;
}

const GB = 1024 ** 3;
const DAYS_PER_MONTH = 30;
const SECONDS_PER_MONTH = DAYS_PER_MONTH * 86_400;
/**
 * Days of events one scheduled run merges: it computes today (window today and tomorrow: today so far,
 * half a day on average; tomorrow is empty) and yesterday (window yesterday and today: 1 + 0.5 days).
 */
export const MERGED_DAYS_PER_RUN = 2;
/** Hour partials one run reads: 24 for each day merged. */
export const PARTIALS_READ_PER_RUN = 24 * MERGED_DAYS_PER_RUN;
/** LIST calls a run makes per site at least: events/ and partials/ of yesterday, today and tomorrow. */
export const LIST_PREFIXES_PER_RUN = 6;
/** Hours of a site whose raw objects a run lists: compaction waits 2 settled hours, plus the current one. */
const UNSETTLED_HOURS = 3;
/** `,"dt":"YYYY-MM-DD","hh":"HH"`: the partition fields each line carries in firehose mode (archive-sink.ts). */
export const FIREHOSE_PARTITION_FIELD_BYTES = 28;
/** A Firehose record holds at most 500 lines (de-aggregation) and 1,000 KiB: archive-sink.ts splits there. */
export const FIREHOSE_LINES_PER_RECORD = 500;
export const FIREHOSE_RECORD_BYTES = 1_000 * 1024;
/**
 * Lambda's START, END and REPORT lines per invocation, in its text log format
 * (docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html): a fixed format of about
 * 300 bytes with the request id, durations and memory.
 */
export const LAMBDA_PLATFORM_LOG_BYTES = 300;
/**
 * One API access-log line in IngestApi's JSON format with typical values (test/infra checks a rendered
 * line against it).
 */
export const API_ACCESS_LOG_BYTES = 230;
/**
 * One S3 server access-log record (docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html): AWS's
 * fixed fields (owner id, request and host ids, requester ARN, user agent, TLS details) and our keys.
 */
export const S3_ACCESS_LOG_RECORD_BYTES = 800;
/** S3 lifecycle skips objects under 128 KB by default: they stay in S3 Standard. */
export const S3_MIN_TRANSITION_BYTES = 128 * 1024;
/** Lambda gives a function one vCPU at 1,769 MB, and a proportional share below (Lambda docs, "memory"). */
export const LAMBDA_MB_PER_VCPU = 1769;
/** Lambda's fixed X-Ray sampling: the first request each second and 5% of the others. */
const XRAY_RESERVOIR_PER_SECOND = 1;
const XRAY_FIXED_RATE = 0.05;

export function monthlyCost(
  workload: Workload,
  measured: Measured,
  options: Partial<CostOptions> = {},
  prices: Prices = PRICES,
): CostReport {
  const o = { ...DEFAULT_COST_OPTIONS, ...options };
  const lines = costLines(workload, measured, o, prices);
  const idle = costLines({ ...workload, eventsPerMonth: 0 }, measured, o, prices);
  const monthly = sum(lines);
  const idleFixedMonthly = sum(idle.filter((line) => line.kind !== 'storage'));
  const idleStorageMonthly = sum(lines.filter((line) => line.kind === 'storage'));
  return {
    mode: o.mode,
    frontDoor: o.frontDoor,
    tableClass: o.tableClass,
    lines,
    monthly,
    perMillionEvents: workload.eventsPerMonth > 0 ? monthly / (workload.eventsPerMonth / 1e6) : 0,
    idleMonthly: idleFixedMonthly + idleStorageMonthly,
    idleFixedMonthly,
    idleStorageMonthly,
  };
}

/** A collector request's billed duration: below one vCPU the same CPU work takes longer. */
function collectorBilledMs(measured: Measured): number {
  const cpuStretchMs =
    (measured.collectorCpuMsPerRequest ?? 0) *
    Math.max(0, LAMBDA_MB_PER_VCPU / measured.collectorMemoryMb - 1);
  return Math.ceil(measured.collectorHandlerMsPerRequest + cpuStretchMs);
}

/** How far above its monthly average a shop's busiest second is taken to run (evening and sale peaks). */
export const PEAK_TO_AVERAGE = 10;

/**
 * What the collector's reserved concurrency lets through: requests a second it can answer at the
 * measured duration, beside the workload's average (a month's requests over 30 days) and the
 * concurrency its peaks need (PEAK_TO_AVERAGE times the average, at the measured duration).
 */
export function collectorCapacity(
  workload: Workload,
  measured: Measured,
  concurrency: number = DEPLOYED.collectorReservedConcurrency,
): {
  concurrency: number;
  requestsPerSecond: number;
  averageRequestsPerSecond: number;
  peakConcurrencyNeeded: number;
} {
  const billedSeconds = collectorBilledMs(measured) / 1000;
  const averageRequestsPerSecond = workload.eventsPerMonth / workload.eventsPerRequest / (30 * 86_400);
  return {
    concurrency,
    requestsPerSecond: Math.floor(concurrency / billedSeconds),
    averageRequestsPerSecond,
    peakConcurrencyNeeded: Math.ceil(averageRequestsPerSecond * PEAK_TO_AVERAGE * billedSeconds),
  };
}

function costLines(workload: Workload, measured: Measured, o: CostOptions, prices: Prices): CostLine[] {
  const events = workload.eventsPerMonth;
  const requests = events / workload.eventsPerRequest;
  const lines: CostLine[] = [];
  const add = (item: string, monthly: number, basis: string, kind: CostKind = 'usage') =>
    lines.push({ item, monthly, basis, kind });
  const partitionHours = events > 0 ? workload.sites * 24 * DAYS_PER_MONTH : 0;
  const runs = o.aggregationRunsPerDay * DAYS_PER_MONTH;

  // A function URL costs nothing beyond the invocation (billed with the collector below); the API's
  // other requests (queries, site admin) are a few a day.
  const viaApi = o.frontDoor === 'http-api';
  add(
    'API Gateway HTTP API',
    viaApi ? (requests / 1e6) * prices.httpApiPerMillion : 0,
    viaApi ? `${fmt(requests)} requests` : "none: tracking at the collector's function URL",
  );

  const billedMs = collectorBilledMs(measured);
  const collectorGbSeconds = requests * (billedMs / 1000) * (measured.collectorMemoryMb / 1024);
  add(
    'Lambda collector',
    (requests / 1e6) * prices.lambdaRequestsPerMillion + collectorGbSeconds * prices.lambdaArmPerGbSecond,
    `${fmt(requests)} invocations × ${billedMs} ms at ${measured.collectorMemoryMb} MB: ${fmt(collectorGbSeconds)} GB-s`,
  );

  // Archive objects as written (direct: per request partition; firehose: per buffer), before compaction.
  let rawObjects: number;
  let archivePuts: string;
  if (o.mode === 'direct') {
    rawObjects = requests * measured.s3PutsPerRequest;
    archivePuts = `${fmt(rawObjects)} archive objects`;
  } else {
    const lineBytes = workload.eventBytes + FIREHOSE_PARTITION_FIELD_BYTES;
    // One record per request partition, split as archive-sink.ts splits: past 500 lines or 1,000 KiB.
    const recordsPerRequest = Math.max(
      measured.s3PutsPerRequest,
      Math.ceil(workload.eventsPerRequest / FIREHOSE_LINES_PER_RECORD),
      Math.ceil((workload.eventsPerRequest * lineBytes) / FIREHOSE_RECORD_BYTES),
    );
    const records = requests * recordsPerRequest;
    const firehoseBytes = events * lineBytes;
    const billedBytes =
      records > 0
        ? records *
          Math.ceil(firehoseBytes / records / prices.firehoseRecordRoundingBytes) *
          prices.firehoseRecordRoundingBytes
        : 0;
    add(
      'Firehose ingestion',
      (billedBytes / GB) * prices.firehosePerGb,
      `${fmt(records)} records, ${fmt(billedBytes / GB)} GB after 5 KB rounding`,
    );
    // Each site-local hour is a partition with its own buffer, written at least every buffer interval.
    const intervalObjects = partitionHours * Math.ceil(3600 / Math.max(1, o.firehoseBufferSeconds));
    rawObjects = Math.max(intervalObjects, firehoseBytes / o.firehoseBufferBytes);
    add(
      'Firehose dynamic partitioning',
      (firehoseBytes / GB) * prices.firehosePartitioningPerGb +
        (rawObjects / 1000) * prices.firehoseObjectsPerThousand +
        (firehoseBytes / GB) * o.firehoseJqHoursPerGb * prices.firehoseJqPerHour,
      `${fmt(firehoseBytes / GB)} GB, ${fmt(rawObjects)} objects`,
    );
    archivePuts = `${fmt(rawObjects)} Firehose deliveries`;
  }

  // A settled hour's objects are merged into one (shared/app/aggregate/compact.ts).
  const rawObjectsPerHour = partitionHours > 0 ? rawObjects / partitionHours : 0;
  const compactionPuts = rawObjectsPerHour > 1 ? partitionHours : 0;
  const partialPuts = partitionHours * o.partialBuildsPerEvent;
  // Each run writes the actor index of each day it computes.
  const indexPuts = events > 0 ? workload.sites * runs * MERGED_DAYS_PER_RUN : 0;
  const listCalls =
    workload.sites *
    runs *
    (LIST_PREFIXES_PER_RUN + Math.ceil((2 * UNSETTLED_HOURS * rawObjectsPerHour) / 1000));
  const puts = rawObjects + compactionPuts + partialPuts + indexPuts + listCalls;
  add(
    'S3 PUT and LIST',
    (puts / 1000) * prices.s3PutPerThousand,
    `${archivePuts}, ${fmt(compactionPuts)} compactions, ${fmt(partialPuts)} partials, ${fmt(indexPuts)} actor indexes, ${fmt(listCalls)} LISTs`,
  );

  // Each build reads the partition's objects as they are then; every run reads the partials it merges.
  const rawGets = rawObjects * o.partialBuildsPerEvent;
  const partialGets = partitionHours > 0 ? workload.sites * runs * PARTIALS_READ_PER_RUN : 0;
  add(
    'S3 GET (aggregation)',
    ((rawGets + partialGets) / 1000) * prices.s3GetPerThousand,
    `${fmt(rawGets)} archive objects, ${fmt(partialGets)} partials`,
  );

  const eventsBuilt = events * o.partialBuildsPerEvent;
  const eventsMerged = events * o.aggregationRunsPerDay * MERGED_DAYS_PER_RUN;
  const aggregatorSeconds =
    eventsBuilt / measured.partialBuildEventsPerSecond + eventsMerged / measured.aggregationEventsPerSecond;
  const aggregatorGbSeconds = aggregatorSeconds * (measured.aggregatorMemoryMb / 1024);
  add(
    'Lambda aggregator',
    (runs / 1e6) * prices.lambdaRequestsPerMillion + aggregatorGbSeconds * prices.lambdaArmPerGbSecond,
    `${fmt(runs)} runs; ${fmt(eventsBuilt)} events built, ${fmt(eventsMerged)} merged: ${fmt(aggregatorGbSeconds)} GB-s`,
  );

  const ia = o.tableClass === 'standard-ia';
  const writeUnits = requests * measured.dynamoWriteUnitsPerRequest;
  add(
    'DynamoDB writes',
    (writeUnits / 1e6) * (ia ? prices.dynamoIaWritePerMillion : prices.dynamoWritePerMillion),
    `${fmt(writeUnits)} WRU, ${o.tableClass}`,
  );
  const keysLookedUp = events * measured.linkLookupsPerEvent;
  const readUnits = keysLookedUp * 0.5;
  add(
    'DynamoDB reads (identity links)',
    (readUnits / 1e6) * (ia ? prices.dynamoIaReadPerMillion : prices.dynamoReadPerMillion),
    `${fmt(keysLookedUp)} keys looked up (each anonymous id once a day): ${fmt(readUnits)} RRU`,
  );

  const platformBytes = ((o.collectorPlatformLogs ? requests : 0) + runs) * LAMBDA_PLATFORM_LOG_BYTES;
  const accessLogBytes = viaApi ? API_ACCESS_LOG_BYTES : 0;
  const logBytes = requests * (measured.logBytesPerRequest + accessLogBytes) + platformBytes;
  add(
    'CloudWatch Logs ingestion',
    (logBytes / GB) * prices.cloudwatchLogsIngestPerGb,
    `${fmt(logBytes / GB)} GB: ${fmt(measured.logBytesPerRequest)} B application, ${accessLogBytes} B access log${o.collectorPlatformLogs ? `, ${LAMBDA_PLATFORM_LOG_BYTES} B Lambda lines` : ''} a request`,
  );

  const tracedCollector = o.collectorTraced ? xraySampled(requests) : 0;
  const traces = tracedCollector + xraySampled(runs);
  add(
    'X-Ray traces',
    (traces / 1e6) * prices.xrayTracesPerMillion,
    `${fmt(traces)} traces (${o.collectorTraced ? `collector sampled: ${fmt(tracedCollector)}` : 'collector untraced'})`,
  );
  add('EventBridge Scheduler', (runs / 1e6) * prices.schedulerPerMillion, `${fmt(runs)} invocations`);
  add('SNS alerts', 0, 'a few publishes a day');

  const alarms = o.alarms + (viaApi ? 0 : FUNCTION_URL_ALARMS);
  const billedAlarms = Math.max(0, alarms - o.freeAlarms);
  const billedDashboards = Math.max(0, o.dashboards - o.freeDashboards);
  add(
    'CloudWatch alarms and dashboards',
    billedAlarms * prices.cloudwatchAlarmPerMonth + billedDashboards * prices.cloudwatchDashboardPerMonth,
    `${alarms} alarms, ${o.dashboards} dashboards; ${o.freeAlarms} and ${o.freeDashboards} free in the account`,
    'fixed',
  );
  add(
    'KMS keys',
    o.kmsKeys * prices.kmsKeyPerMonth * (1 + prices.kmsBilledRotations),
    `${o.kmsKeys} customer-managed keys at $${prices.kmsKeyPerMonth * (1 + prices.kmsBilledRotations)} once rotated twice`,
    'fixed',
  );

  // Storage: a month's additions times the months each is kept.
  const monthsKept = workload.retentionDays / DAYS_PER_MONTH;
  const archiveGbPerMonth = (events * measured.archiveBytesPerEvent) / GB;
  const compactedObjectBytes =
    partitionHours > 0 ? (events * measured.archiveBytesPerEvent) / partitionHours : 0;
  const tiered = compactedObjectBytes >= S3_MIN_TRANSITION_BYTES;
  const days = workload.retentionDays;
  const standardDays = tiered ? Math.min(days, o.infrequentAccessAfterDays) : days;
  const iaDays = tiered
    ? Math.max(0, Math.min(days, o.glacierInstantRetrievalAfterDays) - o.infrequentAccessAfterDays)
    : 0;
  const glacierDays = tiered ? Math.max(0, days - o.glacierInstantRetrievalAfterDays) : 0;
  const archiveMonthly =
    (archiveGbPerMonth *
      (standardDays * prices.s3StoragePerGbMonth +
        iaDays * prices.s3InfrequentAccessPerGbMonth +
        glacierDays * prices.s3GlacierInstantPerGbMonth)) /
    DAYS_PER_MONTH;
  // Compaction deletes the objects it merged: versioning keeps them as noncurrent versions for a while.
  const noncurrentGb =
    compactionPuts > 0 ? (archiveGbPerMonth * o.noncurrentVersionDays) / DAYS_PER_MONTH : 0;
  add(
    'S3 storage (archive)',
    archiveMonthly + noncurrentGb * prices.s3StoragePerGbMonth,
    `${fmt(archiveGbPerMonth * monthsKept)} GB kept (${tiered ? `${standardDays} days Standard, ${iaDays} IA, ${glacierDays} Glacier IR` : 'Standard: hourly objects under 128 KB stay there'}), ${fmt(noncurrentGb)} GB of merged originals`,
    'storage',
  );
  const hourlyObjects = tiered ? partitionHours * o.objectsPerHourAfterCompaction : 0;
  const toIa = iaDays > 0 ? hourlyObjects : 0;
  const toGlacier = glacierDays > 0 ? hourlyObjects : 0;
  add(
    'S3 lifecycle transitions',
    (toIa / 1000) * prices.s3TransitionToIaPerThousand +
      (toGlacier / 1000) * prices.s3TransitionToGlacierInstantPerThousand,
    `${fmt(toIa)} objects to IA, ${fmt(toGlacier)} to Glacier IR`,
  );
  // Lifecycle acts at the first midnight (UTC) after the expiry: a day more than the rule says.
  const partialDays = o.partialExpirationDays + 1 + o.partialNoncurrentDays;
  const partialGb = (events * measured.partialBytesPerEvent * partialDays) / DAYS_PER_MONTH / GB;
  add(
    'S3 storage (partials)',
    partialGb * prices.s3StoragePerGbMonth,
    `${fmt(partialGb)} GB: ${partialDays} days of partials`,
    'storage',
  );
  // A day's index, kept with the archive; each of the day's 48 rewrites leaves a version kept as partials' are.
  const indexGbPerDay = (events * measured.actorIndexBytesPerEvent) / DAYS_PER_MONTH / GB;
  const indexVersionsKept = o.aggregationRunsPerDay * MERGED_DAYS_PER_RUN * (o.partialNoncurrentDays + 1);
  const indexGb = indexGbPerDay * (workload.retentionDays + indexVersionsKept);
  add(
    'S3 storage (actor indexes)',
    indexGb * prices.s3StoragePerGbMonth,
    `${fmt(indexGb)} GB: a day's index for ${workload.retentionDays} days, ${indexVersionsKept} superseded versions`,
    'storage',
  );
  const deletes = compactionPuts > 0 ? rawObjects : 0;
  const loggedRequests = puts + rawGets + partialGets + deletes + toIa + toGlacier;
  const accessLogGb = (loggedRequests * S3_ACCESS_LOG_RECORD_BYTES * o.accessLogDays) / DAYS_PER_MONTH / GB;
  add(
    'S3 storage (access logs)',
    accessLogGb * prices.s3StoragePerGbMonth,
    `${fmt(loggedRequests)} archive requests a month, kept ${o.accessLogDays} days: ${fmt(accessLogGb)} GB`,
    'storage',
  );

  const itemsPerEvent = measured.dynamoWriteUnitsPerRequest / workload.eventsPerRequest;
  const tableBytesPerEvent = measured.tableBytesPerEvent + itemsPerEvent * prices.dynamoItemOverheadBytes;
  const journeyDays = journeyRetentionDaysOf(workload);
  const journeyMonthsKept = journeyDays / DAYS_PER_MONTH;
  const tableGb = (events * tableBytesPerEvent * journeyMonthsKept) / GB;
  add(
    'DynamoDB storage',
    tableGb * (ia ? prices.dynamoIaStoragePerGbMonth : prices.dynamoStoragePerGbMonth),
    `${fmt(tableGb)} GB kept (${fmt(tableBytesPerEvent)} B an event with the ${prices.dynamoItemOverheadBytes} B item overhead, journeys kept ${journeyDays} days), ${o.tableClass}`,
    'storage',
  );
  add(
    'DynamoDB point-in-time recovery',
    o.pointInTimeRecovery ? tableGb * prices.dynamoPitrPerGbMonth : 0,
    o.pointInTimeRecovery ? `${fmt(tableGb)} GB` : 'off',
    'storage',
  );
  // Billed on the compressed size; priced uncompressed, an upper bound.
  const logGbKept = ((logBytes / GB) * o.logRetentionDays) / DAYS_PER_MONTH;
  add(
    'CloudWatch Logs storage',
    logGbKept * prices.cloudwatchLogsStoragePerGbMonth,
    `at most ${fmt(logGbKept)} GB (${o.logRetentionDays} days)`,
    'storage',
  );
  return lines;
}

/** Traces Lambda's fixed sampling records for invocations spread evenly over the month. */
function xraySampled(invocations: number): number {
  const reservoir = XRAY_RESERVOIR_PER_SECOND * SECONDS_PER_MONTH;
  if (invocations <= reservoir) return invocations;
  return reservoir + (invocations - reservoir) * XRAY_FIXED_RATE;
}

function sum(lines: readonly CostLine[]): number {
  return lines.reduce((total, line) => total + line.monthly, 0);
}

function fmt(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}
