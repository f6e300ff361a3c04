import type { LiveStream, Publisher, Subscriber } from '@flvcast/hub';

/** One connection as the API lists it: a viewer, or the publisher feeding a stream. JSON-safe. */
export interface ClientSummary {
  /** Unique within the hub (publishers and viewers share one id space). */
  id: string;
  role: 'publisher' | 'viewer';
  /** A relay rather than a person (a forward, a worker's pull): not counted as a viewer. */
  internal: boolean;
  /** 'rtmp', 'http-flv', 'ws-flv', 'http-aac', … */
  protocol: string;
  /** The container a viewer gets ('flv', 'aac', 'mp3', …); null for publishers. */
  format: string | null;
  ip: string | null;
  /** The stream's name (`app/stream` or `vhost/app/stream`). */
  stream: string;
  /** Media bytes received (publisher) or bytes sent (viewer). */
  bytes: number;
  /** How far behind live a viewer is: what the hub holds for it (0 for publishers). */
  lag: { bytes: number; ms: number };
  /** Tags dropped because the viewer fell behind, and times its backlog was cut to a keyframe. */
  droppedTags: number;
  skips: number;
  /** When the client connected (ISO 8601) and for how long it has been. */
  since: string;
  connectedMs: number;
  /** Viewer's time to first frame; null until it has one (always null for publishers). */
  firstFrameMs: number | null;
}

/**
 * `now` is the hub's clock (monotonic by default); `wallNow` the wall clock at the same instant, to turn
 * the hub's timestamps into dates.
 */
export function summarizeViewer(stream: LiveStream, sub: Subscriber, now: number, wallNow: number): ClientSummary {
  const connectedMs = Math.max(0, Math.round(now - sub.createdAt));
  return {
    id: sub.id,
    role: 'viewer',
    internal: sub.info.internal === true,
    protocol: sub.info.protocol,
    format: sub.format,
    ip: sub.info.remoteAddress ?? null,
    stream: stream.name,
    bytes: sub.bytesSent,
    lag: { bytes: sub.queuedBytes, ms: sub.queuedMs },
    droppedTags: sub.droppedTags,
    skips: sub.skips,
    since: new Date(wallNow - connectedMs).toISOString(),
    connectedMs,
    firstFrameMs: sub.firstFrameAt === undefined ? null : Math.round(sub.firstFrameAt - sub.createdAt),
  };
}

export function summarizePublisher(stream: LiveStream, pub: Publisher, now: number, wallNow: number): ClientSummary {
  const connectedMs = Math.max(0, Math.round(now - pub.createdAt));
  return {
    id: pub.id,
    role: 'publisher',
    internal: false,
    protocol: pub.info.protocol,
    format: null,
    ip: pub.info.remoteAddress ?? null,
    stream: stream.name,
    bytes: pub.bytesIn,
    lag: { bytes: 0, ms: 0 },
    droppedTags: 0,
    skips: 0,
    since: new Date(wallNow - connectedMs).toISOString(),
    connectedMs,
    firstFrameMs: null,
  };
}
