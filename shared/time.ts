/** Site-local calendar arithmetic from IANA zones (metrics.md §1): days last 23, 24 or 25 hours. */

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = partsFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalDateHour {
  /** YYYY-MM-DD in the site's zone. */
  date: string;
  /** 00-23 in the site's zone. */
  hour: string;
}

function wallClock(epochMs: number, timeZone: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(epochMs))) fields[part.type] = part.value;
  return fields;
}

const QUARTER_HOUR_MS = 900_000;
const offsetCache = new Map<string, number>();

/**
 * UTC offset of a zone at an instant. Every zone's offsets and transitions fall on quarter hours, so
 * the offset is cached per zone and UTC quarter hour (Intl formatting is slow; events are many).
 */
export function utcOffsetMs(epochMs: number, timeZone: string): number {
  const quarter = Math.floor(epochMs / QUARTER_HOUR_MS);
  const cacheKey = `${timeZone}|${quarter}`;
  const cached = offsetCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const at = quarter * QUARTER_HOUR_MS;
  const f = wallClock(at, timeZone);
  const wall = Date.UTC(
    Number(f.year),
    Number(f.month) - 1,
    Number(f.day),
    Number(f.hour),
    Number(f.minute),
    Number(f.second),
  );
  const offset = wall - at;
  if (offsetCache.size > 200_000) offsetCache.clear();
  offsetCache.set(cacheKey, offset);
  return offset;
}

/** The site-local calendar day and hour of an instant. */
export function localDateHour(epochMs: number, timeZone: string): LocalDateHour {
  const local = new Date(epochMs + utcOffsetMs(epochMs, timeZone)).toISOString();
  return { date: local.slice(0, 10), hour: local.slice(11, 13) };
}

export function localDate(epochMs: number, timeZone: string): string {
  return localDateHour(epochMs, timeZone).date;
}

const DAY_MS = 86_400_000;

/** Calendar arithmetic on YYYY-MM-DD strings (zone-free). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

export function isIsoDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && addDays(value, 0) === value;
}

/** Inclusive list of dates from `from` to `to`. */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) dates.push(d);
  return dates;
}

const dayStartCache = new Map<string, number>();

/**
 * First instant (epoch ms) of a site-local day. Found by bisection on the zone's wall clock, so it is
 * right even where midnight does not exist (zones that switch DST at 00:00).
 */
export function startOfLocalDay(date: string, timeZone: string): number {
  const cacheKey = `${timeZone}|${date}`;
  const cached = dayStartCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const [y, m, d] = date.split('-').map(Number);
  const utcMidnight = Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1);
  // Every zone's offset lies within ±14 h, so the local midnight is inside this bracket.
  let low = utcMidnight - 15 * 3_600_000;
  let high = utcMidnight + 15 * 3_600_000;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (localDate(mid, timeZone) < date) low = mid;
    else high = mid;
  }
  const start = high;
  if (dayStartCache.size > 10_000) dayStartCache.clear();
  dayStartCache.set(cacheKey, start);
  return start;
}

/** [start, end) of a site-local day in epoch ms. */
export function localDayBounds(date: string, timeZone: string): { start: number; end: number } {
  return { start: startOfLocalDay(date, timeZone), end: startOfLocalDay(addDays(date, 1), timeZone) };
}

export function hoursInLocalDay(date: string, timeZone: string): number {
  const { start, end } = localDayBounds(date, timeZone);
  return (end - start) / 3_600_000;
}

export { DAY_MS };

const HOUR_MS = 3_600_000;

/** One real hour of a site-local day, labelled by the wall-clock hour it starts at. */
export interface LocalHourSlot {
  /** 00-23: on a day the clocks go back one label is met twice, on a day they go forward one never. */
  hour: string;
  /** [start, end) in epoch ms. */
  start: number;
  end: number;
}

/**
 * The real hours of a site-local day in order (23, 24 or 25 of them), each labelled with its local
 * wall-clock hour — the hours the archive's `hh=` partitions are named after. A zone whose change is not
 * a whole hour ends its day with a shorter slot.
 */
export function localHourSlots(date: string, timeZone: string): LocalHourSlot[] {
  const { start, end } = localDayBounds(date, timeZone);
  const slots: LocalHourSlot[] = [];
  for (let at = start; at < end; at += HOUR_MS) {
    slots.push({ hour: localDateHour(at, timeZone).hour, start: at, end: Math.min(at + HOUR_MS, end) });
  }
  return slots;
}
