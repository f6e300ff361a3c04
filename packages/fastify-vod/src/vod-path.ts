/** A VOD request's path checked without the file system: the file it names, relative to the VOD directory. */
export type VodPath = { readonly ok: true; readonly path: string; readonly segments: readonly string[] } | { readonly ok: false; readonly status: 400 | 404; readonly reason: string };

/** Deeper paths are refused (and never listed): the catalog's walk stops there too. */
export const MAX_PATH_DEPTH = 8;

/** Characters no served name contains: path separators of any OS, NUL and other control characters. */
const FORBIDDEN = (s: string): boolean => /[\\/]/.test(s) || [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/**
 * Checks one decoded path segment: no `.`/`..`, no hidden names (`.x`, which also covers both), no
 * separators or control characters; undefined when it may name a file or directory below the VOD root.
 */
export function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'empty path segment';
  if (segment.startsWith('.')) return `"${segment}": names starting with "." are not served`;
  if (FORBIDDEN(segment)) return 'path separators, backslashes and control characters are not allowed in a name';
  return undefined;
}

/** Whether a relative file name is one the VOD side serves: `*.flv` (a recording still being written is `*.flv.tmp`). */
export const isServedName = (name: string): boolean => name.endsWith('.flv') && name.length > 4;

/**
 * The relative file path a raw (still percent-encoded) URL path below the mount names, e.g. `/live/a%20b.flv`
 * → `live/a b.flv`. Each segment is decoded once, on its own, so an encoded `/` (`%2f`) or `..` (`%2e%2e`)
 * stays inside its segment and is refused there; a double-encoded one (`%252e`) decodes to a literal `%2e`.
 * Refused: 400 for malformed or forbidden paths, 404 for names that are not `*.flv` (nothing else exists here).
 */
export function parseVodPath(rawPath: string): VodPath {
  if (!rawPath.startsWith('/')) return { ok: false, status: 400, reason: 'the path must start with "/"' };
  const raw = rawPath.slice(1).split('/');
  if (raw.length > MAX_PATH_DEPTH) return { ok: false, status: 400, reason: `paths are at most ${MAX_PATH_DEPTH} segments deep` };
  const segments: string[] = [];
  for (const part of raw) {
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      return { ok: false, status: 400, reason: 'malformed percent-encoding in the path' };
    }
    const problem = segmentProblem(segment);
    if (problem !== undefined) return { ok: false, status: 400, reason: problem };
    segments.push(segment);
  }
  const path = segments.join('/');
  if (!isServedName(segments.at(-1)!)) return { ok: false, status: 404, reason: 'only *.flv files are served' };
  return { ok: true, path, segments };
}

/** The URL of a relative file path below the mount: each segment percent-encoded. */
export function vodUrl(mount: string, path: string): string {
  return `${mount}/${path.split('/').map(encodeURIComponent).join('/')}`;
}
