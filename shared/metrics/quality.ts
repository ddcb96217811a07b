/** Data-quality figures (metrics.md §4 "quality"). */
import type { DayContext } from './day';
import { sortedRecord } from './rates';
import { unconvertedOrders } from './sales';

export interface QualityFigures {
  duplicates: number;
  unconvertedOrders: number;
  lateEvents: number;
  rejected: Record<string, number>;
}

/**
 * metrics.md §4 quality: `duplicates` = dropped copies whose kept event falls on D; `unconvertedOrders`
 * = orders of D whose currency has no rate; `lateEvents` = events of D received after the end of D+1
 * (site-local); `rejected` = ingest rejections whose receivedAt falls on D, as counted by the caller.
 */
export function qualityFigures(
  day: DayContext,
  rejected: Readonly<Record<string, number>> = {},
): QualityFigures {
  return {
    duplicates: day.duplicates,
    unconvertedOrders: unconvertedOrders(day),
    lateEvents: day.lateEvents,
    rejected: sortedRecord(Object.entries(rejected)),
  };
}
