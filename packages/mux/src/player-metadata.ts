import { Amf0EcmaArray, Amf0Error, encodeAmf0, type Amf0Value } from '@flvcast/amf0';
import { FLV_MAX_TAG_DATA_SIZE, encodeOnMetaData } from '@flvcast/flv';
import type { StreamState, TrackLayout } from '@flvcast/media';

/**
 * The onMetaData body (AMF0 `"onMetaData", {...}`) players get, in FLV (a script tag) and RTMP (a data
 * message) alike: the publisher's keys without a live stream's meaningless `duration`/`filesize`, plus the
 * width/height we know and explicit track flags mpegts.js honours. Never more than an FLV tag or an RTMP
 * message can hold: metadata that cannot go on as it is loses the entries that do not encode, and at worst
 * becomes our own few keys.
 */
export function playerMetadata(stream: StreamState, layout: TrackLayout): Uint8Array {
  const meta: Record<string, Amf0Value> = { ...(stream.metadata ?? {}) };
  // A live stream has no length or size; a file's values would make players treat it as a recording.
  delete meta.duration;
  delete meta.filesize;
  const { video } = stream;
  if (video.width !== undefined && meta.width === undefined) meta.width = video.width;
  if (video.height !== undefined && meta.height === undefined) meta.height = video.height;
  meta.hasAudio = layout.hasAudio;
  meta.hasVideo = layout.hasVideo;
  meta.server = 'flvcast';
  const whole = tryEncode(meta);
  if (whole !== undefined) return whole;
  // The publisher's metadata cannot be sent on as it is (a key AMF0 cannot hold, or more than a tag can):
  // every viewer's start would fail. Its entries that encode go, if they fit; the track flags always do.
  const fitting: Record<string, Amf0Value> = {};
  for (const [key, value] of Object.entries(meta)) {
    if (encodes(key, value)) Object.defineProperty(fitting, key, { value, enumerable: true, writable: true, configurable: true });
  }
  const some = tryEncode(fitting);
  if (some !== undefined) return some;
  const own: Record<string, Amf0Value> = { hasAudio: layout.hasAudio, hasVideo: layout.hasVideo, server: 'flvcast' };
  if (video.width !== undefined) own.width = video.width;
  if (video.height !== undefined) own.height = video.height;
  return encodeOnMetaData(own);
}

function tryEncode(meta: Record<string, Amf0Value>): Uint8Array | undefined {
  try {
    const body = encodeOnMetaData(meta);
    return body.length <= FLV_MAX_TAG_DATA_SIZE ? body : undefined;
  } catch (err) {
    if (err instanceof Amf0Error) return undefined;
    throw err;
  }
}

function encodes(key: string, value: Amf0Value): boolean {
  try {
    encodeAmf0(new Amf0EcmaArray({ [key]: value }));
    return true;
  } catch (err) {
    if (err instanceof Amf0Error) return false;
    throw err;
  }
}
