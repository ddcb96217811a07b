/** `null` is absent: what clients send as null is read as if they had not sent it (Segment's API does). */
import { defineOwn } from './privacy';
import type { JsonObject } from './types';

// analytics.js 2.0 (@segment/analytics-next) sends `"userId": null` before identify, and SDKs send
// `properties: null`, `context.page.search: null` and the like. Every field of an event but `type` is
// optional — properties, traits, context and the rest are open objects whose every key is optional — so
// a null anywhere in an object is dropped before validation. A required field sent as null is then
// rejected as a missing one (`missing_identity`, `missing_event_name`, `invalid_survey_score`); a null
// `type` stays and is rejected as `unknown_type`. Array elements keep their places: a null in a list is
// a value, not an absent field (objects inside lists lose their nulls like any other).

/** Whether any object key below `value` (at any depth, lists included) holds null. */
function holdsNull(value: object): boolean {
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      if (typeof item === 'object' && item !== null && holdsNull(item)) return true;
    }
    return false;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const child: unknown = (value as JsonObject)[key];
    if (child === null) return true;
    if (typeof child === 'object' && holdsNull(child)) return true;
  }
  return false;
}

function copyWithoutNulls(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return (value as unknown[]).map(copyWithoutNulls);
  const copy: JsonObject = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const child: unknown = (value as JsonObject)[key];
    if (child !== null) defineOwn(copy, key, copyWithoutNulls(child));
  }
  return copy;
}

/** The object without its null fields, at every depth (the same object when it holds none). */
export function objectWithoutNulls(value: JsonObject): JsonObject {
  return holdsNull(value) ? (copyWithoutNulls(value) as JsonObject) : value;
}

/**
 * The event without its null fields (the same object when it holds none, which is most events). Run it
 * after the nesting check (`isNestedTooDeeply`): it recurses once per level.
 */
export function eventWithoutNulls(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const event = raw as JsonObject;
  const copy = objectWithoutNulls(event);
  // `type` is the one field every event needs: a null one is reported as what it is.
  if (copy !== event && Object.hasOwn(event, 'type') && event.type === null) defineOwn(copy, 'type', null);
  return copy;
}
