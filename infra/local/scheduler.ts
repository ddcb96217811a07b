/**
 * The local stand-in for EventBridge Scheduler: the aggregator's scheduled run hourly and at start-up,
 * and the daily finalization (metrics.md §5) once a day and at start-up (a stack that was stopped
 * catches up on the days that became final meanwhile).
 */
import { Cron } from 'croner';
import {
  runFinalization,
  runScheduledAggregation,
  type ScheduledRunResult,
} from '../../shared/app/aggregate/aggregate';
import { runScheduledHourlyAlerts } from '../../shared/app/alerts/hourly';
import type { StorageClients } from '../../shared/storage/clients';
import { threadBuilder } from './thread-builder';

export interface LocalScheduler {
  /** Resolves when the current run (if any) has finished. */
  idle(): Promise<void>;
  runNow(): Promise<void>;
  finalizeNow(): Promise<void>;
  stop(): void;
}

/** The same times as the CDK stack's schedules (infra/cdk/constructs/daily-aggregation.ts), in UTC. */
export const HOURLY_PATTERN = '0 * * * *';
export const FINALIZATION_PATTERN = '30 3 * * *';

export function startLocalScheduler(
  clients: StorageClients,
  log: (line: string) => void,
  pattern = HOURLY_PATTERN,
  /** No run starts before this settles (the demo's days must be evaluated oldest first, before any run). */
  holdUntil: Promise<unknown> = Promise.resolve(),
): LocalScheduler {
  let running: Promise<void> = holdUntil.then(
    () => undefined,
    () => undefined,
  );
  const report = (what: string, started: number, run: ScheduledRunResult) => {
    const failed = run.failures.map((f) => `${f.site} ${f.date}: ${f.error}`);
    log(
      `${what}: ${run.results.length} day(s) computed in ${Date.now() - started} ms${failed.length ? `; failed: ${failed.join('; ')}` : ''}`,
    );
  };
  // Runs never overlap: a slow run delays the next one instead of racing it.
  const enqueue = (what: string, run: () => Promise<ScheduledRunResult>, quietWhenIdle = false) => {
    running = running
      .then(async () => {
        const started = Date.now();
        const result = await run();
        const idle = result.results.length === 0 && result.failures.length === 0;
        if (!(quietWhenIdle && idle)) report(what, started, result);
      })
      .catch((error: unknown) => log(`${what} failed: ${String(error)}`));
    return running;
  };
  const runNow = () =>
    enqueue('aggregation', async () => {
      const run = await runScheduledAggregation(clients, { builder: threadBuilder(clients) });
      // api.md "Alerts": hourly rules are evaluated after every scheduled run.
      await runScheduledHourlyAlerts(clients).catch((error: unknown) =>
        log(`hourly alerts failed: ${String(error)}`),
      );
      return run;
    });
  const finalizeNow = () =>
    enqueue('finalization', () => runFinalization(clients, { builder: threadBuilder(clients) }), true);
  const hourly = new Cron(pattern, { protect: true, timezone: 'UTC' }, () => {
    void runNow();
  });
  const daily = new Cron(FINALIZATION_PATTERN, { protect: true, timezone: 'UTC' }, () => {
    void finalizeNow();
  });
  void runNow();
  void finalizeNow();
  return {
    idle: () => running,
    runNow,
    finalizeNow,
    stop: () => {
      hourly.stop();
      daily.stop();
    },
  };
}
