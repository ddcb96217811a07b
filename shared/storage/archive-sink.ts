/**
 * Where the collector puts a request's accepted events: the archive sink. Two modes write the same
 * `events/site=S/dt=D/hh=H/` layout of gzip NDJSON:
 *
 * - `direct`: one S3 PutObject per request partition (site-local day and hour), named by a digest of
 *   the request, so a retried request overwrites its own object.
 * - `firehose` (`ROXTRAIL_FIREHOSE_STREAM` set): one Firehose record per request partition, put with
 *   PutRecordBatch; the delivery stream (infra/cdk/constructs/firehose-archive.ts) buffers records
 *   and writes them with dynamic partitioning on the record's `site`, `dt` and `hh` fields.
 *
 * Firehose's JQ cannot compute a site-local day from an IANA time zone, so in firehose mode every
 * line is the normalized event plus two partition fields, `"dt"` (site-local day, YYYY-MM-DD) and
 * `"hh"` (site-local hour, 00-23) of the event time: exactly the partition the direct mode names in
 * the key. Readers ignore them (the aggregator and the metric core read known fields only); a client's
 * own top-level `dt`/`hh` fields are overwritten by them in this mode.
 *
 * Either sink resolves only once the events are durable (the objects are in S3, or Firehose accepted
 * every record), which is the collector's acknowledgement point: it never answers 2xx for events that
 * are not. Rejected events go to S3 under `rejected/` in both modes (functions/collector/handler.ts).
 */
import {
  PutRecordBatchCommand,
  type PutRecordBatchCommandOutput,
  type PutRecordBatchResponseEntry,
} from '@aws-sdk/client-firehose';
import type { Partition } from '../events/ingest';
import type { NormalizedEvent } from '../events/types';
import { archiveKeyFor, archiveObjectsFor, putObjects } from './archive';
import type { StorageClients } from './clients';

export type ArchiveMode = 'direct' | 'firehose';

export interface ArchiveSink {
  readonly mode: ArchiveMode;
  /** Archives a request's accepted events, grouped by site-local day and hour; resolves once durable. */
  putPartitions(site: string, partitions: readonly Partition[], requestHash: string): Promise<void>;
}

/** A request partition as the journey projection names it (table.ts keys journey items by `key`). */
export interface ArchivedPartition {
  /**
   * The direct-mode object key: a digest of the request and the partition. In firehose mode it names
   * no object (Firehose chooses the names) but still identifies the request's partition, so a retried
   * request overwrites its own journey items in both modes.
   */
  key: string;
  /** Site-local day of the partition. */
  date: string;
  events: readonly NormalizedEvent[];
}

export function archivedPartitionsOf(
  site: string,
  partitions: readonly Partition[],
  requestHash: string,
): ArchivedPartition[] {
  return partitions.map((partition) => ({
    key: archiveKeyFor(site, partition, requestHash),
    date: partition.date,
    events: partition.events,
  }));
}

/** Today's mode: one gzip NDJSON object per request partition, PUT straight into the archive. */
export function directArchiveSink(clients: StorageClients): ArchiveSink {
  return {
    mode: 'direct',
    putPartitions: (site, partitions, requestHash) =>
      putObjects(clients, archiveObjectsFor(site, partitions, requestHash)),
  };
}

/** Firehose mode when the settings name a delivery stream (ROXTRAIL_FIREHOSE_STREAM), else direct. */
export function archiveSinkFor(clients: StorageClients): ArchiveSink {
  const stream = clients.settings.firehoseStream;
  if (!stream) return directArchiveSink(clients);
  return firehoseArchiveSink(clients.firehose, stream);
}

/* ---------------------------------------------------------------------------------------- firehose */

/**
 * Firehose's hard limits (PutRecordBatch, multi-record de-aggregation), which the sink keeps to:
 * https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html
 * https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning-multirecord-deaggergation.html
 */
export interface FirehoseLimits {
  /** Bytes of one record's data (before base64): 1,000 KiB. */
  recordBytes: number;
  /** Sub-records (NDJSON lines) de-aggregation splits one record into: 500; beyond, it does not work. */
  linesPerRecord: number;
  /** Records per PutRecordBatch call: 500. */
  recordsPerCall: number;
  /** Bytes per PutRecordBatch call: 4 MiB. */
  bytesPerCall: number;
}

export const FIREHOSE_LIMITS: Readonly<FirehoseLimits> = {
  recordBytes: 1_000 * 1024,
  linesPerRecord: 500,
  recordsPerCall: 500,
  bytesPerCall: 4 * 1024 * 1024,
};

/** One archive line in firehose mode: the event with its partition fields appended, newline-terminated. */
export function firehoseLine(event: NormalizedEvent, date: string, hour: string): string {
  return `${JSON.stringify({ ...event, dt: date, hh: hour })}\n`;
}

/**
 * The records of a request: one per partition, split only where a partition would exceed a record's
 * size or line limit (a 2,500-event request in one hour makes five records).
 */
export function firehoseRecordsFor(
  partitions: readonly Partition[],
  limits: Readonly<FirehoseLimits> = FIREHOSE_LIMITS,
): Buffer[] {
  const records: Buffer[] = [];
  for (const partition of partitions) {
    let lines: string[] = [];
    let bytes = 0;
    const close = () => {
      if (lines.length > 0) records.push(Buffer.from(lines.join(''), 'utf8'));
      lines = [];
      bytes = 0;
    };
    for (const event of partition.events) {
      const line = firehoseLine(event, partition.date, partition.hour);
      const lineBytes = Buffer.byteLength(line, 'utf8');
      // Events are at most 32 KB (schema.ts), so this is a bug, not a client's fault.
      if (lineBytes > limits.recordBytes)
        throw new Error(`an archive line of ${lineBytes} bytes exceeds a Firehose record`);
      if (bytes + lineBytes > limits.recordBytes || lines.length >= limits.linesPerRecord) close();
      lines.push(line);
      bytes += lineBytes;
    }
    close();
  }
  return records;
}

/** Records grouped into PutRecordBatch calls of at most `recordsPerCall` records and `bytesPerCall` bytes. */
export function firehoseCallsFor<T extends Uint8Array>(
  records: readonly T[],
  limits: Readonly<FirehoseLimits> = FIREHOSE_LIMITS,
): T[][] {
  const calls: T[][] = [];
  let call: T[] = [];
  let bytes = 0;
  for (const record of records) {
    if (
      call.length > 0 &&
      (call.length >= limits.recordsPerCall || bytes + record.length > limits.bytesPerCall)
    ) {
      calls.push(call);
      call = [];
      bytes = 0;
    }
    call.push(record);
    bytes += record.length;
  }
  if (call.length > 0) calls.push(call);
  return calls;
}

/** The one call the sink makes: the SDK's FirehoseClient in AWS, the stand-in (infra/local) in tests. */
export interface FirehoseRecordsClient {
  send(command: PutRecordBatchCommand): Promise<PutRecordBatchCommandOutput>;
}

export interface FirehoseSinkOptions {
  /** PutRecordBatch calls per batch of records, counting the first; only failed records are resent. @default 4 */
  maxAttempts?: number;
  /** Wait before resending failed records (attempt 2, 3, ...). @default 50 ms × 3^(attempt − 2), with jitter */
  retryDelayMs?: (attempt: number) => number;
  limits?: Readonly<FirehoseLimits>;
}

/**
 * Records Firehose still had not accepted after the retries. Marked as a server fault (the request was
 * valid; Firehose was throttling or failing), so the handler answers 503 with Retry-After and the
 * client sends the request again. Records of it that Firehose did accept are then archived twice: the
 * aggregator de-duplicates by messageId, as for any at-least-once delivery.
 */
export class FirehoseRecordsFailedError extends Error {
  override readonly name = 'FirehoseRecordsFailed';
  readonly $fault = 'server';
  constructor(
    readonly failed: number,
    readonly total: number,
    readonly errorCodes: readonly string[],
  ) {
    super(
      `Firehose did not accept ${failed} of ${total} record(s) after retrying: ${[...new Set(errorCodes)].join(', ')}`,
    );
  }
}

const defaultRetryDelay = (attempt: number) => 50 * 3 ** (attempt - 2) * (0.5 + Math.random());

/** A record failed when Firehose gave it no RecordId (or an error code, or no entry at all). */
function isFailed(entry: PutRecordBatchResponseEntry | undefined): boolean {
  return entry === undefined || entry.ErrorCode !== undefined || !entry.RecordId;
}

export function firehoseArchiveSink(
  client: FirehoseRecordsClient,
  streamName: string,
  options: FirehoseSinkOptions = {},
): ArchiveSink {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  const limits = options.limits ?? FIREHOSE_LIMITS;

  const putCall = async (records: readonly Uint8Array[]): Promise<void> => {
    let pending = records;
    let errorCodes: string[] = [];
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, retryDelay(attempt)));
      const output = await client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: streamName,
          Records: pending.map((Data) => ({ Data })),
        }),
      );
      if (!output.FailedPutCount) return;
      const entries = output.RequestResponses ?? [];
      errorCodes = entries.flatMap((entry) => (entry.ErrorCode ? [entry.ErrorCode] : []));
      pending = pending.filter((_, index) => isFailed(entries[index]));
      if (pending.length === 0) return;
    }
    throw new FirehoseRecordsFailedError(pending.length, records.length, errorCodes);
  };

  return {
    mode: 'firehose',
    async putPartitions(_site, partitions) {
      const calls = firehoseCallsFor(firehoseRecordsFor(partitions, limits), limits);
      await Promise.all(calls.map(putCall));
    },
  };
}
