/** Cart figures (metrics.md §4 "carts"). */
import type { Cart, DayContext } from './day';
import { ratio } from './rates';

export interface CartFigures {
  created: number;
  converted: number;
  abandoned: number;
  abandonmentRate: number | null;
  abandonedValue: number;
}

/** max(0, added − removed) of an abandoned cart, in the site currency (metrics.md §4 carts). */
export function abandonedValueOf(cart: Pick<Cart, 'addedValue' | 'removedValue'>): number {
  return Math.max(0, cart.addedValue - cart.removedValue);
}

/**
 * metrics.md §4 carts, from the day context's carts: `created` = distinct cart keys with a
 * `Product Added` in D; `converted` = an order in [t0, t0 + W] by one of the three matching rules
 * (`isConverted` in day.ts, looking ahead into D+1); `abandoned` = created − converted;
 * `abandonedValue` = Σ over abandoned carts of max(0, added − removed in D).
 *
 * Interpretations: both ends of the window are inclusive ([t0, t0 + W] as written); a cart without
 * `cart_id` is converted by any order of its journey, whatever `cart_id` the order carries (third rule
 * as written); removals anywhere in D count, also those before t0 (2026-10-26 needs them); each line is
 * converted to the site currency before summing, and max(0, ·) applies per cart (2026-10-25/26 need it).
 */
export function cartFigures(day: DayContext): CartFigures {
  return cartFiguresOf(day.carts);
}

/** The cart figures of any subset of carts (experiments use the carts of a variant's journeys). */
export function cartFiguresOf(carts: readonly Cart[]): CartFigures {
  let converted = 0;
  let abandonedValue = 0;
  for (const cart of carts) {
    if (cart.converted) converted++;
    else abandonedValue += abandonedValueOf(cart);
  }
  const abandoned = carts.length - converted;
  return {
    created: carts.length,
    converted,
    abandoned,
    abandonmentRate: ratio(abandoned, carts.length),
    abandonedValue,
  };
}
