/** Order values, product line values and currency conversion (metrics.md §3). */
import type { SiteConfig } from '../config/site';
import { amountOf } from '../events/amounts';
import type { JsonObject, NormalizedEvent } from '../events/types';
import { isJsonObject } from './properties';

/**
 * `price × (quantity ?? 1)`, 0 when price is missing (metrics.md §3). Amounts are numbers; a numeric
 * string (ingest converts them, older archives may hold them) reads as its number, as a query's
 * TRY_CAST reads it; anything else counts as missing.
 */
export function lineValue(line: JsonObject | undefined): number {
  // Numbers first, without a call: this runs for every product line of the day.
  const rawPrice = line?.price;
  const price = typeof rawPrice === 'number' ? rawPrice : amountOf(rawPrice);
  if (price === undefined || !Number.isFinite(price)) return 0;
  const rawQuantity = line?.quantity;
  const quantity = typeof rawQuantity === 'number' ? rawQuantity : amountOf(rawQuantity);
  return quantity !== undefined && Number.isFinite(quantity) ? price * quantity : price;
}

/**
 * Order value in the order's own currency (metrics.md §3): `revenue`, else `total`, else Σ over
 * `products` of price × (quantity ?? 1), else 0. "Else" means absent: a `revenue` of 0 is used as 0.
 * Amounts are read as lineValue reads them.
 */
export function orderValue(properties: JsonObject | undefined): number {
  const revenue = amountOf(properties?.revenue);
  if (revenue !== undefined) return revenue;
  const total = amountOf(properties?.total);
  if (total !== undefined) return total;
  const products = properties?.products;
  if (!Array.isArray(products)) return 0;
  let sum = 0;
  for (const product of products) if (isJsonObject(product)) sum += lineValue(product);
  return sum;
}

/** Currency of an event's amounts: `properties.currency`, else the site currency. */
export function currencyOf(properties: JsonObject | undefined, config: SiteConfig): string {
  const currency = properties?.currency;
  return typeof currency === 'string' && currency !== '' ? currency : config.currency;
}

/**
 * Rate to the site currency (site currency per unit), or undefined when the site config has none
 * (metrics.md §3). The site currency itself always converts at 1.
 */
export function rateToSiteCurrency(currency: string, config: SiteConfig): number | undefined {
  if (currency === config.currency) return 1;
  return config.currencyRates[currency];
}

/**
 * Value of an `Order Completed` / `Order Refunded` event in the site currency, or null when its currency
 * has no rate: such an order is left out of every money figure (and counted in
 * `quality.unconvertedOrders`).
 */
export function convertedOrderValue(event: NormalizedEvent, config: SiteConfig): number | null {
  const rate = rateToSiteCurrency(currencyOf(event.properties, config), config);
  if (rate === undefined) return null;
  return orderValue(event.properties) * rate;
}

/** Line value of a `Product Added` / `Product Removed` event in the site currency; 0 when unconvertible. */
export function convertedLineValue(event: NormalizedEvent, config: SiteConfig): number {
  const rate = rateToSiteCurrency(currencyOf(event.properties, config), config);
  if (rate === undefined) return 0;
  return lineValue(event.properties) * rate;
}
