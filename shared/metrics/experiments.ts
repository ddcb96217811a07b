/** Experiment figures (metrics.md §4 "experiments"). */
import { boundedKey, keptKeys, MAX_EXPERIMENTS, MAX_VARIANTS, OTHER_KEY } from './bounded';
import { cartFiguresOf } from './carts';
import { type Cart, type DayContext, EVENT_NAMES } from './day';
import { idField } from './properties';
import { ratio } from './rates';

export interface VariantFigures {
  variationId: string;
  journeys: number;
  orders: number;
  conversionRate: number | null;
  revenuePerJourney: number | null;
  cartAbandonmentRate: number | null;
}

export interface ExperimentFigures {
  experimentId: string;
  variants: VariantFigures[];
}

interface Exposure {
  readonly variationId: string;
  readonly time: number;
}

function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * At most 50 experiments (by journeys exposed) and 10 variants of each: the journeys of the others
 * count under an experiment "(other)" (variant "(other)", at its earliest exposure among them), or a
 * variant "(other)" of their experiment (bounded.ts).
 */
function boundExposures(exposures: Map<string, Map<string, Exposure>>): void {
  const keptExperiments = keptKeys(
    [...exposures].map(([id, byJourney]) => [id, byJourney.size]),
    MAX_EXPERIMENTS,
  );
  if (keptExperiments !== undefined) {
    const other = new Map<string, Exposure>();
    for (const [experimentId, byJourney] of exposures) {
      if (keptExperiments.has(experimentId)) continue;
      exposures.delete(experimentId);
      for (const [journeyId, { time }] of byJourney) {
        const earlier = other.get(journeyId);
        if (earlier === undefined || time < earlier.time)
          other.set(journeyId, { variationId: OTHER_KEY, time });
      }
    }
    exposures.set(OTHER_KEY, other);
  }
  for (const byJourney of exposures.values()) {
    const counts = new Map<string, number>();
    for (const { variationId } of byJourney.values())
      counts.set(variationId, (counts.get(variationId) ?? 0) + 1);
    const keptVariants = keptKeys(counts, MAX_VARIANTS);
    if (keptVariants === undefined) continue;
    for (const [journeyId, exposure] of byJourney)
      byJourney.set(journeyId, { ...exposure, variationId: boundedKey(exposure.variationId, keptVariants) });
  }
}

/**
 * metrics.md §4 experiments, from `Experiment Viewed` events of D (`experiment_id`, `variation_id`). A
 * journey's variant is the one of its earliest exposure in D (on a time tie, the first in archive
 * order). Per experiment and variant: `journeys`; `orders` = orders of D of those journeys after the
 * exposure; `conversionRate` = journeys with such an order / journeys; `revenuePerJourney` = Σ converted
 * values of those orders / journeys; `cartAbandonmentRate` = the carts figure over the carts of D whose
 * t0 is after the exposure, null without such carts. Experiments and variants sorted by id.
 *
 * Interpretation: "after exposure" is strictly after the time of the earliest exposure — metrics.md
 * says "at or after" where it means it (funnel). The public conformance data has no order or cart at
 * its exposure's exact instant, so it cannot tell the two readings apart; it does confirm that orders
 * and carts before the exposure are left out, and that the earliest (not the latest) exposure decides.
 */
export function experimentFigures(day: DayContext): ExperimentFigures[] {
  const exposures = new Map<string, Map<string, Exposure>>();
  for (const { event, journeyId, time } of day.tracks.get(EVENT_NAMES.experimentViewed) ?? []) {
    const experimentId = idField(event.properties, 'experiment_id');
    const variationId = idField(event.properties, 'variation_id');
    if (experimentId === undefined || variationId === undefined) continue;
    let byJourney = exposures.get(experimentId);
    if (byJourney === undefined) {
      byJourney = new Map();
      exposures.set(experimentId, byJourney);
    }
    // Events come in time order: the first exposure seen is the earliest.
    if (!byJourney.has(journeyId)) byJourney.set(journeyId, { variationId, time });
  }
  if (exposures.size === 0) return [];
  boundExposures(exposures);

  const cartsByJourney = new Map<string, Cart[]>();
  for (const cart of day.carts) {
    const list = cartsByJourney.get(cart.journeyId);
    if (list === undefined) cartsByJourney.set(cart.journeyId, [cart]);
    else list.push(cart);
  }

  const experiments: ExperimentFigures[] = [];
  for (const [experimentId, byJourney] of [...exposures].sort(([a], [b]) => byId(a, b))) {
    const variants = new Map<
      string,
      { journeys: number; orders: number; converted: number; revenue: number; carts: Cart[] }
    >();
    for (const [journeyId, { variationId, time }] of byJourney) {
      let variant = variants.get(variationId);
      if (variant === undefined) {
        variant = { journeys: 0, orders: 0, converted: 0, revenue: 0, carts: [] };
        variants.set(variationId, variant);
      }
      variant.journeys++;
      let orders = 0;
      for (const order of day.journeys.get(journeyId)?.orders ?? []) {
        if (order.time <= time) continue;
        orders++;
        if (order.value !== null) variant.revenue += order.value;
      }
      variant.orders += orders;
      if (orders > 0) variant.converted++;
      for (const cart of cartsByJourney.get(journeyId) ?? []) if (cart.start > time) variant.carts.push(cart);
    }
    experiments.push({
      experimentId,
      variants: [...variants]
        .sort(([a], [b]) => byId(a, b))
        .map(([variationId, variant]) => ({
          variationId,
          journeys: variant.journeys,
          orders: variant.orders,
          conversionRate: ratio(variant.converted, variant.journeys),
          revenuePerJourney: ratio(variant.revenue, variant.journeys),
          cartAbandonmentRate: cartFiguresOf(variant.carts).abandonmentRate,
        })),
    });
  }
  return experiments;
}
