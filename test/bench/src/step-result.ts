/** The figures of one step against one server (also what goes into the JSON results). */
import type { ViewerFormat, ViewerProtocol } from './worker-messages.js';

/** The figures of one format's viewers in a step whose viewers read TS or ADTS (or a mix with FLV). */
export interface FormatFigures {
  format: ViewerFormat;
  viewers: number;
  /** share (0..1) of this format's viewers that received ≥ 95 % of what they should have (FLV bytes; TS/ADTS: codec data) */
  viewersAt95: number;
  minViewerShare: number;
  /** container bit/s all of them received together */
  deliveredBitrate: number;
  /** codec (or FLV) bit/s one of them should have received */
  expectedMediaBitrate: number;
  /** added latency (RTMP socket → viewer), ms: FLV tags, or TS PES matched by DTS; none for ADTS */
  latencyP50: number | undefined;
  latencyP99: number | undefined;
  latencySamples: number;
  latencyMatchRate: number;
}

export interface StepResult {
  /** e.g. "HTTP-FLV × 1000 @ 2.5 Mbit/s" */
  label: string;
  protocol: ViewerProtocol;
  viewers: number;
  /** the input's nominal bitrate (video + audio), bit/s */
  nominalBitrate: number;
  /** measured window, s */
  seconds: number;
  /** FLV bit/s that reached the RTMP socket during the window (what each viewer should receive) */
  ingestBitrate: number;
  /** ingestBitrate × viewers */
  expectedBitrate: number;
  /** FLV bit/s all viewers received together during the window */
  deliveredBitrate: number;
  /** viewers answered 200 / WS upgrade; refused or failed; still without an answer at the end; closed by the server before the end */
  connected: number;
  failed: number;
  noAnswer: number;
  closedEarly: number;
  /** why connections failed: reason → count */
  failReasons: Record<string, number>;
  /** share (0..1) of the requested viewers that received ≥ 95 % of the expected bytes in the window */
  viewersAt95: number;
  /** lowest per-viewer share of the expected bytes (0..1) */
  minViewerShare: number;
  /** server CPU over the window, % of one core */
  serverCpu: number;
  /** processes the server's CPU was summed over at the end of the window (1 unless the step asked for its tree) */
  serverProcesses?: number;
  /** CPU of the step's `extraPids` (a reverse proxy, edges) over the window, % of one core each, in their order */
  extraCpu?: (number | undefined)[] | undefined;
  /** server RSS in bytes: before the viewers came, peak over ramp-up + window, end of the window, ~2 s after they left */
  rssBefore: number;
  rssPeak: number;
  rssEnd: number;
  rssAfter: number;
  /** CPU of the harness (this process + workers + ffmpeg) over the window, % of one core */
  harnessCpu: number;
  /** added latency (RTMP socket → viewer), ms */
  latencyP50: number | undefined;
  latencyP99: number | undefined;
  latencyMax: number | undefined;
  latencySamples: number;
  /** every matched latency of the window, ms, when the step asked for them (pooled over rounds; left out of the JSON) */
  latencies?: number[] | undefined;
  /** matched samples / all samples (0..1) */
  latencyMatchRate: number;
  /** p50 latency in the first and last quarter of the window, ms, and their difference */
  latencyFirstQuarterP50: number | undefined;
  latencyLastQuarterP50: number | undefined;
  latencyDrift: number | undefined;
  /** late joiners: request → first keyframe and response headers → first keyframe, ms */
  ttffRequestP50: number | undefined;
  ttffRequestP99: number | undefined;
  ttffHeadersP50: number | undefined;
  ttffHeadersP99: number | undefined;
  /** late joiners that got their keyframe; those that did not (failed, 10 s timeout, or step over first) */
  lateJoiners: number;
  lateJoinersFailed: number;
  /** viewers whose stream failed to parse (chunked coding, FLV, WS text frame); PreviousTagSize mismatches */
  framingErrors: number;
  tagSizeMismatches: number;
  /** TS viewers: continuity counter breaks on media PIDs */
  continuityErrors: number;
  /** per format, when the step's viewers read TS or ADTS (absent for FLV-only steps) */
  byFormat?: FormatFigures[] | undefined;
  /** media gaps seen by the (normal) viewers — video time jumping > 0.5 s — and those not resuming on a keyframe */
  gaps: number;
  offKeyframeResumes: number;
  /** server RSS over the window, when the step asked for it */
  rssTimeline?: { atSeconds: number; rss: number }[];
  /** the slow viewers of a step that had some (not counted in the figures above) */
  slow?: SlowViewersResult;
}

export interface SlowViewersResult {
  viewers: number;
  /** what each slow viewer reads at most, bit/s */
  readBitrate: number;
  connected: number;
  failed: number;
  /** cut by the server before the end (e.g. the stall timeout) */
  closedEarly: number;
  /** share of the stream's bytes each slow viewer received over the window: lowest, median, highest */
  shareMin: number;
  shareP50: number | undefined;
  shareMax: number;
  framingErrors: number;
  tagSizeMismatches: number;
  /** media gaps (the server skipped ahead) and gaps that did not resume on a keyframe */
  gaps: number;
  offKeyframeResumes: number;
}
