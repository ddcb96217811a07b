/**
 * A local stand-in for the Firehose delivery stream of the firehose archive mode
 * (infra/cdk/constructs/firehose-archive.ts), writing what the real stream writes into s3rver:
 *
 * - it takes PutRecordBatch calls (the same `send` the collector's FirehoseClient has, in process, or
 *   over HTTP with the AWS JSON protocol for `roxtrail start`, see `startLocalFirehose`);
 * - it de-aggregates each record into its JSON lines (at most 500, as Firehose does), reads the
 *   partition keys `site`, `dt` and `hh` of each line (what the stream's JQ query extracts) and
 *   appends a newline to each line;
 * - it buffers lines per partition and writes a buffer as one gzip object under
 *   `events/site=S/dt=D/hh=H/`, named as Firehose names objects
 *   (`<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>.ndjson.gz`), once it exceeds the size or age
 *   buffering hint, and everything on `flush()`/`stop()`;
 * - lines it cannot partition go to `firehose-errors/processing-failed/yyyy/MM/dd/`.
 *
 * Like Firehose, it acknowledges records before S3 has them: a record Firehose accepted is durable in
 * Firehose (kept and retried for up to 24 hours), and the collector's durability point in this mode is
 * Firehose's acceptance, not the S3 object. With a `spoolDir` (what `roxtrail start` gives it) the
 * stand-in is as durable: each buffer's lines are appended to a spool file and fsynced before the call
 * is answered, and a stand-in started after a crash writes what the spool holds (firehose-spool.ts). A
 * failed S3 write keeps the buffer and is retried.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import {
  PutRecordBatchCommand,
  type PutRecordBatchCommandOutput,
  type PutRecordBatchResponseEntry,
} from '@aws-sdk/client-firehose';
import { putObjects } from '../../shared/storage/archive';
import { FIREHOSE_LIMITS, type FirehoseRecordsClient } from '../../shared/storage/archive-sink';
import type { StorageClients, StorageSettings } from '../../shared/storage/clients';
import { ERASURE_SETTLE_MS } from '../../shared/storage/erasure-timing';
import { readSpool, SpoolFile } from './firehose-spool';

export const LOCAL_FIREHOSE_STREAM = 'roxtrail-local-archive';
/** The stream's FileExtension, on every object the stand-in writes. */
export const STANDIN_FILE_EXTENSION = '.ndjson.gz';

/** The evaluated ErrorOutputPrefix for a line that could not be partitioned, received at `atMs`. */
export function errorPrefixOf(atMs: number): string {
  const day = new Date(atMs).toISOString().slice(0, 10).replaceAll('-', '/');
  return `firehose-errors/processing-failed/${day}/`;
}

export interface FirehoseStandinOptions {
  /** Where objects go: the s3rver the rest of the local stack uses. */
  clients: StorageClients;
  /** @default LOCAL_FIREHOSE_STREAM */
  streamName?: string;
  /** A partition's buffer is written once it holds this many bytes (Firehose: 64–128 MiB). @default 4 MiB */
  bufferBytes?: number;
  /** A partition's buffer is written once its oldest line is this old (Firehose: 60–900 s). @default 60 s */
  bufferMs?: number;
  /** How often buffers are checked for age. @default min(1 s, bufferMs / 4) */
  checkEveryMs?: number;
  now?: () => number;
  /**
   * Where buffers are spooled to disk before records are acknowledged, and taken up from when the
   * stand-in starts (what a crashed predecessor acknowledged). @default none: buffers in memory only
   */
  spoolDir?: string;
  /**
   * Called with what went wrong behind the callers' backs, each as one sentence: a failed S3 write (the
   * buffer is kept and written again later), a spool file that cannot be read or deleted.
   */
  onError?: (error: Error) => void;
}

export interface FirehoseStandin extends FirehoseRecordsClient {
  readonly streamName: string;
  /**
   * Lines the stand-in took up from its spool when it started: every line a previous process
   * acknowledged and had not written, and perhaps lines of calls it died before answering.
   */
  readonly recoveredLines: number;
  /** Lines buffered and not yet written. */
  bufferedLines(): number;
  /** Writes every buffer now; resolves with the number of objects written. */
  flush(): Promise<number>;
  /** Stops the age timer and writes every buffer. */
  stop(): Promise<void>;
}

interface Buffered {
  prefix: string;
  lines: string[];
  bytes: number;
  /** Arrival of the oldest line: Firehose names the object by it. */
  firstAtMs: number;
  /**
   * The uuid in the name of the object the buffer becomes, chosen with the buffer: a spool written
   * again after a crash overwrites the object its first write may have made instead of adding a copy.
   */
  objectId: string;
  /** Where its lines are on disk (more than one once a failed write took newer lines in); appends go to the last. */
  spools: SpoolFile[];
}

/** Why Firehose would refuse the whole call (a ValidationException-like client error, not retryable). */
class InvalidArgumentError extends Error {
  override readonly name = 'InvalidArgumentException';
  readonly $fault = 'client';
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

const pad = (n: number) => String(n).padStart(2, '0');

/** `yyyy-MM-dd-HH-mm-ss`, UTC: the timestamp part of a Firehose object name. */
function firehoseTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}-${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}`;
}

/** The value JQ's `.key` would give as a partition key, or undefined (null, missing, not a scalar). */
function partitionValue(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * The evaluated Prefix of the delivery stream for one line, or why it cannot be partitioned
 * (test/infra/firehose-drift.test.ts holds it to the synthesized stream).
 */
export function prefixOf(line: string): { prefix: string } | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { error: 'the record is not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { error: 'the record is not a JSON object' };
  const fields = parsed as Record<string, unknown>;
  const site = partitionValue(fields, 'site');
  const dt = partitionValue(fields, 'dt');
  const hh = partitionValue(fields, 'hh');
  if (site === undefined || dt === undefined || hh === undefined)
    return { error: 'the partition keys site, dt and hh are not all present' };
  return { prefix: `events/site=${site}/dt=${dt}/hh=${hh}/` };
}

/** JSON sub-records of one record: JSON objects, one per line (JSONL), as the stream's de-aggregation reads them. */
function subRecordsOf(data: Uint8Array): string[] {
  return Buffer.from(data)
    .toString('utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export function createFirehoseStandin(options: FirehoseStandinOptions): FirehoseStandin {
  const streamName = options.streamName ?? LOCAL_FIREHOSE_STREAM;
  const bufferBytes = options.bufferBytes ?? 4 * 1024 * 1024;
  const bufferMs = options.bufferMs ?? 60_000;
  const now = options.now ?? Date.now;
  const buffers = new Map<string, Buffered>();
  let writing: Promise<unknown> = Promise.resolve();

  let recoveredLines = 0;
  if (options.spoolDir) {
    const unreadable = (path: string) =>
      options.onError?.(new Error(`spool file ${path} has no readable header; left as it is`));
    // Buffers of one partition left side by side (one was being written) go out as one object.
    for (const spooled of readSpool(options.spoolDir, unreadable)) {
      const { prefix, firstAtMs, objectId } = spooled.header;
      const earlier = buffers.get(prefix);
      const bytes = spooled.lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
      buffers.set(prefix, {
        prefix,
        lines: [...(earlier?.lines ?? []), ...spooled.lines],
        bytes: (earlier?.bytes ?? 0) + bytes,
        firstAtMs: earlier?.firstAtMs ?? firstAtMs,
        objectId: earlier?.objectId ?? objectId,
        spools: [...(earlier?.spools ?? []), spooled.spool],
      });
      recoveredLines += spooled.lines.length;
    }
  }

  /** Lines one PutRecordBatch added to each buffer: appended to its spool before the call is answered. */
  type Added = Map<Buffered, string[]>;

  const append = (prefix: string, line: string, atMs: number, added: Added) => {
    let buffer = buffers.get(prefix);
    if (!buffer) {
      const objectId = randomUUID();
      const spools = options.spoolDir
        ? [SpoolFile.create(options.spoolDir, { prefix, firstAtMs: atMs, objectId })]
        : [];
      buffer = { prefix, lines: [], bytes: 0, firstAtMs: atMs, objectId, spools };
      buffers.set(prefix, buffer);
    }
    buffer.lines.push(line);
    buffer.bytes += Buffer.byteLength(line);
    const addedHere = added.get(buffer);
    if (addedHere) addedHere.push(line);
    else added.set(buffer, [line]);
  };

  const failed = (data: Uint8Array, atMs: number, errorMessage: string, added: Added) => {
    append(
      errorPrefixOf(atMs),
      `${JSON.stringify({
        attemptsMade: 1,
        arrivalTimestamp: atMs,
        errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
        errorMessage,
        rawData: Buffer.from(data).toString('base64'),
      })}\n`,
      atMs,
      added,
    );
  };

  const ingest = (data: Uint8Array, atMs: number, added: Added) => {
    const lines = subRecordsOf(data);
    if (lines.length > FIREHOSE_LIMITS.linesPerRecord) {
      failed(
        data,
        atMs,
        `de-aggregation is capped at ${FIREHOSE_LIMITS.linesPerRecord} sub-records per record`,
        added,
      );
      return;
    }
    for (const line of lines) {
      const target = prefixOf(line);
      if ('error' in target) failed(Buffer.from(line), atMs, target.error, added);
      else append(target.prefix, `${line}\n`, atMs, added);
    }
  };

  /**
   * Deletes the spool files of a buffer now in S3, the one that names the object first: should the
   * process die in between, what is left goes out under another name (a copy de-duplicated by
   * messageId) rather than overwriting the object with fewer lines.
   */
  const removeSpools = async (spools: readonly SpoolFile[]) => {
    for (const spool of spools) {
      await spool
        .remove()
        .catch((error: unknown) =>
          options.onError?.(new Error(`spool file ${spool.path} not deleted (${messageOf(error)})`)),
        );
    }
  };

  /** Writes the buffers `due` picks, one object each; a failed write puts its lines back. */
  const write = (due: (buffer: Buffered, atMs: number) => boolean): Promise<number> => {
    const run = writing.then(async () => {
      const atMs = now();
      const ready = [...buffers.values()].filter((buffer) => buffer.lines.length > 0 && due(buffer, atMs));
      for (const buffer of ready) buffers.delete(buffer.prefix);
      const results = await Promise.allSettled(
        ready.map((buffer) =>
          putObjects(options.clients, [
            {
              key: `${buffer.prefix}${streamName}-1-${firehoseTimestamp(buffer.firstAtMs)}-${buffer.objectId}${STANDIN_FILE_EXTENSION}`,
              body: gzipSync(buffer.lines.join('')),
            },
          ]),
        ),
      );
      let written = 0;
      const removals: Promise<void>[] = [];
      results.forEach((result, index) => {
        const buffer = ready[index];
        if (!buffer) return;
        if (result.status === 'fulfilled') {
          written += 1;
          removals.push(removeSpools(buffer.spools));
          return;
        }
        options.onError?.(new Error(`S3 write failed, kept for the next try (${messageOf(result.reason)})`));
        const newer = buffers.get(buffer.prefix);
        buffers.set(buffer.prefix, {
          ...buffer,
          lines: [...buffer.lines, ...(newer?.lines ?? [])],
          bytes: buffer.bytes + (newer?.bytes ?? 0),
          spools: [...buffer.spools, ...(newer?.spools ?? [])],
        });
      });
      await Promise.all(removals);
      const failures = results.filter((result) => result.status === 'rejected');
      if (failures.length > 0 && failures[0]?.status === 'rejected') throw failures[0].reason;
      return written;
    });
    writing = run.catch(() => undefined);
    return run;
  };

  const writeDue = () =>
    write((buffer, atMs) => buffer.bytes >= bufferBytes || atMs - buffer.firstAtMs >= bufferMs).catch(
      () => undefined,
    );
  const timer = setInterval(writeDue, options.checkEveryMs ?? Math.min(1_000, bufferMs / 4));
  timer.unref();

  return {
    streamName,
    recoveredLines,
    async send(command: PutRecordBatchCommand): Promise<PutRecordBatchCommandOutput> {
      const { DeliveryStreamName, Records = [] } = command.input;
      if (DeliveryStreamName !== streamName) {
        throw Object.assign(new InvalidArgumentError(`Firehose stream ${DeliveryStreamName} not found`), {
          name: 'ResourceNotFoundException',
        });
      }
      const sizes = Records.map((record) => record.Data?.length ?? 0);
      const total = sizes.reduce((sum, size) => sum + size, 0);
      if (Records.length === 0 || Records.length > FIREHOSE_LIMITS.recordsPerCall)
        throw new InvalidArgumentError(`a PutRecordBatch call takes 1 to 500 records, got ${Records.length}`);
      if (sizes.some((size) => size > FIREHOSE_LIMITS.recordBytes))
        throw new InvalidArgumentError('a record is larger than 1,000 KiB');
      if (total > FIREHOSE_LIMITS.bytesPerCall)
        throw new InvalidArgumentError(`a PutRecordBatch call takes at most 4 MiB, got ${total} bytes`);
      const atMs = now();
      const added: Added = new Map();
      const responses: PutRecordBatchResponseEntry[] = Records.map((record) => {
        ingest(record.Data ?? new Uint8Array(), atMs, added);
        return { RecordId: randomUUID() };
      });
      // Issued before any write can take these buffers, so removing their spool waits for the appends.
      const spooled = [...added].map(([buffer, lines]) =>
        buffer.spools[buffer.spools.length - 1]?.append(lines.join('')),
      );
      if ([...buffers.values()].some((buffer) => buffer.bytes >= bufferBytes)) void writeDue();
      // Firehose's promise: what it acknowledges is durable. A failed append fails the call (the caller retries).
      await Promise.all(spooled);
      return { FailedPutCount: 0, Encrypted: false, RequestResponses: responses, $metadata: {} };
    },
    bufferedLines: () => [...buffers.values()].reduce((sum, buffer) => sum + buffer.lines.length, 0),
    flush: () => write(() => true),
    async stop() {
      clearInterval(timer);
      await write(() => true);
    },
  };
}

/* ------------------------------------------------------------------------------- over HTTP, locally */

const TARGET_PREFIX = 'Firehose_20150804.';
/** A PutRecordBatch body is at most 4 MiB of data, base64-encoded, plus JSON framing. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new InvalidArgumentError('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface WireRecords {
  DeliveryStreamName?: string;
  Records?: { Data?: string }[];
  Record?: { Data?: string };
}

export interface LocalFirehose {
  standin: FirehoseStandin;
  /** The endpoint the collector's FirehoseClient uses (ROXTRAIL_FIREHOSE_ENDPOINT). */
  url: string;
  /** The storage settings that send the collector's events through it (the runtime configuration's). */
  settings: Required<Pick<StorageSettings, 'firehoseStream' | 'firehoseEndpoint' | 'erasureSettleMs'>>;
  stop(): Promise<void>;
}

/**
 * The stand-in behind a loopback HTTP endpoint that speaks Firehose's AWS JSON 1.1 protocol for
 * PutRecordBatch and PutRecord, so the collector uses its real FirehoseClient, as in AWS.
 */
export async function serveFirehoseStandin(
  standin: FirehoseStandin,
  options: { host?: string; port?: number } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(body));
    };
    try {
      const target = String(request.headers['x-amz-target'] ?? '');
      if (request.method !== 'POST' || !target.startsWith(TARGET_PREFIX))
        throw new InvalidArgumentError(`unsupported request ${request.method} ${target}`);
      const operation = target.slice(TARGET_PREFIX.length);
      const input = JSON.parse(await readBody(request)) as WireRecords;
      const wire = operation === 'PutRecord' && input.Record ? [input.Record] : (input.Records ?? []);
      if (operation !== 'PutRecordBatch' && operation !== 'PutRecord')
        throw new InvalidArgumentError(
          `the stand-in implements PutRecordBatch and PutRecord, not ${operation}`,
        );
      const output = await standin.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: input.DeliveryStreamName,
          Records: wire.map((record) => ({ Data: Buffer.from(record.Data ?? '', 'base64') })),
        }),
      );
      const { $metadata: _metadata, ...body } = output;
      reply(
        200,
        operation === 'PutRecord'
          ? { RecordId: body.RequestResponses?.[0]?.RecordId, Encrypted: false }
          : body,
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'InternalFailure';
      const message = error instanceof Error ? error.message : String(error);
      reply(name === 'InternalFailure' ? 500 : 400, { __type: name, message });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * `roxtrail start` with ROXTRAIL_ARCHIVE_MODE=firehose: the stand-in on a loopback port, and the
 * storage settings that put the collector in firehose mode against it (the stream and endpoint, in the
 * runtime configuration the local runtime provides to the handler modules).
 * ROXTRAIL_FIREHOSE_BUFFER_SECONDS (`bufferSeconds`) sets the age hint (default 60, Firehose's minimum with dynamic
 * partitioning), so events reach the archive, and the figures, up to that long after they are sent.
 * Buffers are spooled under `spoolDir`; what a previous run left there is written before the
 * endpoint opens.
 */
export async function startLocalFirehose(options: {
  clients: StorageClients;
  spoolDir: string;
  log?: (line: string) => void;
  /** ROXTRAIL_FIREHOSE_BUFFER_SECONDS as given. @default 60 */
  bufferSeconds?: string;
}): Promise<LocalFirehose> {
  const log = options.log ?? (() => undefined);
  const seconds = Number(options.bufferSeconds ?? 60);
  const bufferMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000;
  const standin = createFirehoseStandin({
    clients: options.clients,
    bufferMs,
    spoolDir: options.spoolDir,
    onError: (error) => log(`firehose stand-in: ${error.message}`),
  });
  if (standin.recoveredLines > 0) {
    const objects = await standin.flush().catch(() => 0);
    log(
      `firehose stand-in: ${standin.recoveredLines} line(s) a previous run had spooled but not written (all it acknowledged) are now in ${objects} archive object(s)`,
    );
  }
  const server = await serveFirehoseStandin(standin);
  return {
    standin,
    url: server.url,
    settings: {
      firehoseStream: standin.streamName,
      firehoseEndpoint: server.url,
      // An erasure also waits for what the stand-in buffers to reach the archive.
      erasureSettleMs: ERASURE_SETTLE_MS + bufferMs + 5_000,
    },
    async stop() {
      await server.close();
      await standin.stop();
    },
  };
}
