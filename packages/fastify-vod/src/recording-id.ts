import { MAX_PATH_DEPTH, isServedName, segmentProblem } from './vod-path.js';

/** Stable and URL-safe: the relative path itself, base64url-encoded (so the same file keeps its id). */
export function recordingId(path: string): string {
  return Buffer.from(path, 'utf8').toString('base64url');
}

/** The relative path an id names, or undefined for an id that is no path the VOD side would serve. */
export function recordingPath(id: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,1400}$/.test(id)) return undefined;
  const path = Buffer.from(id, 'base64url').toString('utf8');
  // Only the id we would issue for it: base64url decoding forgives stray characters and spare bits.
  if (recordingId(path) !== id) return undefined;
  const segments = path.split('/');
  if (segments.length > MAX_PATH_DEPTH || segments.some((s) => segmentProblem(s) !== undefined) || !isServedName(segments.at(-1)!)) return undefined;
  return path;
}
