/**
 * The part of a normalized event the figures read (metrics.md §1–§4). The aggregator keeps only this
 * while it holds a day in memory: archive lines carry user agents, pages and libraries that no figure
 * uses, and a day can hold millions of events.
 */
import type { JsonObject, NormalizedEvent } from '../events/types';
import { isJsonObject } from './properties';

const TOP_LEVEL = [
  'messageId',
  'type',
  'event',
  'name',
  'userId',
  'anonymousId',
  'previousId',
  'site',
  'receivedAt',
  'timestamp',
] as const;

const PROPERTY_KEYS = [
  'touchpoint',
  'order_id',
  'revenue',
  'total',
  'price',
  'quantity',
  'currency',
  'cart_id',
  'survey',
  'score',
  'team',
  'kind',
  'experiment_id',
  'variation_id',
] as const;

const CONTEXT_KEYS = ['channel', 'touchpoint'] as const;

const PRODUCT_LINE_KEYS = ['price', 'quantity'] as const;

/**
 * What slimming keeps: a figure that reads a field not listed here reads nothing in the aggregator.
 * Partials store slimmed events, so a change here needs a PARTIAL_FORMAT bump (partial.ts):
 * test/shared/metrics/slim-format.test.ts fails until both are done.
 */
export const SLIMMED_FIELDS = {
  topLevel: TOP_LEVEL,
  properties: PROPERTY_KEYS,
  productLine: PRODUCT_LINE_KEYS,
  context: CONTEXT_KEYS,
} as const;

function pick(source: JsonObject, keys: readonly string[]): JsonObject | undefined {
  let picked: JsonObject | undefined;
  for (const key of keys) {
    const value = source[key];
    if (value === undefined) continue;
    picked ??= {};
    picked[key] = value;
  }
  return picked;
}

/** Repeated strings (ids of a journey, event names, receivedAt) kept once: JSON.parse copies each. */
export function createInterner(limit = 2_000_000): (value: string) => string {
  const seen = new Map<string, string>();
  return (value) => {
    const known = seen.get(value);
    if (known !== undefined) return known;
    if (seen.size < limit) seen.set(value, value);
    return value;
  };
}

/** Every top-level string repeats across events except the two that are unique per event. */
const INTERNED: ReadonlySet<string> = new Set(
  TOP_LEVEL.filter((key) => key !== 'messageId' && key !== 'timestamp'),
);

export function slimForFigures(
  event: NormalizedEvent,
  intern: (value: string) => string = (v) => v,
): NormalizedEvent {
  const slim = {} as NormalizedEvent;
  for (const key of TOP_LEVEL) {
    const value = event[key];
    if (value === undefined) continue;
    (slim as JsonObject)[key] = typeof value === 'string' && INTERNED.has(key) ? intern(value) : value;
  }
  if (isJsonObject(event.properties)) {
    // No figure reads an empty properties object: pages and most views keep none (one object less each).
    const properties = pick(event.properties, PROPERTY_KEYS);
    const products = event.properties.products;
    if (Array.isArray(products)) {
      slim.properties = properties ?? {};
      slim.properties.products = products.map((line) =>
        isJsonObject(line) ? (pick(line, PRODUCT_LINE_KEYS) ?? {}) : line,
      );
    } else if (properties) slim.properties = properties;
  }
  if (isJsonObject(event.context)) {
    const context = pick(event.context, CONTEXT_KEYS);
    if (context && typeof context.channel === 'string') context.channel = intern(context.channel);
    if (context) slim.context = context;
  }
  return slim;
}

/** Interns the repeated strings of an already slimmed event in place (a partial read back from JSON). */
export function internSlimmed(event: NormalizedEvent, intern: (value: string) => string): NormalizedEvent {
  const fields = event as JsonObject;
  for (const key of INTERNED) {
    const value = fields[key];
    if (typeof value === 'string') fields[key] = intern(value);
  }
  if (isJsonObject(event.context) && typeof event.context.channel === 'string')
    event.context.channel = intern(event.context.channel);
  return event;
}
