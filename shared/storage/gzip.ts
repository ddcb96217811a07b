import { gunzipSync } from 'node:zlib';

/** Beyond this a trailer's size is not trusted for one allocation (it is only a hint). */
const MAX_ONE_CHUNK_BYTES = 512 * 1024 * 1024;

/**
 * `gunzipSync` into one buffer sized from the gzip trailer (ISIZE: the uncompressed length mod 2³²
 * of the last member). Node's default 16 KiB chunks made inflating the 40–50 MB derived records
 * thousands of chunks and a concatenation, about twice the time. The size is a hint only: a
 * multi-member or oversized object still inflates whole, in more chunks.
 */
export function gunzipWhole(bytes: Uint8Array): Buffer {
  const size =
    bytes.length >= 18
      ? (bytes[bytes.length - 4] ?? 0) +
        (bytes[bytes.length - 3] ?? 0) * 0x100 +
        (bytes[bytes.length - 2] ?? 0) * 0x10000 +
        (bytes[bytes.length - 1] ?? 0) * 0x1000000
      : 0;
  // One byte more than the output: inflate sees its end without asking for another chunk.
  return size > 64 * 1024 && size < MAX_ONE_CHUNK_BYTES
    ? gunzipSync(bytes, { chunkSize: size + 1 })
    : gunzipSync(bytes);
}
