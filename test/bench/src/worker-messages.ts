/** The IPC messages between the benchmark and its viewer worker processes. */

/** How a viewer connects: HTTP (raw socket), WebSocket, or RTMP play (our own RTMP client). */
export type ViewerProtocol = 'http' | 'ws' | 'rtmp';

/** The container a viewer reads, named by the mount's extension: FLV, MPEG-TS, or ADTS (`.aac`). */
export type ViewerFormat = 'flv' | 'ts' | 'aac';

/** Parent → worker, once, right after the fork. */
export interface StartMessage {
  kind: 'start';
  /** the stream's URL for each format this worker's viewers read (RTMP players: the rtmp:// URL, under flv) */
  urls: Partial<Record<ViewerFormat, string>>;
  /** viewer i reads formats[i % formats.length] (late joiners: formats[0]) */
  formats: ViewerFormat[];
  protocol: ViewerProtocol;
  /** connections this worker holds */
  count: number;
  /** connections this worker opens per 100 ms during the ramp-up */
  rampPer100ms: number;
  /** a viewer records per-tag arrival times if (its index among this worker's viewers of its format) % sampleEvery === 0 … */
  sampleEvery: number;
  /** … up to this many viewers per format */
  maxSampled: number;
  /** viewers this worker opens mid-stream during the measurement, for time-to-first-frame */
  lateJoiners: number;
  /** the measurement window length, over which the late joiners are spread */
  windowMs: number;
  /** > 0: slow viewers, each reading no faster than this (HTTP-FLV only) */
  readBytesPerSecond: number;
}

/** Parent → worker: start or end of the measurement window; stop closes everything and exits. */
export interface ControlMessage {
  kind: 'mark' | 'end' | 'stop';
}

export type ToWorker = StartMessage | ControlMessage;

/** One late joiner's timings (ms). */
export interface FirstFrameTiming {
  /** request sent (HTTP: GET written; WS: connection opened) → first video keyframe tag complete */
  fromRequest: number;
  /** response headers received (HTTP: end of head; WS: upgrade response) → first video keyframe tag complete */
  fromHeaders: number;
}

/** Worker → parent, once per second: counters since the previous report and the new samples. */
export interface ProgressMessage {
  kind: 'progress';
  /**
   * Cumulative: connections opened / answered with 200 (or WS upgrade) / refused or failed before an
   * answer / closed by the server or the network after a 200 (before the benchmark closed them).
   */
  opened: number;
  connected: number;
  failed: number;
  closed: number;
  /** FLV bytes and tags received since the previous report, all viewers */
  bytes: number;
  tags: number;
  /** framing errors since the previous report (chunked encoding, FLV, WS text frames) */
  framingErrors: number;
  /** PreviousTagSize mismatches since the previous report (the demuxer counts them, non fatal) */
  tagSizeMismatches: number;
  /** TS continuity counter breaks on media PIDs since the previous report */
  continuityErrors: number;
  /** media gaps (video time jumping > 0.5 s) since the previous report, and those not resuming on a keyframe */
  gaps: number;
  offKeyframeResumes: number;
  /**
   * latency samples of sampled viewers, flattened: [type, timestamp, size, arrivalWallMs] × n; size −1 for a
   * TS viewer's PES (timestamp = its DTS in ms, 90 kHz / 90)
   */
  samples: number[];
  firstFrames: FirstFrameTiming[];
  /** late joiners that got no keyframe within 10 s, or failed */
  lateFailed: number;
  /** why connections failed, cumulative: reason → count */
  failReasons: Record<string, number>;
  /** every connection has its answer (connected or failed) */
  ready: boolean;
}

/** Worker → parent, answering `end`: what each viewer received inside the window. */
export interface ResultMessage {
  kind: 'result';
  /** container bytes */
  windowBytes: number[];
  /** elementary-stream bytes (TS and ADTS viewers; 0 for FLV) */
  windowMediaBytes: number[];
  /** each viewer's format, same order */
  formats: ViewerFormat[];
}

export type FromWorker = ProgressMessage | ResultMessage;
