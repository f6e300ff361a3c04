import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { freePath, TMP_SUFFIX } from './file-writer.js';
import { NotFlvError, reindexFlvFile } from './reindex-file.js';
import type { DvrLog } from './recording.js';

/** Directory levels searched below the root; recordings are never deeper than a template makes them. */
const MAX_DEPTH = 16;

export interface RepairResult {
  /** `.tmp` files made into finished recordings: where each went. */
  readonly repaired: { readonly from: string; readonly to: string; readonly keyframes: number; readonly duration: number }[];
  /** `.tmp` files left as they were (not FLV, unreadable), with why. */
  readonly failed: { readonly path: string; readonly error: string }[];
}

/**
 * Every `*.flv.tmp` below `root` (recordings a crash or power loss left unfinished) made a finished,
 * seekable recording: the tail cut at the last whole tag, the metadata and keyframes index rebuilt by
 * scanning, renamed to its `.flv` (a free variant when that exists). One log line each. A `.tmp` without
 * even an FLV header is deleted (it holds no media); one that is not FLV is left and reported. Run it
 * before recording starts: it takes every `.tmp` for a dead recorder's.
 */
export async function repairRecordings(root: string, log: DvrLog): Promise<RepairResult> {
  const result: RepairResult = { repaired: [], failed: [] };
  for (const tmp of await findTmpFiles(root, 0)) {
    try {
      const { size } = await stat(tmp);
      if (size < 13) {
        await rm(tmp, { force: true });
        log.warn({ path: tmp, bytes: size }, 'dvr: removed an unfinished recording with no media');
        continue;
      }
      const to = await freePath(tmp.slice(0, -TMP_SUFFIX.length));
      const { index } = await reindexFlvFile(tmp, to);
      await rm(tmp, { force: true });
      result.repaired.push({ from: tmp, to, keyframes: index.keyframes.times.length, duration: index.duration });
      log.info({ path: to, from: tmp, duration: index.duration, keyframes: index.keyframes.times.length, cutBytes: size - index.validEnd }, 'dvr: repaired an unfinished recording');
    } catch (err) {
      result.failed.push({ path: tmp, error: (err as Error).message });
      log.warn({ path: tmp, err: (err as Error).message }, err instanceof NotFlvError ? 'dvr: an unfinished recording is not FLV; left as it is' : 'dvr: could not repair an unfinished recording');
    }
  }
  return result;
}

async function findTmpFiles(dir: string, depth: number): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return []; // no recordings yet
  }
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory() && depth < MAX_DEPTH) out.push(...(await findTmpFiles(path, depth + 1)));
    else if (e.isFile() && e.name.endsWith(`.flv${TMP_SUFFIX}`)) out.push(path);
  }
  return out;
}
