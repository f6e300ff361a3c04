import { parseJsonObject } from './json-object.js';

/** The value of a stream's directory key: who holds it and where to pull it from. */
export interface StreamEntry {
  /** Pull URL: `http(s)://host:port/app/stream.flv` or `rtmp(s)://host:port/app/stream` (`?vhost=` with a vhost). */
  readonly url: string;
  /** The holding origin's id (its heartbeat key is `<prefix>origin:<id>`). */
  readonly origin: string;
  /** The origin's viewer count when the entry was last written (the heartbeat rewrites it). */
  readonly load: number;
  /** Wall clock ms when the origin claimed the stream. */
  readonly since: number;
}

export function encodeStreamEntry(entry: StreamEntry): string {
  return JSON.stringify({ url: entry.url, origin: entry.origin, load: entry.load, since: entry.since });
}

/** The entry in `text`, or undefined for anything else (another program's key, a truncated value): never throws. */
export function decodeStreamEntry(text: string | null | undefined): StreamEntry | undefined {
  const value = parseJsonObject(text);
  if (value === undefined) return undefined;
  const { url, origin, load, since } = value;
  if (typeof url !== 'string' || url === '' || typeof origin !== 'string' || origin === '') return undefined;
  if (typeof load !== 'number' || !Number.isFinite(load) || typeof since !== 'number' || !Number.isFinite(since)) return undefined;
  return { url, origin, load, since };
}
