/**
 * What `sites apply` changes in a stored site config: the field-by-field diff it prints, the merge of
 * a partial file onto the stored document (`--merge`), and the fields a plain apply of a partial file
 * sends back to their defaults. Pure: plain JSON in, plain data out.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One field that differs between two configs, addressed like a figure path (`touchpoints.live_chat.team`). */
export type ConfigChange =
  | { path: string; kind: 'changed'; before: JsonValue; after: JsonValue }
  | { path: string; kind: 'added'; after: JsonValue }
  | { path: string; kind: 'removed'; before: JsonValue };

/**
 * The config's maps, keyed by names the site chooses (touchpoints, currencies): a file that gives one
 * gives all of it, so an entry it lacks is removed rather than "left out". Every other object is a
 * record of named fields, each of which falls back to its default when a file leaves it out.
 */
export const SITE_CONFIG_MAPS: readonly string[] = ['currencyRates', 'touchpoints'];

function isObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isJsonValue(value: unknown): value is JsonValue {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}

/** Deep equality of JSON values; object key order does not matter, array order does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => jsonEqual(item, b[index]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}

/** `a.b`, or `a[b.c]` for a key that would not read as one path segment. */
function childPath(path: string, key: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${key}]`;
}

/** Arrays of objects that all carry a distinct string `id` (alert rules) are compared entry by entry. */
function idsOf(items: readonly JsonValue[]): string[] | undefined {
  const ids: string[] = [];
  for (const item of items) {
    if (!isObject(item) || typeof item.id !== 'string') return undefined;
    ids.push(item.id);
  }
  return new Set(ids).size === ids.length ? ids : undefined;
}

function isScalar(value: JsonValue): boolean {
  return value === null || typeof value !== 'object';
}

function diffArrays(path: string, before: JsonValue[], after: JsonValue[], out: ConfigChange[]): void {
  if (jsonEqual(before, after)) return;
  const beforeIds = idsOf(before);
  const afterIds = idsOf(after);
  const found = out.length;
  if (beforeIds && afterIds) {
    // Rules by id, as alert paths name list entries: `alerts.rules[cart-abandonment-high].above`.
    for (const [index, id] of beforeIds.entries()) {
      const removed = before[index];
      if (!afterIds.includes(id) && removed !== undefined)
        out.push({ path: `${path}[${id}]`, kind: 'removed', before: removed });
    }
    for (const [index, id] of afterIds.entries()) {
      const item = after[index];
      if (item === undefined) continue;
      const previous = before[beforeIds.indexOf(id)];
      if (previous === undefined) out.push({ path: `${path}[${id}]`, kind: 'added', after: item });
      else diffValues(`${path}[${id}]`, previous, item, out);
    }
  } else if (before.every(isScalar) && after.every(isScalar)) {
    // Lists of values (origins, pii keys, webhooks): what was added and what was removed.
    const beforeKeys = before.map((item) => JSON.stringify(item));
    const afterKeys = after.map((item) => JSON.stringify(item));
    if (new Set(beforeKeys).size === before.length && new Set(afterKeys).size === after.length) {
      for (const [index, key] of beforeKeys.entries()) {
        const item = before[index];
        if (!afterKeys.includes(key) && item !== undefined) out.push({ path, kind: 'removed', before: item });
      }
      for (const [index, key] of afterKeys.entries()) {
        const item = after[index];
        if (!beforeKeys.includes(key) && item !== undefined) out.push({ path, kind: 'added', after: item });
      }
    }
  }
  // Same entries in another order, or lists that cannot be matched entry by entry: the whole list.
  if (out.length === found) out.push({ path, kind: 'changed', before, after });
}

function diffValues(path: string, before: JsonValue, after: JsonValue, out: ConfigChange[]): void {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      const was = Object.hasOwn(before, key) ? before[key] : undefined;
      const now = Object.hasOwn(after, key) ? after[key] : undefined;
      const at = childPath(path, key);
      if (was === undefined && now !== undefined) out.push({ path: at, kind: 'added', after: now });
      else if (was !== undefined && now === undefined) out.push({ path: at, kind: 'removed', before: was });
      else if (was !== undefined && now !== undefined) diffValues(at, was, now, out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    diffArrays(path, before, after, out);
    return;
  }
  if (!jsonEqual(before, after)) out.push({ path, kind: 'changed', before, after });
}

/** Every field that differs between the stored config and the new one, in field order (sorted by key). */
export function siteConfigChanges(before: unknown, after: unknown): ConfigChange[] {
  const out: ConfigChange[] = [];
  diffValues('', toJson(before), toJson(after), out);
  return out;
}

/** A config as JSON sees it (drops undefined optional fields, as storing and printing it do). */
function toJson(value: unknown): JsonValue {
  const json: unknown = JSON.parse(JSON.stringify(value ?? null));
  return isJsonValue(json) ? json : null;
}

const MAX_VALUE_CHARS = 200;

function shown(value: JsonValue): string {
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

/** `timezone: "UTC" → "Europe/Rome"`, `touchpoints.size_guide: added {"dailyCost":15}`. */
export function formatConfigChange(change: ConfigChange): string {
  switch (change.kind) {
    case 'changed':
      return `${change.path}: ${shown(change.before)} → ${shown(change.after)}`;
    case 'added':
      return `${change.path}: added ${shown(change.after)}`;
    case 'removed':
      return `${change.path}: removed (was ${shown(change.before)})`;
  }
}

/**
 * A partial file applied onto the stored document (`sites apply --merge`), as a JSON merge patch
 * (RFC 7386): objects are merged key by key, at any depth; arrays and other values replace what was
 * there; `null` removes a key, which then takes its default when the result is validated.
 */
export function mergeSiteConfig(stored: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const base = isObject(stored) ? stored : {};
  const merged = new Map<string, unknown>(Object.entries(base));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) merged.delete(key);
    else merged.set(key, mergeSiteConfig(merged.get(key), value));
  }
  // fromEntries defines own properties: a "__proto__" key stays data and never becomes the prototype.
  return Object.fromEntries(merged);
}

/** A field a plain `sites apply` file leaves out while the stored config sets it to something else. */
export interface ResetField {
  path: string;
  /** The stored value. */
  before: JsonValue;
  /** The default it goes back to; undefined when the field is simply unset. */
  after: JsonValue | undefined;
}

function collectResets(
  path: string,
  input: { [key: string]: JsonValue },
  stored: { [key: string]: JsonValue },
  applied: JsonValue | undefined,
  out: ResetField[],
): void {
  const appliedObject = isObject(applied) ? applied : {};
  for (const key of Object.keys(stored).sort()) {
    const was = stored[key];
    if (was === undefined) continue;
    const now = Object.hasOwn(appliedObject, key) ? appliedObject[key] : undefined;
    const at = childPath(path, key);
    const given = Object.hasOwn(input, key) ? input[key] : undefined;
    if (given === undefined) {
      if (!jsonEqual(was, now)) out.push({ path: at, before: was, after: now });
    } else if (isObject(given) && isObject(was)) {
      if (SITE_CONFIG_MAPS.includes(at)) {
        // A map given is all of it; its entries are records again (a touchpoint's team).
        for (const name of Object.keys(given).sort()) {
          const entry = given[name];
          const storedEntry = was[name];
          const appliedMap = isObject(now) ? now : {};
          if (isObject(entry) && isObject(storedEntry))
            collectResets(childPath(at, name), entry, storedEntry, appliedMap[name], out);
        }
      } else collectResets(at, given, was, now, out);
    }
  }
}

/**
 * The fields a plain (not `--merge`) apply of `input` sends back to their defaults: those it leaves
 * out, at any depth of the records it gives, whose stored value differs from what was applied.
 * `applied` is the validated config (defaults filled in); maps it gives whole are not "left out".
 */
export function fieldsResetByApply(stored: unknown, input: unknown, applied: unknown): ResetField[] {
  const storedJson = toJson(stored);
  const inputJson = toJson(input);
  if (!isObject(storedJson) || !isObject(inputJson)) return [];
  const out: ResetField[] = [];
  collectResets('', inputJson, storedJson, toJson(applied), out);
  return out;
}
