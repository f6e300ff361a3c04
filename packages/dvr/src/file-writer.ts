import { access, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { reindexFlvFile } from './reindex-file.js';
import { WriteQueue, type Coalesce, type WriteChunks } from './write-queue.js';

/** Where a recording's bytes go: a file in production, memory in tests. */
export interface RecordingWriter {
  /** The ordered, bounded-by-its-user queue of bytes not written yet. */
  readonly queue: WriteQueue;
  /**
   * Once the queue is written: puts `metadata` over the placeholder at `metadataOffset` (or, undefined, has the
   * file rewritten with its index), and moves it to its final path. Resolves with that path.
   */
  finish(metadata: Uint8Array | undefined, metadataOffset: number): Promise<string>;
  /** Gives up (after a failure): closes what is open; the `.tmp` stays for the next start's repair. */
  abort(): Promise<void>;
}

/** Makes the writer of a recording whose finished file is `path`; `onError` hears of the first write error. */
export type OpenRecordingWriter = (path: string, onError: (err: Error) => void) => RecordingWriter;

/** The suffix of a recording being written. */
export const TMP_SUFFIX = '.tmp';

/** `path`, or the first of `name.1.flv`, `name.2.flv`… that does not exist: a finished recording is never overwritten. */
export async function freePath(path: string): Promise<string> {
  const ext = extname(path);
  const stem = path.slice(0, path.length - ext.length);
  for (let n = 0; n < 10_000; n++) {
    const candidate = n === 0 ? path : `${stem}.${n}${ext}`;
    try {
      await access(candidate);
    } catch {
      return candidate;
    }
  }
  throw new Error(`no free name for ${path}`);
}

/**
 * Writes to a file go out in batches of up to 256 KiB or 250 ms (about 10 writes a second for a 2.5 Mbit/s
 * stream instead of one per tag). A crash loses at most that much more than the page cache would.
 */
const FILE_COALESCE: Coalesce = { bytes: 256 * 1024, ms: 250 };

/**
 * A recording on disk: `<path>.tmp` (its directories made first), appended through a WriteQueue, then its
 * onMetaData written in place and the file renamed to `path` (a free variant if that exists). A `write`
 * may be given for tests (a slow disk); it gets the open file.
 */
export class FileRecordingWriter implements RecordingWriter {
  readonly queue: WriteQueue;
  readonly tmpPath: string;
  readonly #opened: Promise<FileHandle>;
  #closed = false;

  constructor(
    readonly path: string,
    onError: (err: Error) => void,
    write?: (fh: FileHandle, chunks: readonly Uint8Array[]) => Promise<void>,
  ) {
    this.tmpPath = path + TMP_SUFFIX;
    this.#opened = mkdir(dirname(path), { recursive: true }).then(() => open(this.tmpPath, 'w'));
    // A failed open is reported by the first write.
    this.#opened.catch(() => undefined);
    const append: WriteChunks = async (chunks) => {
      const fh = await this.#opened;
      if (write !== undefined) await write(fh, chunks);
      else await fh.writev(chunks as Uint8Array[]);
    };
    this.queue = new WriteQueue(append, onError, FILE_COALESCE);
  }

  async finish(metadata: Uint8Array | undefined, metadataOffset: number): Promise<string> {
    await this.queue.drained();
    if (this.queue.error !== undefined) throw this.queue.error;
    const fh = await this.#opened;
    if (metadata !== undefined) await fh.write(metadata, 0, metadata.length, metadataOffset);
    await fh.sync();
    await this.#close(fh);
    const final = await freePath(this.path);
    if (metadata !== undefined) {
      await rename(this.tmpPath, final);
    } else {
      // More keyframes than the reserved index holds: the file is rewritten once, with room for all of them.
      await reindexFlvFile(this.tmpPath, final);
      await rm(this.tmpPath, { force: true });
    }
    return final;
  }

  async abort(): Promise<void> {
    await this.queue.drained();
    const fh = await this.#opened.catch(() => undefined);
    if (fh !== undefined) await this.#close(fh).catch(() => undefined);
  }

  async #close(fh: FileHandle): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await fh.close();
  }
}

/** The production writer factory. */
export const openFileRecordingWriter: OpenRecordingWriter = (path, onError) => new FileRecordingWriter(path, onError);
