import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { isServedName, segmentProblem } from './vod-path.js';

export type ConfinedFile =
  | { readonly ok: true; /** The real path, symlinks resolved. */ readonly file: string; readonly stat: Stats }
  | { readonly ok: false; readonly status: 403 | 404; readonly reason: string };

const missing = (err: unknown): boolean => ['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG'].includes((err as NodeJS.ErrnoException).code ?? '');

/**
 * The file `segments` names below `root`, if it really is there: the root and the file are resolved to
 * their real paths (every symlink followed), and the file must lie inside the real root, be a regular file,
 * and still have a served name (`*.flv`, no hidden part) once resolved. So a symlink that leads out of the
 * directory, or to a `.tmp` or any other file inside it, serves nothing.
 */
export async function confinedFile(root: string, segments: readonly string[]): Promise<ConfinedFile> {
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (err) {
    if (missing(err)) return { ok: false, status: 404, reason: 'the VOD directory does not exist (yet)' };
    throw err;
  }
  let file: string;
  try {
    file = await realpath(join(realRoot, ...segments));
  } catch (err) {
    if (missing(err)) return { ok: false, status: 404, reason: 'no such file' };
    throw err;
  }
  const rel = relative(realRoot, file);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || !file.startsWith(realRoot + sep)) return { ok: false, status: 403, reason: 'the path leads out of the VOD directory' };
  if (rel.split(sep).some((s) => segmentProblem(s) !== undefined) || !isServedName(basename(file))) return { ok: false, status: 404, reason: 'not a served file once links are resolved' };
  const info = await stat(file);
  if (!info.isFile()) return { ok: false, status: 404, reason: 'not a regular file' };
  return { ok: true, file, stat: info };
}
