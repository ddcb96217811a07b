/** The firehose branch of the cost model against what the firehose archive mode does (archive-sink.ts, FirehoseArchive). */
import { describe, expect, it } from 'vitest';
import {
  FIREHOSE_LINES_PER_RECORD,
  FIREHOSE_PARTITION_FIELD_BYTES,
  FIREHOSE_RECORD_BYTES,
  monthlyCost,
} from '../../../shared/cost/model';
import { PRICES } from '../../../shared/cost/prices';
import type { Partition } from '../../../shared/events/ingest';
import { FIREHOSE_LIMITS, firehoseLine, firehoseRecordsFor } from '../../../shared/storage/archive-sink';
import { measured, workload } from './fixtures';

const GB = 1024 ** 3;
const line = (report: ReturnType<typeof monthlyCost>, item: string) =>
  report.lines.find((l) => l.item === item)?.monthly ?? Number.NaN;

describe('firehose cost model, by hand', () => {
  it('counts the bytes the dt and hh fields add to each line, as the collector writes them', () => {
    const event = {
      messageId: 'm',
      type: 'track',
      site: 's',
      receivedAt: '2026-11-20T10:00:00.000Z',
      timestamp: '2026-11-20T10:00:00.000Z',
    } as const;
    const plain = Buffer.byteLength(`${JSON.stringify(event)}\n`);
    expect(Buffer.byteLength(firehoseLine(event, '2026-11-20', '10')) - plain).toBe(
      FIREHOSE_PARTITION_FIELD_BYTES,
    );
  });

  it('bills one record per request partition, 5 KB rounded: 10 lines of 528 bytes are two 5 KB units', () => {
    const report = monthlyCost(workload, measured, { mode: 'firehose', firehoseJqHoursPerGb: 0 });
    // 10 M requests × 1 record × 10,240 bytes.
    expect(line(report, 'Firehose ingestion')).toBeCloseTo(
      ((10_000_000 * 10_240) / GB) * PRICES.firehosePerGb,
      8,
    );
  });

  it('splits requests past 500 events into records of 500, as the sink does', () => {
    const partition: Partition = {
      date: '2026-11-20',
      hour: '10',
      events: Array.from({ length: 2_500 }, (_, i) => ({
        messageId: `m${i}`,
        type: 'track' as const,
        site: 's',
        receivedAt: '',
        timestamp: '',
      })),
    };
    expect(firehoseRecordsFor([partition])).toHaveLength(5);
    const big = monthlyCost({ ...workload, eventsPerRequest: 2_500, eventBytes: 100 }, measured, {
      mode: 'firehose',
      firehoseJqHoursPerGb: 0,
    });
    // 40,000 requests × 5 records of 500 × 128 bytes = 64,000 bytes → 13 units of 5,120.
    expect(line(big, 'Firehose ingestion')).toBeCloseTo(
      ((40_000 * 5 * 13 * 5_120) / GB) * PRICES.firehosePerGb,
      8,
    );
  });

  it('charges partitioning per GB processed, per object delivered (every hour partition, every 300 s) and JQ hours', () => {
    const report = monthlyCost(workload, measured, { mode: 'firehose', firehoseJqHoursPerGb: 0.01 });
    const gb = (100_000_000 * 528) / GB;
    const objects = 24 * 30 * 12; // 8,640: above 49 GB / 64 MiB ≈ 787
    expect(line(report, 'Firehose dynamic partitioning')).toBeCloseTo(
      gb * PRICES.firehosePartitioningPerGb +
        (objects / 1000) * PRICES.firehoseObjectsPerThousand +
        gb * 0.01 * PRICES.firehoseJqPerHour,
      8,
    );
    const slower = monthlyCost(workload, measured, {
      mode: 'firehose',
      firehoseBufferSeconds: 900,
      firehoseJqHoursPerGb: 0,
    });
    expect(line(slower, 'Firehose dynamic partitioning')).toBeCloseTo(
      gb * PRICES.firehosePartitioningPerGb + ((24 * 30 * 4) / 1000) * PRICES.firehoseObjectsPerThousand,
      8,
    );
  });

  it('splits a record past 1,000 KiB, as the sink does, with the sink’s own limits', () => {
    expect(FIREHOSE_LINES_PER_RECORD).toBe(FIREHOSE_LIMITS.linesPerRecord);
    expect(FIREHOSE_RECORD_BYTES).toBe(FIREHOSE_LIMITS.recordBytes);
    const padding = 'x'.repeat(3_000);
    const event = (i: number) => ({
      messageId: `m${i}`,
      type: 'track' as const,
      site: 's',
      receivedAt: '',
      timestamp: '',
      properties: { padding },
    });
    const events = Array.from({ length: 400 }, (_, i) => event(i));
    const lineBytes = Buffer.byteLength(firehoseLine(event(0), '2026-11-20', '10'));
    // 400 lines of ~3,100 bytes are ~1.2 MB: two records, though far below 500 lines.
    expect(firehoseRecordsFor([{ date: '2026-11-20', hour: '10', events }])).toHaveLength(2);
    const big = monthlyCost(
      { ...workload, eventsPerRequest: 400, eventBytes: lineBytes - FIREHOSE_PARTITION_FIELD_BYTES },
      measured,
      { mode: 'firehose', firehoseJqHoursPerGb: 0 },
    );
    const requests = 100_000_000 / 400;
    const unitsPerRecord = Math.ceil((400 * lineBytes) / 2 / 5_120);
    expect(line(big, 'Firehose ingestion')).toBeCloseTo(
      ((requests * 2 * unitsPerRecord * 5_120) / GB) * PRICES.firehosePerGb,
      8,
    );
  });

  it('puts Firehose’s objects, one compacted object an hour, two partials an hour, two actor indexes a run and the runs’ LISTs to S3', () => {
    const report = monthlyCost(workload, measured, { mode: 'firehose' });
    // 8,640 deliveries (12 an hour), 720 compactions, 1,440 partials, 1,440 actor indexes (2 a run),
    // 720 runs × (6 + 1) LISTs.
    expect(line(report, 'S3 PUT and LIST')).toBeCloseTo(
      ((8_640 + 720 + 1_440 + 1_440 + 5_040) * 0.005) / 1000,
      10,
    );
    // Each delivered object read by two builds; 48 partials a run.
    expect(line(report, 'S3 GET (aggregation)')).toBeCloseTo(((17_280 + 34_560) * 0.0004) / 1000, 10);
  });
});
