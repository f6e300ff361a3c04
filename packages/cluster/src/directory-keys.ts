import type { StreamKey } from '@flvcast/hub';

/** What every key starts with unless configured: several clusters (or tests) can share one Redis with their own. */
export const DEFAULT_KEY_PREFIX = 'flvcast:';

/**
 * The directory key of a stream: `<prefix>stream:app/stream`, or `<prefix>stream:vhost/app/stream` with a
 * vhost. Stream names never contain `/` (the hub allows letters, digits, `_ - .`), so the number of parts
 * says whether a vhost is there.
 */
export function streamEntryKey(prefix: string, key: StreamKey): string {
  return `${prefix}stream:${key.vhost === '' ? '' : `${key.vhost}/`}${key.app}/${key.stream}`;
}

/** The heartbeat key of an origin: `<prefix>origin:<id>`; it exists while the origin is alive. */
export function originKey(prefix: string, id: string): string {
  return `${prefix}origin:${id}`;
}
