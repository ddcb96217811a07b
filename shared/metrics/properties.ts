/** Typed reads of the free-form `properties` / `context` objects of an event. */
import type { JsonObject } from '../events/types';

/** A non-empty string value; anything else counts as absent. */
export function stringField(object: JsonObject | undefined, key: string): string | undefined {
  const value = object?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A finite number; anything else (strings included) counts as absent. */
export function numberField(object: JsonObject | undefined, key: string): number | undefined {
  const value = object?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * An identifier such as `order_id` or `cart_id`: a non-empty string, or a finite number read as its
 * decimal string (clients send both, and `42` and `"42"` name the same order).
 */
export function idField(object: JsonObject | undefined, key: string): string | undefined {
  const value = object?.[key];
  if (typeof value === 'string') return value !== '' ? value : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
