/** Whether a day's figures are still provisional (metrics.md §5). */
import type { SiteConfig } from '../config/site';
import { localDayBounds } from '../time';

export type DayStatus = 'provisional' | 'final';

/**
 * metrics.md §5: a day is `provisional` until `finalizeAfterHours` after its site-local end (a 23- or
 * 25-hour day ends when it ends), then `final` — from that instant on.
 */
export function dayStatus(
  date: string,
  config: Pick<SiteConfig, 'timezone' | 'finalizeAfterHours'>,
  now: Date | number,
): DayStatus {
  const nowMs = typeof now === 'number' ? now : now.getTime();
  const { end } = localDayBounds(date, config.timezone);
  return nowMs < end + config.finalizeAfterHours * 3_600_000 ? 'provisional' : 'final';
}
