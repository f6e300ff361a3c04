import { Amf0EcmaArray, type Amf0Value } from '@flvcast/amf0';

/** What the catalog reads from a file's onMetaData. */
export interface MetadataSummary {
  /** From `duration` (seconds), when it is a positive number. */
  readonly durationMs: number | undefined;
  /** It carries a `keyframes { times, filepositions }` index (what flv.js/mpegts.js seek with). */
  readonly seekable: boolean;
}

const isRecord = (v: unknown): v is Record<string, Amf0Value> => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

/** Pure: the duration and the presence of a usable keyframes index in an onMetaData value. */
export function summarizeMetadata(value: Amf0Value | undefined): MetadataSummary {
  const values = value instanceof Amf0EcmaArray ? value.entries : isRecord(value) ? value : {};
  const duration = values.duration;
  const raw = values.keyframes;
  const keyframes = raw instanceof Amf0EcmaArray ? raw.entries : isRecord(raw) ? raw : undefined;
  const times = keyframes?.times;
  const positions = keyframes?.filepositions;
  return {
    durationMs: typeof duration === 'number' && Number.isFinite(duration) && duration > 0 ? Math.round(duration * 1000) : undefined,
    seekable: Array.isArray(times) && Array.isArray(positions) && positions.length > 0 && positions.length === times.length,
  };
}
