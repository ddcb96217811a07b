// @ts-check
/** Number, money, rate and date formatting for the dashboard (the browser's locale, site currency). */

const counts = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimals = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const scores = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
/** @type {Map<string, Intl.NumberFormat>} */
const moneyFormats = new Map();
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const longDayFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  timeZone: 'UTC',
});

export const DASH = '—';

/** @param {number | null | undefined} value */
export function count(value) {
  return value === null || value === undefined ? DASH : counts.format(value);
}

/** @param {number | null | undefined} value @param {string} currency */
export function money(value, currency) {
  if (value === null || value === undefined) return DASH;
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { style: 'currency', currency, maximumFractionDigits: 0 });
    moneyFormats.set(currency, format);
  }
  return format.format(value);
}

/** @type {Map<string, Intl.NumberFormat>} */
const centsFormats = new Map();
/** @type {Map<string, Intl.NumberFormat>} */
const signedCentsFormats = new Map();

/** @param {Map<string, Intl.NumberFormat>} cache @param {string} currency @param {boolean} signed */
function centsFormat(cache, currency, signed) {
  let format = cache.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
      signDisplay: signed ? 'exceptZero' : 'auto',
    });
    cache.set(currency, format);
  }
  return format;
}

/** Money per journey or per customer, where cents matter (€4.10). @param {number | null | undefined} value @param {string} currency */
export function moneyCents(value, currency) {
  if (value === null || value === undefined) return DASH;
  return centsFormat(centsFormats, currency, false).format(value);
}

/** A difference of money per journey, with its sign (+€4.10, −€0.80). @param {number | null | undefined} value @param {string} currency */
export function signedMoneyCents(value, currency) {
  if (value === null || value === undefined) return DASH;
  return centsFormat(signedCentsFormats, currency, true).format(value);
}

/** A fraction in [0, 1] as a percentage. @param {number | null | undefined} value */
export function percent(value) {
  if (value === null || value === undefined) return DASH;
  const points = value * 100;
  return `${Math.abs(points) < 10 ? decimals.format(points) : counts.format(points)}%`;
}

const ratios = new Intl.NumberFormat(undefined, {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
  signDisplay: 'negative',
});

/**
 * ROX, a ratio with two decimals as the figures hold it and as alerts and `roxtrail figures` print it:
 * (incremental revenue − cost) / cost, 8.64 = the cost earned back and 8.64 times over.
 * @param {number | null | undefined} value
 */
export function ratio(value) {
  if (value === null || value === undefined) return DASH;
  return ratios.format(value);
}

/** NPS-like points. @param {number | null | undefined} value */
export function points(value) {
  if (value === null || value === undefined) return DASH;
  return decimals.format(value);
}

/** A mean score (CES). @param {number | null | undefined} value */
export function score(value) {
  return value === null || value === undefined ? DASH : scores.format(value);
}

/** @param {string} date YYYY-MM-DD */
export function dayLabel(date) {
  return dayFormat.format(new Date(`${date}T00:00:00Z`));
}

/** @param {string} date YYYY-MM-DD */
export function longDayLabel(date) {
  return longDayFormat.format(new Date(`${date}T00:00:00Z`));
}

const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });

/** @param {string} month YYYY-MM */
export function monthLabel(month) {
  return monthFormat.format(new Date(`${month}-01T00:00:00Z`));
}

/** @param {string} month YYYY-MM @param {number} months */
export function addMonths(month, months) {
  const d = new Date(`${month}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 7);
}

/** @param {string} date YYYY-MM-DD @returns {number} seconds since the epoch at UTC midnight */
export function dayToSeconds(date) {
  return Date.parse(`${date}T00:00:00Z`) / 1000;
}

/** @param {number} seconds @returns {string} */
export function secondsToDay(seconds) {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/** @param {string} date @param {number} days */
export function addDays(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Today in the browser's zone, YYYY-MM-DD. */
export function today() {
  const now = new Date();
  return new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())).toISOString().slice(0, 10);
}

/** @param {string} from @param {string} to */
export function datesBetween(from, to) {
  /** @type {string[]} */
  const dates = [];
  for (let d = from; d <= to; d = addDays(d, 1)) dates.push(d);
  return dates;
}

/** Today's date (YYYY-MM-DD) on a site's wall clock. @param {string} timeZone */
export function todayIn(timeZone) {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
}

/**
 * "10:00" on a site's wall clock; "24:00" for the instant that ends `date` (a window ending at midnight).
 * @param {string} iso @param {string} timeZone @param {string} date
 */
export function clockIn(iso, timeZone, date) {
  const at = new Date(iso);
  const day = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
  const time = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  return day > date && time === '00:00' ? '24:00' : time;
}
