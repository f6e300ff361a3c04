/** What a VOD request asks for beyond the plain file. */
export type StartRequest =
  | { readonly kind: 'file' }
  | { readonly kind: 'offset'; readonly offset: number }
  | { readonly kind: 'time'; readonly seconds: number }
  | { readonly kind: 'invalid'; readonly reason: string };

/** The keyframes of a file: times (s, from its first media tag) and the offsets of their tags, ascending. */
export interface KeyframeIndex {
  readonly times: readonly number[];
  readonly filepositions: readonly number[];
}

export type StartResolution = { readonly ok: true; readonly offset: number } | { readonly ok: false; readonly reason: string };

const one = (value: unknown): string | undefined | null => (value === undefined ? undefined : typeof value === 'string' ? value : null);

/**
 * `?start=<byte offset>` (nginx's flv module) or `?starttime=<seconds>`; neither, or `start=0`, is the whole
 * file. Strict: digits only for start, a plain decimal for starttime, each given once, not both.
 */
export function parseStartQuery(query: Readonly<Record<string, unknown>>): StartRequest {
  const start = one(query.start);
  const starttime = one(query.starttime);
  if (start === null || starttime === null) return { kind: 'invalid', reason: 'start and starttime may each be given once' };
  if (start !== undefined && starttime !== undefined) return { kind: 'invalid', reason: 'give start or starttime, not both' };
  if (start !== undefined) {
    if (!/^\d{1,15}$/.test(start)) return { kind: 'invalid', reason: `start must be a byte offset (digits), got ${JSON.stringify(start.slice(0, 40))}` };
    const offset = Number(start);
    return offset === 0 ? { kind: 'file' } : { kind: 'offset', offset };
  }
  if (starttime !== undefined) {
    if (!/^\d{1,9}(\.\d{1,6})?$/.test(starttime)) return { kind: 'invalid', reason: `starttime must be seconds (e.g. 12 or 12.5), got ${JSON.stringify(starttime.slice(0, 40))}` };
    return { kind: 'time', seconds: Number(starttime) };
  }
  return { kind: 'file' };
}

/** Index of the last element <= value in an ascending list; -1 when none is. */
function lastAtOrBefore(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! <= value) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Where a `start`/`starttime` request begins in the file: a byte offset must be one of its keyframe tags
 * (anything else would hand the player half a tag or a frame it cannot decode); a time maps to the
 * keyframe at or before it (the first keyframe for a time before it).
 */
export function resolveStart(request: { kind: 'offset'; offset: number } | { kind: 'time'; seconds: number }, keyframes: KeyframeIndex): StartResolution {
  const positions = keyframes.filepositions;
  if (positions.length === 0) return { ok: false, reason: 'this file has no keyframes to start at (its seek index is empty)' };
  if (request.kind === 'time') {
    // A millisecond of slack: times come from ms timestamps and may be written with float error.
    const i = Math.max(0, lastAtOrBefore(keyframes.times, request.seconds + 0.0005));
    return { ok: true, offset: positions[i]! };
  }
  const i = lastAtOrBefore(positions, request.offset);
  if (i >= 0 && positions[i] === request.offset) return { ok: true, offset: request.offset };
  const near = [positions[i], positions[i + 1]].filter((p) => p !== undefined).join(' or ');
  return { ok: false, reason: `start=${request.offset} is not the offset of a keyframe tag of this file (the nearest: ${near}; see the keyframes index in its onMetaData)` };
}
