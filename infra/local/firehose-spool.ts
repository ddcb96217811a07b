/**
 * The Firehose stand-in's spool: each buffer's lines in a file of their own, on disk before the
 * stand-in acknowledges them, so a crash of `roxtrail start` loses nothing it acknowledged.
 *
 * A spool file is a header line (the buffer's partition prefix, the arrival of its oldest line and
 * the id of the object it becomes) followed by the buffer's lines, exactly as the object holds them.
 * Appends go out in order and are fsynced before their promise resolves; appends that arrive while
 * one is being written are written and fsynced together with the next one (group commit).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as z from 'zod/mini';

const SPOOL_SUFFIX = '.spool';

const spoolHeaderSchema = z.object({
  prefix: z.string(),
  firstAtMs: z.number(),
  objectId: z.string().check(z.regex(/^[0-9a-f-]{36}$/)),
});

export type SpoolHeader = z.infer<typeof spoolHeaderSchema>;

interface PendingAppend {
  text: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class SpoolFile {
  private handle: FileHandle | undefined;
  private pending: PendingAppend[] = [];
  private draining: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    /** The header, for a file that does not exist yet: written with its first lines. */
    private header: string | undefined,
  ) {}

  /** A new spool file for a new buffer; created on disk with its first append. */
  static create(dir: string, header: SpoolHeader): SpoolFile {
    return new SpoolFile(join(dir, `${header.objectId}${SPOOL_SUFFIX}`), `${JSON.stringify(header)}\n`);
  }

  /** A file a previous process left, cut back to its last complete line; appends continue after it. */
  static adopt(path: string, completeBytes: number): SpoolFile {
    truncateSync(path, completeBytes);
    return new SpoolFile(path, undefined);
  }

  /** Appends lines; resolves once they are on disk (written and fsynced). */
  append(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ text, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Deletes the file once the appends already asked for are done (its buffer is in S3). */
  async remove(): Promise<void> {
    await this.draining;
    await this.handle?.close();
    this.handle = undefined;
    await rm(this.path, { force: true });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      try {
        const handle = await this.opened();
        const header = this.header ?? '';
        // FileHandle.appendFile writes all of it (it loops over short writes).
        await handle.appendFile(header + batch.map((append) => append.text).join(''));
        this.header = undefined;
        await handle.datasync();
        for (const append of batch) append.resolve();
      } catch (error) {
        for (const append of batch) append.reject(error);
      }
    }
    this.draining = undefined;
  }

  /** Opens the file on the first append (one drain at a time, so never twice at once). */
  private async opened(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    const handle = await open(this.path, 'a');
    // A new file's directory entry must reach the disk too, or a power cut could lose the whole file.
    if (this.header !== undefined) await syncDirectory(dirname(this.path));
    this.handle = handle;
    return handle;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open a directory; its file system journals directory entries on its own.
  } finally {
    await handle?.close();
  }
}

export interface SpooledBuffer {
  header: SpoolHeader;
  /** Its lines, each newline-terminated, in arrival order. */
  lines: string[];
  spool: SpoolFile;
}

/**
 * The buffers a previous process left in `dir`, oldest first. A torn last line (the process died while
 * writing it, before the batch was acknowledged) is cut off; a file without a complete line after its
 * header holds nothing that was acknowledged and is deleted. A file whose header cannot be read is
 * reported and left alone.
 */
export function readSpool(dir: string, onUnreadable: (path: string) => void): SpooledBuffer[] {
  mkdirSync(dir, { recursive: true });
  const buffers: SpooledBuffer[] = [];
  for (const name of readdirSync(dir).filter((file) => file.endsWith(SPOOL_SUFFIX))) {
    const path = join(dir, name);
    const bytes = readFileSync(path);
    const completeBytes = bytes.lastIndexOf(0x0a) + 1;
    const headerBytes = bytes.indexOf(0x0a) + 1;
    if (completeBytes === headerBytes) {
      rmSync(path, { force: true });
      continue;
    }
    let header: SpoolHeader;
    try {
      header = spoolHeaderSchema.parse(JSON.parse(bytes.subarray(0, headerBytes).toString('utf8')));
    } catch {
      onUnreadable(path);
      continue;
    }
    const lines = bytes
      .subarray(headerBytes, completeBytes)
      .toString('utf8')
      .split('\n')
      .slice(0, -1)
      .map((line) => `${line}\n`);
    buffers.push({ header, lines, spool: SpoolFile.adopt(path, completeBytes) });
  }
  return buffers.sort((a, b) => a.header.firstAtMs - b.header.firstAtMs);
}
