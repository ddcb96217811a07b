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

export function slimForFigures(event: NormalizedEvent): NormalizedEvent {
  const slim = {} as NormalizedEvent;
  for (const key of TOP_LEVEL) {
    const value = event[key];
    if (value !== undefined) (slim as JsonObject)[key] = value;
  }
  if (isJsonObject(event.properties)) {
    const properties = pick(event.properties, PROPERTY_KEYS) ?? {};
    const products = event.properties.products;
    if (Array.isArray(products)) {
      properties.products = products.map((line) =>
        isJsonObject(line) ? (pick(line, ['price', 'quantity']) ?? {}) : line,
      );
    }
    slim.properties = properties;
  }
  if (isJsonObject(event.context)) {
    const context = pick(event.context, CONTEXT_KEYS);
    if (context) slim.context = context;
  }
  return slim;
}
