import type { Dirent } from 'node:fs';
import { opendir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { confinedFile } from './confined-file.js';
import { VodFileFacts } from './file-facts.js';
import { recordingId, recordingPath } from './recording-id.js';
import { MAX_PATH_DEPTH, isServedName, segmentProblem, vodUrl } from './vod-path.js';
import { guessStream, timestampInName } from './vod-stream-name.js';

/** One FLV file below the VOD directory, as the API and the dashboard's feed list it. */
export interface Recording {
  /** Stable, URL-safe (the relative path, base64url): `DELETE /api/v1/recordings/:id`. */
  readonly id: string;
  /** Relative to the VOD directory, `/`-separated. */
  readonly path: string;
  /** Its VOD URL on this server (`<vodMount>/<path>`, percent-encoded), relative to the server's origin. */
  readonly url: string;
  /** The live stream it probably recorded, `app/stream`, guessed from its path. */
  readonly stream: string;
  /** ISO time it started: a `[timestamp]` in its name, else its last change minus its duration. */
  readonly start: string;
  readonly durationMs: number;
  readonly bytes: number;
  /** Its onMetaData has a keyframes index: players can seek in it with Range requests. */
  readonly seekable: boolean;
}

/** What `fastify.vod` offers: the recordings under the VOD directory, and their removal. */
export interface VodCatalog {
  /** Every `*.flv` below the directory (at most `MAX_CATALOG_FILES`, `MAX_PATH_DEPTH` deep), newest first. */
  list(): Promise<Recording[]>;
  /** Deletes the recording with this id; false when there is none (or the id names nothing servable). */
  remove(id: string): Promise<boolean>;
}

/** Files listed at most: a directory with more lists its first ones and logs one warning. */
export const MAX_CATALOG_FILES = 10_000;

/** Files looked at (stat, head) at the same time while listing: bounds open file descriptors. */
const LIST_CONCURRENCY = 8;

/** The catalog of a plugin without a VOD directory. */
export const emptyCatalog: VodCatalog = { list: async () => [], remove: async () => false };

/** The catalog of a VOD directory: walks it on every list (bounded), reads each file's head once per version. */
export class RecordingsCatalog implements VodCatalog {
  readonly #dir: string;
  readonly #mount: string;
  readonly #facts: VodFileFacts;
  readonly #log: FastifyBaseLogger;
  readonly #maxFiles: number;
  #warnedFull = false;

  constructor(opts: { dir: string; mount: string; facts: VodFileFacts; log: FastifyBaseLogger; maxFiles?: number }) {
    this.#dir = opts.dir;
    this.#mount = opts.mount;
    this.#facts = opts.facts;
    this.#log = opts.log;
    this.#maxFiles = opts.maxFiles ?? MAX_CATALOG_FILES;
  }

  async list(): Promise<Recording[]> {
    const paths = await this.#walk();
    const out: Recording[] = [];
    for (let i = 0; i < paths.length; i += LIST_CONCURRENCY) {
      const batch = await Promise.all(paths.slice(i, i + LIST_CONCURRENCY).map((p) => this.#describe(p)));
      for (const r of batch) if (r !== undefined) out.push(r);
    }
    return out.sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : a.path < b.path ? -1 : 1));
  }

  async remove(id: string): Promise<boolean> {
    const path = recordingPath(id);
    if (path === undefined) return false;
    const found = await confinedFile(this.#dir, path.split('/'));
    if (!found.ok) return false;
    try {
      await unlink(found.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    this.#facts.forget(found.file);
    this.#log.info({ path, file: found.file }, 'vod: recording deleted');
    return true;
  }

  /** Relative paths of the served files: breadth-first, real directories only (links are not followed). */
  async #walk(): Promise<string[]> {
    const found: string[] = [];
    let level: string[] = [''];
    for (let depth = 1; depth <= MAX_PATH_DEPTH && level.length > 0; depth++) {
      const next: string[] = [];
      for (const rel of level) {
        let entries: Dirent[];
        try {
          entries = [];
          for await (const entry of await opendir(join(this.#dir, rel))) entries.push(entry);
        } catch (err) {
          // The directory may not exist yet (no recording made), or went away while we walked.
          if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) continue;
          throw err;
        }
        entries.sort((a, b) => (a.name < b.name ? -1 : 1));
        for (const entry of entries) {
          if (segmentProblem(entry.name) !== undefined) continue;
          const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
          if (entry.isDirectory()) next.push(path);
          else if (entry.isFile() && isServedName(entry.name)) {
            if (found.length >= this.#maxFiles) return this.#full(found);
            found.push(path);
          }
        }
      }
      level = next;
    }
    this.#warnedFull = false;
    return found;
  }

  #full(found: string[]): string[] {
    if (!this.#warnedFull) this.#log.warn({ dir: this.#dir, listed: found.length }, `vod: more than ${this.#maxFiles} recordings; the catalog lists the first ${this.#maxFiles}`);
    this.#warnedFull = true;
    return found;
  }

  async #describe(path: string): Promise<Recording | undefined> {
    const file = join(this.#dir, ...path.split('/'));
    try {
      const info = await stat(file);
      const version = { file, size: info.size, mtimeMs: info.mtimeMs };
      const head = await this.#facts.head(version);
      // No duration in its head (a file nobody indexed): the scan's.
      const durationMs = head.durationMs ?? Math.round((await this.#facts.index(version)).duration * 1000);
      const start = timestampInName(path.split('/').at(-1)!) ?? info.mtimeMs - durationMs;
      return { id: recordingId(path), path, url: vodUrl(this.#mount, path), stream: guessStream(path), start: new Date(start).toISOString(), durationMs, bytes: info.size, seekable: head.seekable };
    } catch (err) {
      // Deleted meanwhile, or not FLV at all: not a recording.
      this.#log.debug({ err, path }, 'vod: file left out of the catalog');
      return undefined;
    }
  }
}

/**
 * A catalog of `dir` without the routes: for a process that lists and deletes recordings another process
 * serves (the flvcast primary's API while its workers serve the files). '' = the empty catalog.
 */
export function createVodCatalog(opts: { vodDir: string; vodMount: string; log: FastifyBaseLogger; cacheEntries?: number }): VodCatalog {
  if (opts.vodDir === '') return emptyCatalog;
  const catalog = new RecordingsCatalog({ dir: opts.vodDir, mount: opts.vodMount, facts: new VodFileFacts(opts.cacheEntries ?? 256), log: opts.log });
  return { list: () => catalog.list(), remove: (id) => catalog.remove(id) };
}
