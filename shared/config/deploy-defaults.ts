/**
 * The stack's deploy defaults: plain settings that the CDK stack deploys and the cost model prices. Here,
 * in neither, so that the stack does not depend on the cost model (and shared/ imports no infra/).
 */
export type ArchiveMode = 'direct' | 'firehose';
export type TableClass = 'standard' | 'standard-ia';
/** Where tracking requests arrive: the HTTP API, or the collector's function URL (`trackingFunctionUrl`). */
export type FrontDoor = 'http-api' | 'function-url';

/**
 * What the CDK app (infra/cdk) deploys by default; test/infra/cost-settings.test.ts holds the template
 * to these, and the cost model (shared/cost/model.ts) prices the stack as deployed by reading them.
 */
export const DEPLOYED = {
  collectorMemoryMb: 256,
  /**
   * The collector's reserved concurrency, the only throttle at its public function URL: at the
   * measured ~50 ms a request, 100 answer about 2,000 requests a second, the HTTP API stage's burst
   * limit, and the peaks (10× the average, shared/cost/model.ts PEAK_TO_AVERAGE) of up to about 4.9 G
   * events a month in 10-event requests; beyond that callers get 429 and retry, and `roxtrail cost`
   * prints the concurrency a volume's peaks need. Reserved concurrency costs nothing by itself.
   */
  collectorReservedConcurrency: 100,
  aggregatorMemoryMb: 2048,
  archiveMode: 'firehose' as ArchiveMode,
  frontDoor: 'function-url' as FrontDoor,
  tableClass: 'standard-ia' as TableClass,
  pointInTimeRecovery: true,
  /** Every function's log group and the API's access logs. */
  logRetentionDays: 30,
  /**
   * Alarms (RoxtrailMonitoring; one more watches the function URL's 5xx answers, see
   * FUNCTION_URL_ALARMS) and dashboards (only with the `dashboard` context).
   */
  alarms: 8,
  dashboards: 0,
  /** Customer-managed KMS keys (the alert topic's, only with the `alertTopicKey` context). */
  kmsKeys: 0,
  /** The collector runs without X-Ray; the other functions trace every invocation they get. */
  collectorTraced: false,
  /** The collector's system log level is WARN: Lambda writes no START/REPORT lines for its requests. */
  collectorPlatformLogs: false,
  /** EventArchive lifecycle: storage classes of events/, noncurrent versions, partials/, access logs. */
  infrequentAccessAfterDays: 30,
  glacierInstantRetrievalAfterDays: 90,
  noncurrentVersionDays: 30,
  partialExpirationDays: 4,
  partialNoncurrentDays: 1,
  accessLogDays: 90,
  /** FirehoseArchive buffering hints. */
  firehoseBufferBytes: 64 * 1024 * 1024,
  firehoseBufferSeconds: 300,
};
