import type { LiveStream } from './live-stream.js';

/** The public face of one stream: what the HTTP API lists and the dashboard shows. JSON-safe. */
export interface StreamSummary {
  /** `app/stream`, or `vhost/app/stream` when a vhost is set. */
  name: string;
  vhost: string;
  app: string;
  stream: string;
  /** A publisher is attached (false while viewers wait for one to come back). */
  publishing: boolean;
  publisher: { id: string; protocol: string; remoteAddress: string | null } | null;
  /** Since the current publisher began (0 when none). */
  uptimeMs: number;
  video: { codec: string; width: number | null; height: number | null; fps: number } | null;
  audio: { codec: string; sampleRate: number | null; channels: number | null } | null;
  ingestKbps: number;
  gopMs: number;
  bytesIn: number;
  /** Viewers by protocol ('http-flv', 'ws-aac', …), by container format ('flv', 'aac', …) and in total (internal subscribers are not viewers). */
  viewers: { total: number; byProtocol: Record<string, number>; byFormat: Record<string, number> };
  /** Tags dropped for slow viewers (current viewers, summed). */
  droppedTags: number;
}

export function summarizeStream(stream: LiveStream, now: number): StreamSummary {
  const byProtocol: Record<string, number> = {};
  const byFormat: Record<string, number> = {};
  let droppedTags = 0;
  for (const sub of stream.subscribers) {
    droppedTags += sub.droppedTags;
    if (sub.info.internal === true) continue;
    byProtocol[sub.info.protocol] = (byProtocol[sub.info.protocol] ?? 0) + 1;
    byFormat[sub.format] = (byFormat[sub.format] ?? 0) + 1;
  }
  const pub = stream.publisher;
  const { video, audio } = stream;
  return {
    name: stream.name,
    vhost: stream.key.vhost,
    app: stream.key.app,
    stream: stream.key.stream,
    publishing: pub !== undefined,
    publisher: pub === undefined ? null : { id: pub.id, protocol: pub.info.protocol, remoteAddress: pub.info.remoteAddress ?? null },
    uptimeMs: pub === undefined || stream.publishedAt === undefined ? 0 : Math.max(0, now - stream.publishedAt),
    video: video.frames === 0 || video.codec === undefined ? null : { codec: video.codec, width: video.width ?? null, height: video.height ?? null, fps: stream.rate.fps },
    audio: audio.frames === 0 || audio.codec === undefined ? null : { codec: audio.codec, sampleRate: audio.sampleRate ?? null, channels: audio.channels ?? null },
    ingestKbps: stream.rate.kbps,
    gopMs: stream.gopMs,
    bytesIn: stream.bytesIn,
    viewers: { total: stream.viewerCount, byProtocol, byFormat },
    droppedTags,
  };
}
