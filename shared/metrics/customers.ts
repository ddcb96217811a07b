/** Customers across days (metrics.md §8): the day's part of the customer ledger and the `customers` figures. */
import type { SiteConfig } from '../config/site';
import { addDays, localDayBounds, startOfLocalDay } from '../time';
import { type DayContext, EVENT_NAMES } from './day';
import type { CustomerLedger, LedgerOrder, LedgerResponse } from './derived';
import { isValidScore } from './experience';
import { numberField, stringField } from './properties';
import { ratio } from './rates';

const DAY_MS = 86_400_000;

/** Months of `cohorts`: D's month and at most 11 before it (metrics.md §8 `cohorts`). */
const COHORT_MONTHS = 12;

export interface CohortFigures {
  /** "YYYY-MM", site-local. */
  month: string;
  /** Customers whose first order falls in the month. */
  customers: number;
  /** For k = 1 … up to D's month: share of the cohort with an order in month M+k. */
  retained: number[];
  /** For k = 0 … up to D's month: the cohort's order values of months M … M+k / customers. */
  revenuePerCustomer: number[];
}

export interface RespondentGroupFigures {
  respondents: number;
  /** Mean over the group of its order values in (τ, τ + 30 × 24 h]; null for an empty group. */
  revenuePerRespondent: number | null;
  /** Share of the group with an order in (τ, τ + 30 × 24 h]; null for an empty group. */
  repurchaseRate: number | null;
}

export interface ExperienceValueFigures {
  /** D−59, the first day of the response window. */
  from: string;
  /** D−30, its last day. */
  to: string;
  promoters: RespondentGroupFigures;
  passives: RespondentGroupFigures;
  detractors: RespondentGroupFigures;
  /** promoters' revenuePerRespondent − detractors'; null when either group is empty. */
  gap: number | null;
}

/** The `customers` section of the figures document, keys in the order of the metrics.md §8 example. */
export interface CustomersFigures {
  new: number;
  returning: number;
  repeatRate: number | null;
  retention30: number | null;
  ltv30: number | null;
  retention90: number | null;
  ltv90: number | null;
  cohorts: CohortFigures[];
  experienceValue: ExperienceValueFigures;
}

/**
 * The day's part of the customer ledger (metrics.md §8 first paragraph): its orders — the first event
 * of each `order_id` among the events read, unconvertible ones with value 0 since they still count as
 * orders — and every de-duplicated NPS response of D (an integer score 0–10), not only the latest per
 * journey: §8 picks the latest response within a 30-day window, across days. Both by time.
 */
export function ledgerPartOf(day: DayContext): { orders: LedgerOrder[]; responses: LedgerResponse[] } {
  const orders = day.orders.map(({ orderId, journeyId, time, value }): LedgerOrder => {
    const order: LedgerOrder = { journeyId, time, value: value ?? 0 };
    return orderId === undefined ? order : { orderId, ...order };
  });
  const responses: LedgerResponse[] = [];
  for (const { event, journeyId, time } of day.tracks.get(EVENT_NAMES.surveyResponded) ?? []) {
    if (stringField(event.properties, 'survey') !== 'nps') continue;
    const score = numberField(event.properties, 'score');
    if (score === undefined || !isValidScore('nps', score)) continue;
    responses.push({ journeyId, time, score });
  }
  return { orders, responses };
}

/** The first index of `items` (sorted by time) whose time is ≥ `time`. */
function firstAtOrAfter(items: readonly { readonly time: number }[], time: number, from = 0): number {
  let low = from;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((items[mid]?.time ?? Number.POSITIVE_INFINITY) < time) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The first index of `items` (sorted by time) whose time is > `time`. */
function firstAfter(items: readonly { readonly time: number }[], time: number, from = 0): number {
  let low = from;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((items[mid]?.time ?? Number.POSITIVE_INFINITY) <= time) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Σ values of `orders[from … to)`. */
function valueSum(orders: readonly LedgerOrder[], from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += orders[i]?.value ?? 0;
  return sum;
}

/** [start, end) of the site-local days `from` … `to` (inclusive). */
function daysSpan(from: string, to: string, timeZone: string): { start: number; end: number } {
  return { start: startOfLocalDay(from, timeZone), end: localDayBounds(to, timeZone).end };
}

/** "YYYY-MM" `offset` months from `month`. */
function addMonths(month: string, offset: number): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1 + offset, 1)).toISOString().slice(0, 7);
}

/**
 * A rolling cohort of metrics.md §8 (`retention30`/`ltv30`, `retention90`/`ltv90`): the customers
 * whose first order f falls on the cohort's days, followed over [f, f + days × 24 h].
 */
class RollingCohort {
  private customers = 0;
  private retained = 0;
  private value = 0;

  constructor(
    private readonly span: { start: number; end: number },
    private readonly lengthMs: number,
  ) {}

  /** `orders`: the customer's orders before the end of D (`count` of them), by time. */
  add(orders: readonly LedgerOrder[], count: number, first: number): void {
    if (first < this.span.start || first >= this.span.end) return;
    const last = first + this.lengthMs;
    const covered = Math.min(firstAfter(orders, last), count);
    this.customers++;
    // "Another order in (f, f + days × 24 h]": an order at the instant of the first is not another.
    if (firstAfter(orders, first) < covered) this.retained++;
    this.value += valueSum(orders, 0, covered);
  }

  retention(): number | null {
    return ratio(this.retained, this.customers);
  }

  ltv(): number | null {
    return ratio(this.value, this.customers);
  }
}

/** The calendar-month cohorts of metrics.md §8 `cohorts`, slot i = month (D's month − 11 + i). */
class MonthCohorts {
  private readonly months: string[] = [];
  /** Start (epoch ms) of each slot's month, site-local. */
  private readonly starts: number[] = [];
  private readonly customers: number[] = new Array(COHORT_MONTHS).fill(0);
  /** Per cohort slot, per later slot: customers with an order in that month. */
  private readonly retained: number[][] = [];
  /** Per cohort slot, per slot from it on: Σ order values of the cohort in that month. */
  private readonly revenue: number[][] = [];

  constructor(date: string, timeZone: string) {
    const month = date.slice(0, 7);
    for (let i = 0; i < COHORT_MONTHS; i++) {
      const slotMonth = addMonths(month, i - (COHORT_MONTHS - 1));
      this.months.push(slotMonth);
      this.starts.push(startOfLocalDay(`${slotMonth}-01`, timeZone));
      this.retained.push(new Array(COHORT_MONTHS).fill(0));
      this.revenue.push(new Array(COHORT_MONTHS).fill(0));
    }
  }

  /** The slot holding `time` (≥ the first slot's start), from slot `from` on. */
  private slotOf(time: number, from: number): number {
    let slot = from;
    while (slot + 1 < COHORT_MONTHS && (this.starts[slot + 1] ?? Number.POSITIVE_INFINITY) <= time) slot++;
    return slot;
  }

  /** `orders`: the customer's orders before the end of D (`count` of them), by time. */
  add(orders: readonly LedgerOrder[], count: number, first: number): void {
    if (first < (this.starts[0] ?? Number.POSITIVE_INFINITY)) return;
    const cohort = this.slotOf(first, 0);
    const retained = this.retained[cohort];
    const revenue = this.revenue[cohort];
    if (retained === undefined || revenue === undefined) return;
    this.customers[cohort] = (this.customers[cohort] ?? 0) + 1;
    let slot = cohort;
    let lastCounted = cohort;
    for (let i = 0; i < count; i++) {
      const order = orders[i];
      if (order === undefined) break;
      slot = this.slotOf(order.time, slot);
      revenue[slot] = (revenue[slot] ?? 0) + order.value;
      if (slot !== lastCounted) {
        retained[slot] = (retained[slot] ?? 0) + 1;
        lastCounted = slot;
      }
    }
  }

  figures(): CohortFigures[] {
    const result: CohortFigures[] = [];
    for (let cohort = 0; cohort < COHORT_MONTHS; cohort++) {
      const customers = this.customers[cohort] ?? 0;
      const month = this.months[cohort];
      if (customers === 0 || month === undefined) continue;
      const retained: number[] = [];
      const revenuePerCustomer: number[] = [];
      let cumulative = 0;
      for (let slot = cohort; slot < COHORT_MONTHS; slot++) {
        if (slot > cohort) retained.push((this.retained[cohort]?.[slot] ?? 0) / customers);
        cumulative += this.revenue[cohort]?.[slot] ?? 0;
        revenuePerCustomer.push(cumulative / customers);
      }
      result.push({ month, customers, retained, revenuePerCustomer });
    }
    return result;
  }
}

type NpsGroup = 'promoters' | 'passives' | 'detractors';

function npsGroupOf(score: number): NpsGroup {
  return score >= 9 ? 'promoters' : score >= 7 ? 'passives' : 'detractors';
}

/**
 * metrics.md §8 `experienceValue`: each journey's latest NPS response with time on D−59 … D−30 (ties:
 * the later in ledger order) puts it in a group; its order values in (τ, τ + 30 × 24 h], before the end
 * of D.
 */
function experienceValueOf(
  ledger: CustomerLedger,
  date: string,
  timeZone: string,
  end: number,
): ExperienceValueFigures {
  const from = addDays(date, -59);
  const to = addDays(date, -30);
  const window = daysSpan(from, to, timeZone);
  const latest = new Map<string, LedgerResponse>();
  const { responses } = ledger;
  for (let i = firstAtOrAfter(responses, window.start); i < responses.length; i++) {
    const response = responses[i];
    if (response === undefined || response.time >= window.end) break;
    latest.set(response.journeyId, response);
  }
  const sums: Record<NpsGroup, { respondents: number; revenue: number; repurchased: number }> = {
    promoters: { respondents: 0, revenue: 0, repurchased: 0 },
    passives: { respondents: 0, revenue: 0, repurchased: 0 },
    detractors: { respondents: 0, revenue: 0, repurchased: 0 },
  };
  for (const { journeyId, time, score } of latest.values()) {
    const group = sums[npsGroupOf(score)];
    group.respondents++;
    const orders = ledger.ordersByJourney.get(journeyId);
    if (orders === undefined) continue;
    const first = firstAfter(orders, time);
    const after = Math.min(firstAfter(orders, time + 30 * DAY_MS, first), firstAtOrAfter(orders, end, first));
    if (after > first) group.repurchased++;
    group.revenue += valueSum(orders, first, after);
  }
  const figuresOf = (group: NpsGroup): RespondentGroupFigures => {
    const { respondents, revenue, repurchased } = sums[group];
    return {
      respondents,
      revenuePerRespondent: ratio(revenue, respondents),
      repurchaseRate: ratio(repurchased, respondents),
    };
  };
  const promoters = figuresOf('promoters');
  const detractors = figuresOf('detractors');
  const gap =
    promoters.revenuePerRespondent === null || detractors.revenuePerRespondent === null
      ? null
      : promoters.revenuePerRespondent - detractors.revenuePerRespondent;
  return { from, to, promoters, passives: figuresOf('passives'), detractors, gap };
}

/**
 * metrics.md §8 for site S and day D, from the ledger of every archived day: only orders and responses
 * with time before the end of D (site-local) count. A customer is a journey with an order; its first
 * order, at f, is its earliest.
 *
 * - `new`: first order on D; `returning`: an order on D, first order before D; `repeatRate`: of the
 *   customers with a first order by the end of D, the share with two orders or more by then.
 * - `retention30` / `ltv30`: first order on D−59 … D−30, another order in (f, f + 30 × 24 h] / mean Σ
 *   order values over [f, f + 30 × 24 h]; `retention90` / `ltv90` the same on D−119 … D−90 over 90 days.
 * - `cohorts`: site-local calendar months from D's month − 11 to D's month that hold a first order.
 * - `experienceValue`: see `experienceValueOf`.
 *
 * One pass over the customers' order lists, each cut at the end of D by binary search.
 */
export function customersFigures(input: {
  config: SiteConfig;
  date: string;
  ledger: CustomerLedger;
}): CustomersFigures {
  const { config, date, ledger } = input;
  const timeZone = config.timezone;
  const { start, end } = localDayBounds(date, timeZone);
  const rolling30 = new RollingCohort(
    daysSpan(addDays(date, -59), addDays(date, -30), timeZone),
    30 * DAY_MS,
  );
  const rolling90 = new RollingCohort(
    daysSpan(addDays(date, -119), addDays(date, -90), timeZone),
    90 * DAY_MS,
  );
  const months = new MonthCohorts(date, timeZone);
  let newCustomers = 0;
  let returning = 0;
  let customers = 0;
  let repeated = 0;
  for (const orders of ledger.ordersByJourney.values()) {
    const first = orders[0]?.time;
    if (first === undefined || first >= end) continue;
    const count = firstAtOrAfter(orders, end);
    customers++;
    if (count >= 2) repeated++;
    if (first >= start) newCustomers++;
    else if (firstAtOrAfter(orders, start) < count) returning++;
    rolling30.add(orders, count, first);
    rolling90.add(orders, count, first);
    months.add(orders, count, first);
  }
  return {
    new: newCustomers,
    returning,
    repeatRate: ratio(repeated, customers),
    retention30: rolling30.retention(),
    ltv30: rolling30.ltv(),
    retention90: rolling90.retention(),
    ltv90: rolling90.ltv(),
    cohorts: months.figures(),
    experienceValue: experienceValueOf(ledger, date, timeZone, end),
  };
}
