/**
 * Simulated messages as the archive would hold them: each delivery (batched as a client would) run through the collector's own
 * validation and normalization, received at its delivery time. For tests and benchmarks that feed
 * the metric core without a running stack (privacy scrubbing aside).
 */
import { validateAndNormalize } from '../events/ingest';
import type { NormalizedEvent } from '../events/types';
import type { SimulatedMessage } from './traffic';

export interface ArchivedSimulation {
  events: NormalizedEvent[];
  /** Messages the collector would reject (none expected: the simulator sends valid events). */
  rejected: number;
}

/** A client batches what it has within this span into one request. */
const BATCH_SPAN_MS = 60_000;
const BATCH_SIZE = 100;

export function archiveSimulated(site: string, messages: readonly SimulatedMessage[]): ArchivedSimulation {
  const events: NormalizedEvent[] = [];
  let rejected = 0;
  let start = 0;
  while (start < messages.length) {
    const first = messages[start];
    if (!first) break;
    let end = start + 1;
    while (end < messages.length && end - start < BATCH_SIZE) {
      const next = messages[end];
      if (!next || next.deliverAtMs - first.deliverAtMs > BATCH_SPAN_MS) break;
      end++;
    }
    const batch = messages.slice(start, end).map((simulated) => simulated.message);
    const receivedAtMs = Math.round(messages[end - 1]?.deliverAtMs ?? first.deliverAtMs);
    const sentAt = new Date(receivedAtMs).toISOString();
    const body = JSON.stringify({ batch, sentAt });
    const result = validateAndNormalize(
      { events: batch, batchSentAt: sentAt },
      { site, receivedAtMs, requestBytes: Buffer.byteLength(body) },
    );
    for (const accepted of result.accepted) events.push(accepted.event);
    rejected += result.rejected.length;
    start = end;
  }
  return { events, rejected };
}
