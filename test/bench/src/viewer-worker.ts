/**
 * A viewer worker process (forked by the benchmark): holds its share of the viewer connections, opened
 * gradually, and reports to the parent over IPC once per second — aggregate counters and the latency
 * samples of its sampled viewers, never a message per tag. On `end` it answers with the bytes each viewer
 * received during the measurement window; on `stop` (or when the parent goes away) it closes all and exits.
 * Its viewers may read different containers (FLV, TS, ADTS), interleaved by index; with the `rtmp` protocol
 * they are RTMP players (our own client), whose FLV tag bodies are counted like an FLV viewer's.
 */
import { AdtsViewer } from './adts-viewer.js';
import { emptySink, FlvViewer, type ViewerSink } from './flv-viewer.js';
import { HttpFlvConnection } from './http-flv-connection.js';
import { RtmpPlayConnection } from './rtmp-play-connection.js';
import type { StreamViewer } from './stream-viewer.js';
import { TsViewer } from './ts-viewer.js';
import type { ViewerConnection, ViewerEvents } from './viewer-connection.js';
import type { FirstFrameTiming, FromWorker, StartMessage, ToWorker, ViewerFormat } from './worker-messages.js';
import { WsFlvConnection } from './ws-flv-connection.js';

const LATE_JOINER_TIMEOUT_MS = 10_000;

const sink = emptySink();
const viewers: ViewerConnection[] = [];
const viewerFormats: ViewerFormat[] = [];
const lateConnections = new Set<ViewerConnection>();
const timers: NodeJS.Timeout[] = [];
let opened = 0;
let connected = 0;
let failed = 0;
let closed = 0;
let firstFrames: FirstFrameTiming[] = [];
let lateFailed = 0;
const failReasons: Record<string, number> = {};
let start: StartMessage | undefined;

function send(message: FromWorker): void {
  if (process.connected) process.send!(message);
}

function open(url: URL, viewer: StreamViewer, events: ViewerEvents): ViewerConnection {
  if (start!.protocol === 'rtmp') {
    // an RTMP player's messages are FLV tag bodies: it is counted and timed like an FLV viewer
    if (!(viewer instanceof FlvViewer)) throw new Error('RTMP players read FLV tags: their format must be flv');
    return new RtmpPlayConnection(url, viewer, events);
  }
  return start!.protocol === 'ws' ? new WsFlvConnection(url, viewer, events) : new HttpFlvConnection(url, viewer, events, start!.readBytesPerSecond);
}

function newViewer(format: ViewerFormat, into: ViewerSink, sampled: boolean): StreamViewer {
  if (format === 'ts') return new TsViewer(into, sampled);
  if (format === 'aac') return new AdtsViewer(into);
  return new FlvViewer(into, sampled);
}

function urlOf(format: ViewerFormat): URL {
  const url = start!.urls[format];
  if (url === undefined) throw new Error(`no URL for the ${format} viewers`);
  return new URL(url);
}

/** Per format: viewers opened, and how many of them are sampled. */
const openedByFormat = new Map<ViewerFormat, { count: number; sampled: number }>();

function openViewer(format: ViewerFormat): void {
  const seen = openedByFormat.get(format) ?? { count: 0, sampled: 0 };
  openedByFormat.set(format, seen);
  const sampled = seen.count % start!.sampleEvery === 0 && seen.sampled < start!.maxSampled;
  seen.count++;
  if (sampled) seen.sampled++;
  let served = false;
  const connection = open(urlOf(format), newViewer(format, sink, sampled), {
    onAnswer(ok, _at, reason) {
      served = ok;
      if (ok) connected++;
      else {
        failed++;
        const key = reason ?? 'unknown';
        failReasons[key] = (failReasons[key] ?? 0) + 1;
      }
    },
    onClose() {
      if (served && !stopping) closed++;
    },
  });
  opened++;
  viewers.push(connection);
  viewerFormats.push(format);
}

/** A viewer joining mid-stream: time to its first keyframe, then it leaves. */
function openLateJoiner(format: ViewerFormat): void {
  const viewer = newViewer(format, emptySink(), false);
  let headersAt: number | undefined;
  let done = false;
  const finish = (timing: FirstFrameTiming | undefined): void => {
    if (done) return;
    done = true;
    clearTimeout(timeout);
    if (timing) firstFrames.push(timing);
    else lateFailed++;
    connection.close();
    lateConnections.delete(connection);
  };
  const connection = open(urlOf(format), viewer, {
    onAnswer(ok, at) {
      if (ok) headersAt = at;
      else finish(undefined);
    },
    onClose() {
      finish(undefined);
    },
  });
  lateConnections.add(connection);
  viewer.onKeyframe = (at) => finish({ fromRequest: at - connection.requestAt, fromHeaders: at - (headersAt ?? connection.requestAt) });
  const timeout = setTimeout(() => finish(undefined), LATE_JOINER_TIMEOUT_MS);
}

function begin(message: StartMessage): void {
  start = message;
  let index = 0;
  const ramp = setInterval(() => {
    for (let i = 0; i < message.rampPer100ms && index < message.count; i++, index++) openViewer(message.formats[index % message.formats.length]!);
    if (index >= message.count) clearInterval(ramp);
  }, 100);
  timers.push(ramp);
  const report = setInterval(() => {
    send({
      kind: 'progress',
      opened,
      connected,
      failed,
      closed,
      bytes: sink.bytes,
      tags: sink.tags,
      framingErrors: sink.framingErrors,
      tagSizeMismatches: sink.tagSizeMismatches,
      continuityErrors: sink.continuityErrors,
      gaps: sink.gaps,
      offKeyframeResumes: sink.offKeyframeResumes,
      samples: sink.samples,
      firstFrames,
      lateFailed,
      failReasons,
      ready: opened === message.count && connected + failed === message.count,
    });
    sink.bytes = 0;
    sink.tags = 0;
    sink.framingErrors = 0;
    sink.tagSizeMismatches = 0;
    sink.continuityErrors = 0;
    sink.gaps = 0;
    sink.offKeyframeResumes = 0;
    sink.samples = [];
    firstFrames = [];
    lateFailed = 0;
  }, 1000);
  timers.push(report);
}

function mark(): void {
  for (const c of viewers) {
    c.viewer.markBytes = c.viewer.bytes;
    c.viewer.markMediaBytes = c.viewer.mediaBytes;
  }
  sink.recording = true;
  const n = start!.lateJoiners;
  const format = start!.formats[0]!;
  for (let k = 0; k < n; k++) {
    // spread over the window, leaving its last 10 % free so every joiner can finish inside it
    timers.push(setTimeout(() => openLateJoiner(format), ((k + 0.5) * 0.9 * start!.windowMs) / n));
  }
}

function end(): void {
  sink.recording = false;
  send({
    kind: 'result',
    windowBytes: viewers.map((c) => c.viewer.bytes - c.viewer.markBytes),
    windowMediaBytes: viewers.map((c) => c.viewer.mediaBytes - c.viewer.markMediaBytes),
    formats: viewerFormats,
  });
}

let stopping = false;
function stop(): void {
  stopping = true;
  for (const t of timers) clearInterval(t);
  for (const c of viewers) c.close();
  for (const c of lateConnections) c.close();
  // let the FIN/RST go out, then leave
  setTimeout(() => process.exit(0), 200);
}

process.on('message', (message: ToWorker) => {
  if (message.kind === 'start') begin(message);
  else if (message.kind === 'mark') mark();
  else if (message.kind === 'end') end();
  else stop();
});
// The parent went away (crash, SIGKILL): never outlive it.
process.on('disconnect', () => process.exit(0));
