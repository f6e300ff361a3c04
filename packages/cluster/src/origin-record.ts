import { parseJsonObject } from './json-object.js';

/** What an origin's heartbeat key says about it (for operators and for choosing among origins later). */
export interface OriginRecord {
  readonly id: string;
  /** The base URL others pull its streams from (`--cluster-advertise`). */
  readonly url: string;
  readonly load: { readonly streams: number; readonly viewers: number };
  /** Wall clock ms when this directory started. */
  readonly startedAt: number;
}

export function encodeOriginRecord(record: OriginRecord): string {
  return JSON.stringify({ id: record.id, url: record.url, load: { streams: record.load.streams, viewers: record.load.viewers }, startedAt: record.startedAt });
}

/** The record in `text`, or undefined for anything else; never throws. */
export function decodeOriginRecord(text: string | null | undefined): OriginRecord | undefined {
  const value = parseJsonObject(text);
  if (value === undefined) return undefined;
  const { id, url, load, startedAt } = value;
  if (typeof id !== 'string' || typeof url !== 'string' || typeof startedAt !== 'number' || load === null || typeof load !== 'object') return undefined;
  const { streams, viewers } = load as Record<string, unknown>;
  if (typeof streams !== 'number' || typeof viewers !== 'number') return undefined;
  return { id, url, load: { streams, viewers }, startedAt };
}
