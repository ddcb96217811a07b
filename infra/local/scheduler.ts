/** The local stand-in for EventBridge Scheduler: the aggregator's scheduled run, hourly and at start-up. */
import { Cron } from 'croner';
import { runScheduledAggregation } from '../../functions/aggregator/aggregate';
import type { StorageClients } from '../../shared/storage/clients';
import { threadBuilder } from './thread-builder';

export interface LocalScheduler {
  /** Resolves when the current run (if any) has finished. */
  idle(): Promise<void>;
  runNow(): Promise<void>;
  stop(): void;
}

export function startLocalScheduler(
  clients: StorageClients,
  log: (line: string) => void,
  pattern = '0 * * * *',
  /** No run starts before this settles (the demo's days must be evaluated oldest first, before any run). */
  holdUntil: Promise<unknown> = Promise.resolve(),
): LocalScheduler {
  let running: Promise<void> = holdUntil.then(
    () => undefined,
    () => undefined,
  );
  const runOnce = async () => {
    const started = Date.now();
    const run = await runScheduledAggregation(clients, { builder: threadBuilder(clients) });
    const days = run.results.length;
    const failed = run.failures.map((f) => `${f.site} ${f.date}: ${f.error}`);
    log(
      `aggregation: ${days} day(s) computed in ${Date.now() - started} ms${failed.length ? `; failed: ${failed.join('; ')}` : ''}`,
    );
  };
  const runNow = () => {
    // Runs never overlap: a slow run delays the next one instead of racing it.
    running = running.then(runOnce).catch((error: unknown) => log(`aggregation failed: ${String(error)}`));
    return running;
  };
  const job = new Cron(pattern, { protect: true }, () => {
    void runNow();
  });
  void runNow();
  return { idle: () => running, runNow, stop: () => job.stop() };
}
