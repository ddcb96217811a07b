/**
 * Amounts in `properties` (money and quantities): Segment's spec types them as numbers, and clients
 * sometimes send `"50.00"`. Ingest stores a numeric string as its number and rejects any other string,
 * so the figures and a query over the archive (README, Athena) read the same amount.
 */
import type { JsonObject } from './types';

/**
 * The amount fields of `properties`: what metrics.md §3 reads (revenue, total, price, quantity) and
 * the other numbers of Segment's ecommerce spec and reserved track properties.
 */
export const AMOUNT_FIELDS = [
  'revenue',
  'total',
  'subtotal',
  'value',
  'price',
  'quantity',
  'shipping',
  'tax',
  'discount',
] as const;

/** The amount fields of each line of `properties.products`. */
export const PRODUCT_AMOUNT_FIELDS = ['price', 'quantity'] as const;

/**
 * Plain decimal notation, optionally signed, with an optional exponent: `50`, `50.00`, `-5.5`, `.5`,
 * `1e3`. Nothing locale-dependent (`50,00`), no currency signs, no spaces, no hex, no `Infinity`.
 */
const NUMERIC_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a numeric string spells, or undefined when it spells none (or one beyond a double). */
export function amountFromText(text: string): number | undefined {
  if (!NUMERIC_TEXT.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * An amount as the figures read it: a finite number, or a numeric string (events archived before
 * ingest converted them); anything else counts as absent.
 */
export function amountOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' ? amountFromText(value) : undefined;
}

export type AmountsResult = { ok: true; properties: JsonObject } | { ok: false; problem: string };

/** Long strings are cut in messages: the answer names the field and shows the start of the value. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function problemOf(path: string, text: string): string {
  return `${path}: an amount must be a number or a numeric string such as "50.00", got ${quoted(text)}`;
}

function hasStringAmount(source: JsonObject, fields: readonly string[]): boolean {
  for (const field of fields) if (typeof source[field] === 'string') return true;
  return false;
}

/** `source` with its string amounts converted (a copy when any is), or the first field that cannot be. */
function convertedFields(
  source: JsonObject,
  fields: readonly string[],
  path: string,
): { ok: true; value: JsonObject } | { ok: false; problem: string } {
  if (!hasStringAmount(source, fields)) return { ok: true, value: source };
  const copy: JsonObject = { ...source };
  for (const field of fields) {
    const value = source[field];
    if (typeof value !== 'string') continue;
    const amount = amountFromText(value);
    if (amount === undefined) return { ok: false, problem: problemOf(`${path}.${field}`, value) };
    copy[field] = amount;
  }
  return { ok: true, value: copy };
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The event's properties with every numeric string in an amount field (AMOUNT_FIELDS, and
 * PRODUCT_AMOUNT_FIELDS in each product line) replaced by its number. Returns the same object when
 * nothing changes and never modifies its input; other types (null, booleans, objects) are left as they
 * are: the figures read them as absent, as a query's TRY_CAST does.
 */
export function withNumericAmounts(properties: JsonObject): AmountsResult {
  const top = convertedFields(properties, AMOUNT_FIELDS, 'properties');
  if (!top.ok) return top;
  const products = properties.products;
  if (!Array.isArray(products)) return { ok: true, properties: top.value };
  let lines: unknown[] | undefined;
  for (let index = 0; index < products.length; index += 1) {
    const line: unknown = products[index];
    if (!isPlainObject(line)) continue;
    const converted = convertedFields(line, PRODUCT_AMOUNT_FIELDS, `properties.products[${index}]`);
    if (!converted.ok) return converted;
    if (converted.value === line) continue;
    lines ??= [...products];
    lines[index] = converted.value;
  }
  if (!lines) return { ok: true, properties: top.value };
  const out = top.value === properties ? { ...properties } : top.value;
  out.products = lines;
  return { ok: true, properties: out };
}
