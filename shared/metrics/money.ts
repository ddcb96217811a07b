/** Order values, product line values and currency conversion (metrics.md §3). */
import type { SiteConfig } from '../config/site';
import type { JsonObject, NormalizedEvent } from '../events/types';
import { isJsonObject, numberField } from './properties';

/** `price × (quantity ?? 1)`, 0 when price is missing (metrics.md §3). Non-numbers count as missing. */
export function lineValue(line: JsonObject | undefined): number {
  // Named reads rather than numberField: this runs for every product line of the day.
  const price = line?.price;
  if (typeof price !== 'number' || !Number.isFinite(price)) return 0;
  const quantity = line?.quantity;
  return typeof quantity === 'number' && Number.isFinite(quantity) ? price * quantity : price;
}

/**
 * Order value in the order's own currency (metrics.md §3): `revenue`, else `total`, else Σ over
 * `products` of price × (quantity ?? 1), else 0. "Else" means absent: a `revenue` of 0 is used as 0.
 */
export function orderValue(properties: JsonObject | undefined): number {
  const revenue = numberField(properties, 'revenue');
  if (revenue !== undefined) return revenue;
  const total = numberField(properties, 'total');
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
