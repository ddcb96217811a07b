/**
 * A binary encoding for the derived records' columns (shared/metrics/session-columns.ts and the
 * folded outcomes prefix): JSON for the structure, raw little-endian typed arrays for every long array
 * of numbers. A day of a million events holds millions of such numbers; JSON.parse turns each into a
 * heap number in a growing array, which cost an hourly run more than the figures themselves. Read
 * back, a long number array is an Int32Array (every value an int32) or a Float64Array over the bytes
 * as they came: nothing to parse, little for the collector to trace.
 *
 * Layout: "RXC1", u32 header length, header JSON `{ value, columns }` (each lifted array replaced by
 * `{ "$column": i }`), zero padding to 8 bytes, then the columns, each 8-byte aligned.
 */
import { endianness } from 'node:os';

const MAGIC = 'RXC1';
/** Shorter arrays stay in the JSON header: not worth a column. */
const MIN_COLUMN_LENGTH = 64;
const COLUMN_REF = '$column';

interface ColumnHeader {
  type: 'i32' | 'f64';
  /** Byte offset from the start of the column area. */
  offset: number;
  length: number;
}

function isInt32(values: readonly number[]): boolean {
  for (const value of values) if ((value | 0) !== value || Object.is(value, -0)) return false;
  return true;
}

function isNumberArray(value: unknown[]): value is number[] {
  for (const item of value) if (typeof item !== 'number') return false;
  return true;
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('the columnar encoding is little-endian only');
}

/** `value` (JSON-safe but for typed arrays, which are written as columns too) as bytes. */
export function encodeColumnar(value: unknown): Buffer {
  assertLittleEndian();
  const columns: { header: ColumnHeader; bytes: Uint8Array }[] = [];
  let offset = 0;
  const lift = (array: Int32Array | Float64Array): { [COLUMN_REF]: number } => {
    const type = array instanceof Int32Array ? 'i32' : 'f64';
    columns.push({
      header: { type, offset, length: array.length },
      bytes: new Uint8Array(array.buffer, array.byteOffset, array.byteLength),
    });
    offset += Math.ceil(array.byteLength / 8) * 8;
    return { [COLUMN_REF]: columns.length - 1 };
  };
  const skeleton = (item: unknown): unknown => {
    if (item instanceof Int32Array || item instanceof Float64Array) return lift(item);
    if (Array.isArray(item)) {
      if (item.length >= MIN_COLUMN_LENGTH && isNumberArray(item))
        return lift(isInt32(item) ? Int32Array.from(item) : Float64Array.from(item));
      return item.map(skeleton);
    }
    if (item !== null && typeof item === 'object')
      return Object.fromEntries(
        Object.entries(item).flatMap(([key, field]) => (field === undefined ? [] : [[key, skeleton(field)]])),
      );
    return item;
  };
  const header = Buffer.from(
    JSON.stringify({ value: skeleton(value), columns: columns.map((column) => column.header) }),
  );
  const headerEnd = Math.ceil((8 + header.length) / 8) * 8;
  const out = Buffer.alloc(headerEnd + offset);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, 4);
  header.copy(out, 8);
  for (const column of columns) out.set(column.bytes, headerEnd + column.header.offset);
  return out;
}

function isColumnHeader(value: unknown): value is ColumnHeader {
  if (value === null || typeof value !== 'object') return false;
  const { type, offset, length } = value as Record<string, unknown>;
  return (type === 'i32' || type === 'f64') && typeof offset === 'number' && typeof length === 'number';
}

/**
 * The value `encodeColumnar` was given, its long number arrays as typed arrays; throws on bytes that
 * are not such an encoding.
 */
export function decodeColumnar(bytes: Buffer): unknown {
  assertLittleEndian();
  if (bytes.length < 8 || bytes.toString('latin1', 0, 4) !== MAGIC) throw new Error('not a columnar record');
  const headerLength = bytes.readUInt32LE(4);
  const parsed: unknown = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength));
  if (parsed === null || typeof parsed !== 'object') throw new Error('columnar header is not an object');
  const { value, columns } = parsed as Record<string, unknown>;
  if (!Array.isArray(columns) || !columns.every(isColumnHeader)) throw new Error('bad columnar header');
  const base = Math.ceil((8 + headerLength) / 8) * 8;
  // Views need the bytes 8-byte aligned in their ArrayBuffer; a pooled Buffer may not be.
  let aligned = bytes;
  if ((bytes.byteOffset + base) % 8 !== 0) {
    aligned = Buffer.alloc(bytes.length);
    bytes.copy(aligned);
  }
  const column = (header: ColumnHeader): Int32Array | Float64Array => {
    const start = aligned.byteOffset + base + header.offset;
    const size = header.length * (header.type === 'i32' ? 4 : 8);
    if (base + header.offset + size > aligned.length) throw new Error('columnar record is truncated');
    return header.type === 'i32'
      ? new Int32Array(aligned.buffer, start, header.length)
      : new Float64Array(aligned.buffer, start, header.length);
  };
  const rebuild = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(rebuild);
    if (item !== null && typeof item === 'object') {
      const fields = item as Record<string, unknown>;
      const ref = fields[COLUMN_REF];
      if (typeof ref === 'number') {
        const header = columns[ref];
        if (header === undefined) throw new Error('columnar reference out of range');
        return column(header);
      }
      return Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, rebuild(field)]));
    }
    return item;
  };
  return rebuild(value);
}
