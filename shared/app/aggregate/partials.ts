/**
 * Building hour partials (shared/metrics/partial.ts) from the archive, and fanning the building out.
 * A partition's partial is built when it has none or its objects changed; building is the part of an
 * aggregation that grows with the events (download, gunzip, parse), and partitions are independent,
 * so a builder may spread them over threads or Lambda invocations.
 */

import pMap from 'p-map';
import { actorHashesOf } from '../../events/actor-index';
import type { NormalizedEvent } from '../../events/types';
import { copiesDigestOf } from '../../metrics/dedup';
import { type HourPartial, PARTIAL_FORMAT, type PartialSource } from '../../metrics/partial';
import { slimForFigures } from '../../metrics/slim';
import type { ListedObject } from '../../storage/archive';
import { readObjects } from '../../storage/archive-reader';
import type { StorageClients } from '../../storage/clients';
import { putCopiesDigest, putPartial } from '../../storage/partials';
import { logger } from '../logger';
import {
  type CompactionSummary,
  compactionPlan,
  compactPartition,
  finishInterruptedCompaction,
} from './compact';

export interface PartitionToBuild {
  date: string;
  hour: string;
  /** The partition's objects, in key order. */
  objects: ListedObject[];
}

export interface BuildContext {
  site: string;
  timeZone: string;
  nowMs: number;
}

export interface BuiltPartition {
  date: string;
  hour: string;
  /** The partial itself when built in this thread; builders elsewhere leave it in S3. */
  partial?: HourPartial;
  /** Its copies digest (shared/metrics/dedup.ts) when built in this thread; else in S3 beside it. */
  copies?: Float64Array;
  events: number;
  compaction: CompactionSummary;
}

/** Builds the partials of some partitions and stores them in S3, calling `onBuilt` once for each. */
export type PartialBuilder = (
  partitions: readonly PartitionToBuild[],
  context: BuildContext,
  onBuilt?: (built: BuiltPartition) => void,
) => Promise<BuiltPartition[]>;

/** Objects of the listed days grouped by partition, in partition order. */
export function groupByPartition(objects: readonly ListedObject[]): PartitionToBuild[] {
  const partitions = new Map<string, PartitionToBuild>();
  for (const object of objects) {
    const match = /\/dt=(\d{4}-\d{2}-\d{2})\/hh=(\d{2})\//.exec(object.key);
    if (!match?.[1] || !match[2]) continue;
    const id = `${match[1]}T${match[2]}`;
    const partition = partitions.get(id);
    if (partition) partition.objects.push(object);
    else partitions.set(id, { date: match[1], hour: match[2], objects: [object] });
  }
  return [...partitions.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, partition]) => ({
      ...partition,
      objects: [...partition.objects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    }));
}

/**
 * Reads one partition, slims its events, compacts it when settled, and stores the partial and its copies
 * digest. A failed compaction or partial write only costs a later run.
 */
export async function buildPartial(
  clients: StorageClients,
  partition: PartitionToBuild,
  context: BuildContext,
): Promise<BuiltPartition> {
  const events: NormalizedEvent[] = [];
  const compressed: { key: string; compressed: Uint8Array }[] = [];
  const builtAt = Date.now();
  const objects = await finishInterruptedCompaction(
    clients,
    { site: context.site, ...partition },
    partition.objects,
  );
  const { unreadable } = await readObjects(clients, objects, (objectEvents, object, bytes) => {
    for (const event of objectEvents) events.push(slimForFigures(event));
    compressed.push({ key: object.key, compressed: bytes });
  });
  let sources: PartialSource[] = objects.map(({ key, size }) => ({ key, size }));
  let compaction: CompactionSummary = { partitions: 0, objectsMerged: 0 };
  const [group] = compactionPlan(compressed, context.timeZone, context.nowMs);
  if (group) {
    try {
      const merged = await compactPartition(clients, group);
      if (merged) {
        sources = [merged];
        compaction = { partitions: 1, objectsMerged: group.length };
      }
    } catch (error) {
      logger.warn('compaction failed', { site: context.site, ...describe(partition, error) });
    }
  }

  const partial: HourPartial = {
    format: PARTIAL_FORMAT,
    site: context.site,
    date: partition.date,
    hour: partition.hour,
    sources,
    builtAt,
    events,
    actorHashes: Array.from(actorHashesOf(events)),
    unreadable,
  };
  const copies = copiesDigestOf(events);
  try {
    await Promise.all([
      putPartial(clients, partial),
      putCopiesDigest(clients, partial, { sources, digest: copies }),
    ]);
  } catch (error) {
    logger.warn('partial not stored', { site: context.site, ...describe(partition, error) });
  }
  return {
    date: partition.date,
    hour: partition.hour,
    partial,
    copies,
    events: events.length,
    compaction,
  };
}

function describe(partition: PartitionToBuild, error: unknown) {
  return {
    date: partition.date,
    hour: partition.hour,
    error: error instanceof Error ? error.message : String(error),
  };
}

/** Builds in this thread, a few partitions at a time so downloads overlap. */
export function inProcessBuilder(clients: StorageClients, concurrency = 2): PartialBuilder {
  return async (partitions, context, onBuilt) => {
    const built: BuiltPartition[] = [];
    await pMap(
      partitions,
      async (partition) => {
        const result = await buildPartial(clients, partition, context);
        built.push(result);
        onBuilt?.(result);
      },
      { concurrency },
    );
    return built;
  };
}

/** Total compressed bytes of the objects to read. */
export function bytesToRead(partitions: readonly PartitionToBuild[]): number {
  let bytes = 0;
  for (const partition of partitions) for (const object of partition.objects) bytes += object.size;
  return bytes;
}

/**
 * Splits partitions into chunks of at most `maxBytes` compressed (a partition is never split), in
 * partition order: the unit of work a fanned-out builder hands to one thread or invocation.
 */
export function chunkPartitions(
  partitions: readonly PartitionToBuild[],
  maxBytes: number,
): PartitionToBuild[][] {
  const chunks: PartitionToBuild[][] = [];
  let current: PartitionToBuild[] = [];
  let currentBytes = 0;
  for (const partition of partitions) {
    const bytes = bytesToRead([partition]);
    if (current.length > 0 && currentBytes + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(partition);
    currentBytes += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
