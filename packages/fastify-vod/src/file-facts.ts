import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { decodeScriptData, FLV_HEADER_SIZE, FLV_TAG_HEADER_SIZE, FlvError, FlvFileIndexer, TagType, decodeFlvHeader, type FlvFileIndex } from '@flvcast/flv';
import { LRUCache } from 'lru-cache';
import { summarizeMetadata, type MetadataSummary } from './metadata-summary.js';

/** One version of a file: a file rewritten (other size or mtime) is another entry. */
export interface FileVersion {
  readonly file: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Largest onMetaData read from a file's head (a 10-hour recording with a 1 s GOP has a ~650 KB index). */
export const MAX_METADATA_BYTES = 4 * 1024 * 1024;

/** Read size of a scan: large enough that a 100 MB file is a few hundred reads. */
const SCAN_CHUNK_BYTES = 256 * 1024;

/** What a file is not: not an FLV file at all. */
export class NotFlvError extends Error {
  readonly code = 'ERR_VOD_NOT_FLV';
}

interface Facts {
  head?: Promise<MetadataSummary>;
  index?: Promise<FlvFileIndex>;
}

/**
 * What the VOD side knows of its files, kept per file version in a bounded LRU: the seek index (a scan of
 * every tag header, streamed: never the whole file in memory) and the summary of the head's onMetaData.
 * Concurrent requests for the same file share one scan. A failed read is not kept.
 */
export class VodFileFacts {
  readonly #cache: LRUCache<string, Facts>;

  constructor(maxEntries: number) {
    this.#cache = new LRUCache({ max: maxEntries });
  }

  /** The seek index of this version of the file. Rejects with NotFlvError when it is no FLV file. */
  index(version: FileVersion): Promise<FlvFileIndex> {
    return this.#get(version, 'index', () => scanFile(version));
  }

  /** The duration and keyframes-index presence its onMetaData states (none: both unknown/false). */
  head(version: FileVersion): Promise<MetadataSummary> {
    return this.#get(version, 'head', () => readHead(version));
  }

  /** Drops every version of a file (it was deleted). */
  forget(file: string): void {
    for (const key of [...this.#cache.keys()]) if (key.startsWith(`${file}\0`)) this.#cache.delete(key);
  }

  #get<K extends keyof Facts>(version: FileVersion, what: K, load: () => NonNullable<Facts[K]>): NonNullable<Facts[K]> {
    const key = `${version.file}\0${version.size}\0${version.mtimeMs}`;
    let facts = this.#cache.get(key);
    if (facts === undefined) {
      facts = {};
      this.#cache.set(key, facts);
    }
    const known = facts[what];
    if (known !== undefined) return known as NonNullable<Facts[K]>;
    const loaded = load();
    facts[what] = loaded;
    (loaded as Promise<unknown>).catch(() => {
      if (facts[what] === loaded) delete facts[what];
    });
    return loaded;
  }
}

/** Streams the file (up to the size it had) through the incremental indexer. */
async function scanFile(version: FileVersion): Promise<FlvFileIndex> {
  const indexer = new FlvFileIndexer();
  if (version.size > 0) {
    const stream = createReadStream(version.file, { start: 0, end: version.size - 1, highWaterMark: SCAN_CHUNK_BYTES });
    try {
      for await (const chunk of stream) indexer.push(chunk as Buffer);
    } catch (err) {
      stream.destroy();
      if (err instanceof FlvError) throw new NotFlvError(`${version.file} is not an FLV file: ${err.message}`);
      throw err;
    }
  }
  try {
    return indexer.result();
  } catch (err) {
    if (err instanceof FlvError) throw new NotFlvError(`${version.file} is too short for an FLV file`);
    throw err;
  }
}

/** Reads the header and, when the first tag is onMetaData (as every recording's is), that tag. */
async function readHead(version: FileVersion): Promise<MetadataSummary> {
  const none: MetadataSummary = { durationMs: undefined, seekable: false };
  const handle = await open(version.file, 'r');
  try {
    const read = async (position: number, length: number): Promise<Uint8Array> => {
      const n = Math.max(0, Math.min(length, version.size - position));
      const buf = Buffer.alloc(n);
      const { bytesRead } = await handle.read(buf, 0, n, position);
      return buf.subarray(0, bytesRead);
    };
    let header;
    try {
      header = decodeFlvHeader(await read(0, FLV_HEADER_SIZE));
    } catch {
      throw new NotFlvError(`${version.file} is not an FLV file`);
    }
    const at = header.headerSize + 4;
    const tag = await read(at, FLV_TAG_HEADER_SIZE);
    if (tag.length < FLV_TAG_HEADER_SIZE || (tag[0]! & 0x1f) !== TagType.script) return none;
    const size = (tag[1]! << 16) | (tag[2]! << 8) | tag[3]!;
    if (size > MAX_METADATA_BYTES) return none;
    const payload = await read(at + FLV_TAG_HEADER_SIZE, size);
    if (payload.length < size) return none;
    try {
      const { name, value } = decodeScriptData(payload);
      return name === 'onMetaData' ? summarizeMetadata(value) : none;
    } catch {
      return none;
    }
  } finally {
    await handle.close();
  }
}
