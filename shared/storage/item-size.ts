/**
 * DynamoDB's limits, measured as DynamoDB measures them
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html,
 * "Item size"; checked 2026-12): strings and attribute names in UTF-8 bytes; a number about one byte
 * per two significant digits plus one (at most 21); booleans and null one byte; a list or map 3 bytes
 * plus, per element, 1 byte and the element (a map's element also its key). dynalite counts
 * characters, so a multibyte item it stores can be too large for AWS.
 */

export const DYNAMO_LIMITS = {
  itemBytes: 400 * 1024,
  batchWriteItems: 25,
  batchGetKeys: 100,
  queryPageBytes: 1024 * 1024,
} as const;

function numberBytes(value: number | bigint): number {
  const digits = String(value)
    .replace(/^-/, '')
    .replace(/e.*$/i, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.min(21, Math.ceil(Math.max(digits.length, 1) / 2) + 1);
}

/** Bytes of one attribute value (a native JavaScript value, as the document client takes it). */
export function attributeValueBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return numberBytes(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) {
    let bytes = 0;
    for (const member of value) bytes += attributeValueBytes(member);
    return bytes;
  }
  if (Array.isArray(value)) {
    let bytes = 3;
    for (const element of value) bytes += 1 + attributeValueBytes(element);
    return bytes;
  }
  if (typeof value === 'object') {
    let bytes = 3;
    for (const [key, element] of Object.entries(value)) {
      if (element === undefined) continue;
      bytes += 1 + Buffer.byteLength(key, 'utf8') + attributeValueBytes(element);
    }
    return bytes;
  }
  return 0;
}

/** Bytes of an item: every attribute's name and value. */
export function itemBytes(item: Readonly<Record<string, unknown>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    bytes += Buffer.byteLength(name, 'utf8') + attributeValueBytes(value);
  }
  return bytes;
}

/**
 * Splits `entries` into runs whose items — `itemOf(run)` — stay under `maxBytes`, in order. An entry
 * that alone is over the limit is a caller's bug (entries are bounded upstream): it throws.
 */
export function splitBySize<T>(
  entries: readonly T[],
  itemOf: (run: readonly T[]) => Record<string, unknown>,
  maxBytes: number,
): T[][] {
  const base = itemBytes(itemOf([]));
  const runs: T[][] = [];
  let run: T[] = [];
  let bytes = base;
  for (const entry of entries) {
    const entryBytes = 1 + attributeValueBytes(entry);
    if (base + entryBytes > maxBytes)
      throw new Error(`one entry of ${entryBytes} bytes cannot fit in an item`);
    if (bytes + entryBytes > maxBytes && run.length > 0) {
      runs.push(run);
      run = [];
      bytes = base;
    }
    run.push(entry);
    bytes += entryBytes;
  }
  if (run.length > 0 || runs.length === 0) runs.push(run);
  return runs;
}

/** A DynamoDB wire value (`{ S }`, `{ N }`, `{ M }`…), as the low-level client sends it. */
export interface WireValue {
  S?: string;
  N?: string;
  B?: Uint8Array;
  BOOL?: boolean;
  NULL?: boolean;
  L?: WireValue[];
  M?: Record<string, WireValue>;
  SS?: string[];
  NS?: string[];
  BS?: Uint8Array[];
}

function wireValueBytes(value: WireValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S, 'utf8');
  if (value.N !== undefined) return numberBytes(Number(value.N));
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L !== undefined)
    return value.L.reduce((bytes, element) => bytes + 1 + wireValueBytes(element), 3);
  if (value.M !== undefined) return wireItemBytes(value.M) + 3 + Object.keys(value.M).length;
  if (value.SS !== undefined)
    return value.SS.reduce((bytes, member) => bytes + Buffer.byteLength(member, 'utf8'), 0);
  if (value.NS !== undefined)
    return value.NS.reduce((bytes, member) => bytes + numberBytes(Number(member)), 0);
  if (value.BS !== undefined) return value.BS.reduce((bytes, member) => bytes + member.byteLength, 0);
  return 0;
}

/** Bytes of an item in wire form. */
export function wireItemBytes(item: Readonly<Record<string, WireValue>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item))
    bytes += Buffer.byteLength(name, 'utf8') + wireValueBytes(value);
  return bytes;
}
