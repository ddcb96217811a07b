/**
 * Which archive days a figure day reads, and which figure days an event can change: the two sides of
 * one window (metrics.md §4: carts and checkouts look ahead `conversionWindowHours` past D's end).
 */
import type { SiteConfig } from '../config/site';
import { addDays, localDate, localDayBounds } from '../time';

type WindowConfig = Pick<SiteConfig, 'timezone' | 'conversionWindowHours'>;

const HOUR_MS = 3_600_000;

/** D itself and every day the conversion window can reach from D's last instant. */
export function daysToRead(date: string, config: WindowConfig): string[] {
  const { end } = localDayBounds(date, config.timezone);
  const lastDay = localDate(end - 1 + config.conversionWindowHours * HOUR_MS, config.timezone);
  const days = [date];
  for (let day = addDays(date, 1); day <= lastDay; day = addDays(day, 1)) days.push(day);
  return days;
}

/**
 * The days before an order's own day whose carts and checkouts it can convert: a cart of D converts
 * within W of its start, so an order at t reaches back to the day of t − W. The collector marks them for
 * recomputation with the order's own day.
 */
export function earlierDaysConvertedBy(orderTimeMs: number, config: WindowConfig): string[] {
  const own = localDate(orderTimeMs, config.timezone);
  const days: string[] = [];
  const first = localDate(orderTimeMs - config.conversionWindowHours * HOUR_MS, config.timezone);
  for (let day = first; day < own; day = addDays(day, 1)) days.push(day);
  return days;
}
