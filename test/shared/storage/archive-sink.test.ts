import type { PutRecordBatchCommand, PutRecordBatchCommandOutput } from '@aws-sdk/client-firehose';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Partition } from '../../../shared/events/ingest';
import type { NormalizedEvent } from '../../../shared/events/types';
import {
  archiveSinkFor,
  FIREHOSE_LIMITS,
  type FirehoseRecordsClient,
  FirehoseRecordsFailedError,
  firehoseArchiveSink,
  firehoseCallsFor,
  firehoseLine,
  firehoseRecordsFor,
} from '../../../shared/storage/archive-sink';
import { createStorageClients, isStorageFault } from '../../../shared/storage/clients';

const event = (id: string, padBytes = 0, extra: Record<string, unknown> = {}): NormalizedEvent => ({
  messageId: id,
  type: 'track',
  event: 'Product Viewed',
  anonymousId: 'a1',
  site: 'shop',
  receivedAt: '2026-11-20T10:00:00.000Z',
  timestamp: '2026-11-20T10:00:00.000Z',
  ...(padBytes > 0 ? { properties: { pad: 'x'.repeat(padBytes) } } : {}),
  ...extra,
});

const partition = (date: string, hour: string, events: NormalizedEvent[]): Partition => ({
  date,
  hour,
  events,
});
const events = (count: number, prefix = 'e', padBytes = 0) =>
  Array.from({ length: count }, (_, i) => event(`${prefix}${i}`, padBytes));

const linesOf = (record: Uint8Array): string[] => {
  const text = Buffer.from(record).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
};

describe('firehose records', () => {
  it('are one per request partition, each line the event with its site-local dt and hh', () => {
    const partitions = [
      partition('2026-11-20', '10', [event('a'), event('b')]),
      partition('2026-11-20', '11', [event('c')]),
      partition('2026-11-21', '00', [event('d'), event('e'), event('f')]),
    ];
    const records = firehoseRecordsFor(partitions);
    expect(records).toHaveLength(3);
    records.forEach((record, index) => {
      const source = partitions[index] as Partition;
      const lines = linesOf(record).map((line) => JSON.parse(line) as NormalizedEvent);
      expect(lines).toEqual(source.events.map((e) => ({ ...e, dt: source.date, hh: source.hour })));
    });
  });

  it('overwrite a client-sent top-level dt or hh with the partition (JQ partitions by them)', () => {
    const line = firehoseLine(event('x', 0, { dt: '../../other', hh: 99 }), '2026-11-20', '10');
    expect(JSON.parse(line)).toMatchObject({ dt: '2026-11-20', hh: '10', site: 'shop' });
    expect(line.match(/"dt"/g)).toHaveLength(1);
  });

  it('split a partition past 500 lines (de-aggregation handles at most 500 per record)', () => {
    const records = firehoseRecordsFor([partition('2026-11-20', '10', events(2_500))]);
    expect(records.map((record) => linesOf(record).length)).toEqual([500, 500, 500, 500, 500]);
  });

  it('split a partition past 1,000 KiB per record, keeping every line once and in order', () => {
    // 40 events of ~30 KB: 1.2 MB in one partition.
    const big = events(40, 'big', 30_000);
    const records = firehoseRecordsFor([partition('2026-11-20', '10', big)]);
    expect(records.length).toBe(2);
    for (const record of records) expect(record.length).toBeLessThanOrEqual(1_000 * 1024);
    expect(records.flatMap(linesOf).map((line) => (JSON.parse(line) as NormalizedEvent).messageId)).toEqual(
      big.map((e) => e.messageId),
    );
  });

  it('keep to every limit and lose or reorder no line, whatever the partitions (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 60 }), {
          minLength: 0,
          maxLength: 6,
        }),
        (sizes) => {
          const limits = { ...FIREHOSE_LIMITS, recordBytes: 20_000, linesPerRecord: 7 };
          const partitions = sizes.map((pads, p) =>
            partition(
              '2026-11-20',
              String(p).padStart(2, '0'),
              pads.map((pad, i) => event(`p${p}e${i}`, pad)),
            ),
          );
          const records = firehoseRecordsFor(partitions, limits);
          for (const record of records) {
            expect(record.length).toBeLessThanOrEqual(limits.recordBytes);
            const lines = linesOf(record).map((line) => JSON.parse(line) as { hh: string });
            expect(lines.length).toBeLessThanOrEqual(limits.linesPerRecord);
            expect(new Set(lines.map((line) => line.hh)).size).toBe(1);
          }
          const ids = records.flatMap(linesOf).map((line) => (JSON.parse(line) as NormalizedEvent).messageId);
          expect(ids).toEqual(partitions.flatMap((p) => p.events.map((e) => e.messageId)));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('PutRecordBatch calls', () => {
  it('take at most 500 records', () => {
    const records = Array.from({ length: 1_200 }, () => Buffer.from('{}\n'));
    expect(firehoseCallsFor(records).map((call) => call.length)).toEqual([500, 500, 200]);
  });

  it('take at most 4 MiB', () => {
    const records = Array.from({ length: 10 }, () => Buffer.alloc(900 * 1024));
    const calls = firehoseCallsFor(records);
    expect(calls.map((call) => call.length)).toEqual([4, 4, 2]);
    for (const call of calls)
      expect(call.reduce((sum, r) => sum + r.length, 0)).toBeLessThanOrEqual(4 * 1024 * 1024);
  });
});

/** A Firehose client that answers each call with `answer` (index of the call, records of it). */
function fakeFirehose(
  answer: (call: number, records: Uint8Array[]) => Partial<PutRecordBatchCommandOutput> | Error = () => ({}),
) {
  const calls: { stream: string | undefined; records: Uint8Array[] }[] = [];
  const client: FirehoseRecordsClient = {
    async send(command: PutRecordBatchCommand) {
      const records = (command.input.Records ?? []).map((r) => r.Data ?? new Uint8Array());
      calls.push({ stream: command.input.DeliveryStreamName, records });
      const result = answer(calls.length - 1, records);
      if (result instanceof Error) throw result;
      return {
        FailedPutCount: 0,
        RequestResponses: records.map((_, i) => ({ RecordId: `r${i}` })),
        $metadata: {},
        ...result,
      };
    },
  };
  return { client, calls };
}

const noWait = { retryDelayMs: () => 0 };
const text = (record: Uint8Array | undefined) => Buffer.from(record ?? new Uint8Array()).toString('utf8');

describe('firehose archive sink', () => {
  it('sends a request’s partitions as one call to its stream, one record each', async () => {
    const { client, calls } = fakeFirehose();
    const sink = firehoseArchiveSink(client, 'archive-stream', noWait);
    expect(sink.mode).toBe('firehose');
    await sink.putPartitions(
      'shop',
      [partition('2026-11-20', '10', events(3)), partition('2026-11-20', '11', events(2, 'f'))],
      'hash',
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]?.stream).toBe('archive-stream');
    expect(calls[0]?.records).toHaveLength(2);
  });

  it('sends nothing for a request without accepted events', async () => {
    const { client, calls } = fakeFirehose();
    await firehoseArchiveSink(client, 's', noWait).putPartitions('shop', [], 'hash');
    expect(calls).toHaveLength(0);
  });

  it('resends exactly the records Firehose reported as failed (FailedPutCount), then resolves', async () => {
    const { client, calls } = fakeFirehose((call, records) =>
      call === 0
        ? {
            FailedPutCount: 2,
            RequestResponses: records.map((_, i) =>
              i === 0 || i === 2
                ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }
                : { RecordId: `r${i}` },
            ),
          }
        : {},
    );
    const partitions = ['10', '11', '12', '13'].map((hour) => partition('2026-11-20', hour, [event(hour)]));
    await firehoseArchiveSink(client, 's', noWait).putPartitions('shop', partitions, 'hash');
    expect(calls).toHaveLength(2);
    expect(calls[1]?.records.map(text)).toEqual([text(calls[0]?.records[0]), text(calls[0]?.records[2])]);
  });

  it('resends every record when Firehose reports failures without saying which', async () => {
    const { client, calls } = fakeFirehose((call) =>
      call === 0 ? { FailedPutCount: 1, RequestResponses: undefined } : {},
    );
    await firehoseArchiveSink(client, 's', noWait).putPartitions(
      'shop',
      [partition('2026-11-20', '10', [event('a')]), partition('2026-11-20', '11', [event('b')])],
      'hash',
    );
    expect(calls.map((c) => c.records.length)).toEqual([2, 2]);
  });

  it('fails with a server fault (the handler’s 503) when records still fail after the last attempt', async () => {
    const { client, calls } = fakeFirehose((_, records) => ({
      FailedPutCount: 1,
      RequestResponses: records.map((_, i) =>
        i === 0 ? { ErrorCode: 'ServiceUnavailableException' } : { RecordId: `r${i}` },
      ),
    }));
    const sink = firehoseArchiveSink(client, 's', { ...noWait, maxAttempts: 3 });
    const failure = await sink
      .putPartitions(
        'shop',
        [partition('2026-11-20', '10', [event('a')]), partition('2026-11-20', '11', [event('b')])],
        'hash',
      )
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FirehoseRecordsFailedError);
    expect(failure).toMatchObject({ failed: 1, total: 2, errorCodes: ['ServiceUnavailableException'] });
    expect(isStorageFault(failure)).toBe(true);
    expect(calls.map((c) => c.records.length)).toEqual([2, 1, 1]);
  });

  it('passes on an error of the call itself (the SDK has retried it already)', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ServiceUnavailableException',
      $fault: 'server',
      $metadata: {},
    });
    const { client } = fakeFirehose(() => throttled);
    await expect(
      firehoseArchiveSink(client, 's', noWait).putPartitions(
        'shop',
        [partition('2026-11-20', '10', [event('a')])],
        'h',
      ),
    ).rejects.toBe(throttled);
  });

  it('splits a 2,500-event request over records and calls within every limit', async () => {
    const { client, calls } = fakeFirehose();
    // 2,500 events of ~2 KB in one hour: 5 records of 500 lines (~1 MB each), so 4 MiB allows 3–4 a call.
    await firehoseArchiveSink(client, 's', noWait).putPartitions(
      'shop',
      [partition('2026-11-20', '10', events(2_500, 'x', 1_800))],
      'hash',
    );
    const records = calls.flatMap((c) => c.records);
    expect(records).toHaveLength(5);
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) {
      expect(call.records.length).toBeLessThanOrEqual(500);
      expect(call.records.reduce((sum, r) => sum + r.length, 0)).toBeLessThanOrEqual(4 * 1024 * 1024);
    }
    for (const record of records) expect(record.length).toBeLessThanOrEqual(1_000 * 1024);
  });
});

describe('archiveSinkFor', () => {
  it('is direct unless the settings name a Firehose stream', () => {
    const settings = { tableName: 't', bucketName: 'b', region: 'eu-west-1' };
    expect(archiveSinkFor(createStorageClients(settings)).mode).toBe('direct');
    expect(
      archiveSinkFor(createStorageClients({ ...settings, firehoseStream: 'roxtrail-archive' })).mode,
    ).toBe('firehose');
  });
});
