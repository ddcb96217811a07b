/**
 * A day's actor index: which user and anonymous ids have events archived under one site-local day,
 * as 32-bit hashes. Erasure reads it to find a user's days once their journey items have expired
 * (site config `journeyRetentionDays` shorter than `retentionDays`), instead of reading every day of
 * the archive. A hash names no one by itself; a false match (about 650,000 actors a day give 1 in
 * 6,600 per id checked) costs reading one more day, never a missed one.
 *
 * Encoding: `RXA1`, the count (uint32 LE), then the sorted distinct hashes as varint deltas, which
 * gzip stores in about 2 bytes an actor.
 */

const MAGIC = [0x52, 0x58, 0x41, 0x31]; // "RXA1"
const HEADER_BYTES = MAGIC.length + 4;

/** FNV-1a over the id's UTF-16 code units: fast, stable, and the same in every process. */
export function actorHash(id: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index += 1) {
    hash ^= id.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export interface ActorFields {
  userId?: string;
  anonymousId?: string;
  previousId?: string;
}

/**
 * Sorted distinct hashes of the ids the events tie to a person: the fields erasure matches on
 * (userId, anonymousId, previousId).
 */
export function actorHashesOf(events: Iterable<ActorFields>): Uint32Array {
  const hashes = new Set<number>();
  for (const event of events) {
    if (event.userId) hashes.add(actorHash(event.userId));
    if (event.anonymousId) hashes.add(actorHash(event.anonymousId));
    if (event.previousId) hashes.add(actorHash(event.previousId));
  }
  return Uint32Array.from(hashes).sort();
}

/** The sorted distinct union of sorted hash lists (a day's index from its hour partials'). */
export function unionOfHashes(lists: Iterable<ArrayLike<number>>): Uint32Array {
  let total = 0;
  const all: ArrayLike<number>[] = [];
  for (const list of lists) {
    all.push(list);
    total += list.length;
  }
  const merged = new Uint32Array(total);
  let offset = 0;
  for (const list of all) {
    merged.set(list, offset);
    offset += list.length;
  }
  merged.sort();
  let kept = 0;
  for (let index = 0; index < merged.length; index += 1) {
    const value = merged[index] ?? 0;
    if (kept === 0 || merged[kept - 1] !== value) merged[kept++] = value;
  }
  return merged.subarray(0, kept);
}

export function encodeActorIndex(sortedHashes: Uint32Array): Uint8Array {
  // At most 5 varint bytes a hash.
  const bytes = new Uint8Array(HEADER_BYTES + sortedHashes.length * 5);
  bytes.set(MAGIC, 0);
  new DataView(bytes.buffer).setUint32(MAGIC.length, sortedHashes.length, true);
  let offset = HEADER_BYTES;
  let previous = 0;
  for (const hash of sortedHashes) {
    let delta = hash - previous;
    previous = hash;
    while (delta >= 0x80) {
      bytes[offset++] = (delta & 0x7f) | 0x80;
      delta = Math.floor(delta / 0x80);
    }
    bytes[offset++] = delta;
  }
  return bytes.subarray(0, offset);
}

export function decodeActorIndex(bytes: Uint8Array): Uint32Array {
  if (bytes.length < HEADER_BYTES || MAGIC.some((byte, index) => bytes[index] !== byte)) {
    throw new Error('not an actor index (RXA1)');
  }
  const count = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC.length, true);
  const hashes = new Uint32Array(count);
  let offset = HEADER_BYTES;
  let previous = 0;
  for (let index = 0; index < count; index += 1) {
    let delta = 0;
    let scale = 1;
    for (;;) {
      const byte = bytes[offset++];
      if (byte === undefined) throw new Error('actor index truncated');
      delta += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 0x80;
    }
    previous += delta;
    hashes[index] = previous;
  }
  return hashes;
}

/** Whether any of `ids` may have events in the day the index describes (binary search per id). */
export function indexMayContain(sortedHashes: Uint32Array, ids: Iterable<string>): boolean {
  for (const id of ids) {
    const hash = actorHash(id);
    let low = 0;
    let high = sortedHashes.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = sortedHashes[middle] ?? 0;
      if (value === hash) return true;
      if (value < hash) low = middle + 1;
      else high = middle - 1;
    }
  }
  return false;
}
