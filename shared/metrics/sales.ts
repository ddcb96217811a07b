/** Sales figures (metrics.md §4 "sales"). */
import type { DayContext } from './day';
import { ratio } from './rates';

export interface SalesFigures {
  orders: number;
  revenue: number;
  aov: number | null;
  customers: number;
  refunds: number;
  refundedValue: number;
  netRevenue: number;
}

/**
 * metrics.md §4 sales: orders of D de-duplicated by `order_id` (the earliest event of an id counts, on
 * its own day); `revenue` = Σ converted order values; `aov` = revenue / orders with a converted value
 * (orders whose currency has no rate count in `orders` and `customers`, never in money);
 * `customers` = distinct journeys with an order; `refunds` / `refundedValue` the same way from
 * `Order Refunded`; `netRevenue` = revenue − refundedValue.
 *
 * Interpretations: `customers` counts journeys whose only order has no rate (2026-10-25: 40, not 38);
 * `aov` divides by converted orders only (2026-10-25). An order id's earliest event is looked for in
 * every event given, so a repeat on D of an order first seen on D−1 is only recognised when the caller
 * passes D−1's events too. A refund in a currency without a rate counts in `refunds`, not in
 * `refundedValue`, and not in `quality.unconvertedOrders` (which counts orders).
 */
export function salesFigures(day: DayContext): SalesFigures {
  let revenue = 0;
  let converted = 0;
  const customers = new Set<string>();
  for (const order of day.orders) {
    customers.add(order.journeyId);
    if (order.value === null) continue;
    revenue += order.value;
    converted++;
  }
  let refundedValue = 0;
  for (const refund of day.refunds) if (refund.value !== null) refundedValue += refund.value;
  return {
    orders: day.orders.length,
    revenue,
    aov: ratio(revenue, converted),
    customers: customers.size,
    refunds: day.refunds.length,
    refundedValue,
    netRevenue: revenue - refundedValue,
  };
}

/** metrics.md §3: orders of D whose currency has no rate (for `quality.unconvertedOrders`). */
export function unconvertedOrders(day: DayContext): number {
  let count = 0;
  for (const order of day.orders) if (order.value === null) count++;
  return count;
}
