/**
 * How a VOD file is named to access control (`onPlay`, signed URLs): `app` is its first directory and
 * `stream` the rest of its path without `.flv`, so `live/cam.1700000000.flv` is app `live`, stream
 * `cam.1700000000`, signed as `live/cam.1700000000`; a file at the root has app ''.
 */
export function vodAccessName(path: string): { vhost: ''; app: string; stream: string } {
  const name = path.slice(0, -'.flv'.length);
  const slash = name.indexOf('/');
  return slash < 0 ? { vhost: '', app: '', stream: name } : { vhost: '', app: name.slice(0, slash), stream: name.slice(slash + 1) };
}

/** Epoch times in a name, as the DVR's `[timestamp]` writes them: ms (13 digits) or s (10 digits), years 2001-2286. */
const STAMP = /(?:^|[^0-9])(\d{13}|\d{10})(?=[^0-9]|$)/g;

/** The time a file name says its recording started (the last epoch-looking number in it), if it says one. */
export function timestampInName(name: string): number | undefined {
  let found: number | undefined;
  for (const m of name.matchAll(STAMP)) {
    const digits = m[1]!;
    found = digits.length === 13 ? Number(digits) : Number(digits) * 1000;
  }
  return found;
}

/**
 * The live stream a recording probably came from, as `app/stream`: the first directory, and the file name
 * without `.flv` and without a trailing `.<timestamp>` or `-<timestamp>` (the DVR's default path is
 * `[app]/[stream].[timestamp].flv`). A guess from the name alone, for display and grouping.
 */
export function guessStream(path: string): string {
  const segments = path.split('/');
  const file = segments.at(-1)!.slice(0, -'.flv'.length);
  const stream = file.replace(/[.\-_](\d{13}|\d{10})$/, '') || file;
  return segments.length > 1 ? `${segments[0]}/${stream}` : stream;
}
