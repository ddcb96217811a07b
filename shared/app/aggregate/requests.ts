/**
 * The aggregator function's events, parsed into the one request an invocation runs: a partial-building
 * chunk (partials.ts, fanned out by the coordinating run), an erasure job (erasure.ts), explicit days,
 * the daily finalization, or, for any other payload, the scheduled run (runs.ts).
 */
import * as z from 'zod/mini';
import { datesBetween, isIsoDate } from '../../time';
import type { ErasureRequest } from './erasure';
import type { BuildContext, PartitionToBuild } from './partials';

export type AggregatorRequest =
  | { action: 'build-partials'; context: BuildContext; partitions: PartitionToBuild[] }
  | ({ action: 'erase-user' } & ErasureRequest)
  | { action: 'days'; site: string; dates: string[] }
  | { action: 'finalize' }
  | { action: 'scheduled' };

const isoDate = z.string().check(z.refine(isIsoDate, 'dates are YYYY-MM-DD'));

const buildRequestSchema = z.object({
  action: z.literal('build-partials'),
  context: z.object({ site: z.string(), timeZone: z.string(), nowMs: z.number() }),
  partitions: z.array(
    z.object({
      date: isoDate,
      hour: z.string(),
      objects: z.array(z.object({ key: z.string(), size: z.number() })),
    }),
  ),
});
const eraseUserSchema = z.object({ action: z.literal('erase-user'), site: z.string(), userId: z.string() });
const oneDaySchema = z.object({ site: z.string(), date: isoDate });
const dayRangeSchema = z.object({ site: z.string(), from: isoDate, to: isoDate });
const finalizeSchema = z.object({ action: z.literal('finalize') });

/**
 * What `event` asks for, tried in this order: an event that names days computes them even when it also
 * carries another action, and whatever matches nothing is the scheduler's hourly event.
 */
export function aggregatorRequestOf(event: unknown): AggregatorRequest {
  const build = buildRequestSchema.safeParse(event);
  if (build.success) return build.data;
  const erase = eraseUserSchema.safeParse(event);
  if (erase.success) return erase.data;
  const oneDay = oneDaySchema.safeParse(event);
  if (oneDay.success) return { action: 'days', site: oneDay.data.site, dates: [oneDay.data.date] };
  const range = dayRangeSchema.safeParse(event);
  if (range.success) {
    return { action: 'days', site: range.data.site, dates: datesBetween(range.data.from, range.data.to) };
  }
  if (finalizeSchema.safeParse(event).success) return { action: 'finalize' };
  return { action: 'scheduled' };
}
