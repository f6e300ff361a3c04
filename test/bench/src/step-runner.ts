/**
 * One step: N viewers in worker processes against one server that is being published to. Ramp-up,
 * settle, then a measured window; the server's CPU and RSS come from /proc, latency from matching the
 * sampled viewers' tag arrival times with the ingest proxy's log.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { BenchConfig } from './bench-config.js';
import { stopChild, track } from './children.js';
import { harnessCpuMs } from './harness-cpu.js';
import { tagKey, timestampKey, wallNow, type ByteMeasure } from './ingest-log.js';
import { viewerWorker } from './paths.js';
import { percentile } from './percentile.js';
import { cpuMs, rssBytes, treeCpuDelta, treeCpuMs } from './proc-stats.js';
import type { Publisher } from './publisher.js';
import type { ServerUnderTest } from './server-under-test.js';
import type { FormatFigures, StepResult } from './step-result.js';
import { shiftedLatency, timestampOffsets } from './timestamp-offset.js';
import { TS_DTS_OFFSET_MS } from './ts-timing.js';
import { splitViewers } from './viewer-split.js';
import type { FirstFrameTiming, FromWorker, ProgressMessage, ResultMessage, StartMessage, ToWorker, ViewerFormat, ViewerProtocol } from './worker-messages.js';

export interface StepSpec {
  label: string;
  protocol: ViewerProtocol;
  viewers: number;
  /** what the viewers read: viewer i reads formats[i % length] (default ['flv']); figures per format in `byFormat` */
  formats?: ViewerFormat[];
  nominalBitrate: number;
  /** slow viewers beside the normal ones, in a worker of their own; the step's figures are the normal viewers' */
  slow?: { viewers: number; readBytesPerSecond: number };
  /** measured window, s (default: the config's stepSeconds) */
  windowSeconds?: number;
  /** sample the server's RSS this often over the window, s (memory over time) */
  rssEverySeconds?: number;
  /**
   * the viewers' URLs when they do not go to the server itself (a reverse proxy in front of it, edges pulling
   * from it): with several, the viewers are split evenly over them by worker process (`splitViewers`)
   */
  playUrls?: string[];
  /** other processes that serve these viewers (a reverse proxy, edges): their CPU over the window goes into `extraCpu` */
  extraPids?: number[];
  /** the server's CPU is that of its whole process tree (a primary and its workers), read from /proc by ppid */
  serverTree?: boolean;
  /**
   * the viewers' server restarted the stream's timestamps (an edge's pull starts at 0): the shift back to the
   * published ones is found per worker process (its viewers share one URL, so one pull) by `timestampOffset`
   */
  timestampsRebased?: boolean;
  /** return every matched latency of the window (for pooling several steps' samples) */
  keepLatencies?: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What a viewer of each format is compared with: FLV viewers with the FLV bytes that reached the RTMP socket,
 * TS viewers with the audio and video codec data (their PES payloads carry it, plus a few bytes of start codes,
 * access unit delimiters, parameter sets and ADTS headers), `.aac` listeners with the AAC data.
 */
const MEASURE: Record<ViewerFormat, ByteMeasure> = { flv: 'flv', ts: 'es-av', aac: 'es-audio' };

interface Worker {
  child: ChildProcess;
  count: number;
  slow: boolean;
  last: ProgressMessage | undefined;
  result: ResultMessage | undefined;
  /** its viewers' latency samples in the window, flattened as the workers send them */
  samples: number[];
}

function mergeReasons(reports: (ProgressMessage | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reports) for (const [k, n] of Object.entries(r?.failReasons ?? {})) out[k] = (out[k] ?? 0) + n;
  return out;
}

export async function runStep(config: BenchConfig, server: ServerUnderTest, publisher: Publisher, spec: StepSpec): Promise<StepResult> {
  const windowMs = (spec.windowSeconds ?? config.stepSeconds) * 1000;
  // every sample of the window is matched after it ends: the ingest log must still hold the window's start
  publisher.proxy.log.keepMs = Math.max(publisher.proxy.log.keepMs, windowMs + 60_000);
  const slowViewers = spec.slow?.viewers ?? 0;
  const formats = spec.formats ?? ['flv'];
  const shares = splitViewers(spec.viewers, config.workers - (slowViewers > 0 ? 1 : 0), spec.playUrls?.length ?? 1);
  const workerCount = shares.length;
  const rssBefore = rssBytes(server.pid) ?? 0;

  let t0 = 0;
  let t1 = 0;
  const firstFrames: FirstFrameTiming[] = [];
  let lateFailed = 0;
  let framingErrors = 0;
  let tagSizeMismatches = 0;
  let continuityErrors = 0;
  let gaps = 0;
  let offKeyframeResumes = 0;
  const slowStats = { framingErrors: 0, tagSizeMismatches: 0, gaps: 0, offKeyframeResumes: 0 };
  let windowClosed = false;
  const rssTimeline: { atSeconds: number; rss: number }[] = [];

  const urlOf = (format: ViewerFormat): string => {
    if (spec.protocol !== 'rtmp') return server.playUrl(publisher.stream, spec.protocol === 'ws', format);
    if (format !== 'flv') throw new Error(`RTMP players carry FLV tags: no ${format} RTMP step`);
    return server.rtmpPlayUrl(publisher.stream);
  };
  const workers: Worker[] = [];
  const slowWorker = slowViewers > 0 ? 1 : 0;
  for (let w = 0; w < workerCount + slowWorker; w++) {
    const slow = w === workerCount;
    const count = slow ? slowViewers : shares[w]!.count;
    const playUrl = slow ? undefined : spec.playUrls?.[shares[w]!.url];
    const child = track(fork(viewerWorker, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const worker: Worker = { child, count, slow, last: undefined, result: undefined, samples: [] };
    child.on('message', (m: FromWorker) => {
      if (m.kind === 'result') {
        worker.result = m;
        return;
      }
      worker.last = m;
      if (slow) {
        slowStats.framingErrors += m.framingErrors;
        slowStats.tagSizeMismatches += m.tagSizeMismatches;
        slowStats.gaps += m.gaps;
        slowStats.offKeyframeResumes += m.offKeyframeResumes;
        return;
      }
      framingErrors += m.framingErrors;
      tagSizeMismatches += m.tagSizeMismatches;
      continuityErrors += m.continuityErrors;
      gaps += m.gaps;
      offKeyframeResumes += m.offKeyframeResumes;
      if (!windowClosed) {
        // samples are recorded by the workers only between mark and end
        for (let i = 0; i < m.samples.length; i++) worker.samples.push(m.samples[i]!);
        for (const f of m.firstFrames) firstFrames.push(f);
        lateFailed += m.lateFailed;
      }
    });
    const lateJoiners = slow ? 0 : Math.floor(config.lateJoiners / workerCount) + (w < config.lateJoiners % workerCount ? 1 : 0);
    const start: StartMessage = {
      kind: 'start',
      urls: Object.fromEntries(
        (slow ? ['flv' as const] : formats).map((f) => [
          f,
          f === 'flv' && playUrl !== undefined ? playUrl : slow ? server.playUrl(publisher.stream, false, 'flv') : urlOf(f),
        ]),
      ),
      formats: slow ? ['flv'] : formats,
      protocol: slow ? 'http' : spec.protocol,
      count,
      rampPer100ms: Math.max(1, Math.round(config.rampPer100ms / workerCount)),
      sampleEvery: config.sampleEvery,
      maxSampled: slow ? 0 : Math.ceil(config.maxSampled / workerCount),
      lateJoiners,
      windowMs,
      readBytesPerSecond: slow ? spec.slow!.readBytesPerSecond : 0,
    };
    child.send(start);
    workers.push(worker);
  }
  const send = (m: ToWorker): void => {
    for (const w of workers) if (w.child.connected) w.child.send(m);
  };
  // pid → CPU ms of the server, or of its process tree; a server gone in between counts 0 from then on
  const serverCpuNow = (): Map<number, number> => {
    if (spec.serverTree) return treeCpuMs(server.pid);
    const ms = cpuMs(server.pid);
    return new Map(ms === undefined ? [] : [[server.pid, ms]]);
  };
  const workerPids = (): number[] => [...workers.map((w) => w.child.pid!), publisher.ffmpeg.pid!];

  try {
    // ramp-up: until every connection has its answer (bounded)
    const rampDeadline = performance.now() + (spec.viewers / config.rampPer100ms) * 100 + 15_000;
    let rssPeak = rssBytes(server.pid) ?? 0;
    while (!workers.every((w) => w.last?.ready) && performance.now() < rampDeadline) {
      await sleep(100);
      rssPeak = Math.max(rssPeak, rssBytes(server.pid) ?? 0);
    }
    await sleep(config.settleSeconds * 1000);

    // the window
    const serverCpu0 = serverCpuNow();
    const extraCpu0 = (spec.extraPids ?? []).map(cpuMs);
    const harnessCpu0 = harnessCpuMs(workerPids());
    t0 = wallNow();
    send({ kind: 'mark' });
    rssPeak = Math.max(rssPeak, rssBytes(server.pid) ?? 0);
    const windowStart = performance.now();
    const windowEnd = windowStart + windowMs;
    let nextRssSample = windowStart;
    while (performance.now() < windowEnd) {
      await sleep(Math.min(500, Math.max(0, windowEnd - performance.now())));
      const rss = rssBytes(server.pid) ?? 0;
      rssPeak = Math.max(rssPeak, rss);
      if (spec.rssEverySeconds !== undefined && performance.now() >= nextRssSample) {
        rssTimeline.push({ atSeconds: (performance.now() - windowStart) / 1000, rss });
        nextRssSample += spec.rssEverySeconds * 1000;
      }
    }
    const serverCpu1 = serverCpuNow();
    const extraCpu1 = (spec.extraPids ?? []).map(cpuMs);
    const harnessCpu1 = harnessCpuMs(workerPids());
    t1 = wallNow();
    const rssEnd = rssBytes(server.pid) ?? 0;
    rssPeak = Math.max(rssPeak, rssEnd);
    send({ kind: 'end' });
    // the results, and one more progress report so the last second's samples arrive
    const resultDeadline = performance.now() + 5000;
    while (!workers.every((w) => w.result) && performance.now() < resultDeadline) await sleep(50);
    await sleep(1200);
    windowClosed = true;
    const seconds = (t1 - t0) / 1000;

    // latency: arrival at the viewer − arrival at the RTMP socket, for samples inside the window. An FLV
    // tag is known by (type, timestamp, size); a TS viewer's PES by (type, DTS) alone (size −1).
    const latencies: number[] = [];
    const byFormatLatency: Partial<Record<ViewerFormat, { matched: number[]; total: number }>> = {};
    const firstQuarter: number[] = [];
    const lastQuarter: number[] = [];
    let total = 0;
    const quarter = (t1 - t0) / 4;
    const publishedVideo = spec.timestampsRebased ? publisher.proxy.log.videoBySize() : undefined;
    for (const { samples } of workers) {
      // no shift found: none of this worker's samples match (the match rate shows it)
      const shifts = publishedVideo === undefined ? [0] : timestampOffsets(samples, publishedVideo);
      for (let i = 0; i + 3 < samples.length; i += 4) {
        const at = samples[i + 3]!;
        if (at < t0 || at > t1) continue;
        total++;
        const type = samples[i]!;
        const size = samples[i + 2]!;
        const own = (byFormatLatency[size < 0 ? 'ts' : 'flv'] ??= { matched: [], total: 0 });
        own.total++;
        const arrivalAt = (timestamp: number): number | undefined =>
          publisher.proxy.log.arrivalOf(size < 0 ? timestampKey(type, Math.round(timestamp - TS_DTS_OFFSET_MS)) : tagKey(type, timestamp, size));
        const latency = shiftedLatency(at, samples[i + 1]!, shifts, arrivalAt);
        if (latency === undefined) continue;
        latencies.push(latency);
        own.matched.push(latency);
        if (at < t0 + quarter) firstQuarter.push(latency);
        else if (at >= t1 - quarter) lastQuarter.push(latency);
      }
    }
    const latencyP50 = percentile(latencies, 50);
    const q1 = percentile(firstQuarter, 50);
    const q4 = percentile(lastQuarter, 50);

    // bytes: what reached the RTMP socket over the window, shifted by the typical latency, is what a
    // viewer should have received over the window (in its format's measure)
    const normal = workers.filter((w) => !w.slow);
    const expectedOf = (format: ViewerFormat): number => {
      const shift = percentile(byFormatLatency[format]?.matched ?? [], 50) ?? latencyP50 ?? 0;
      return publisher.proxy.log.bytesBetween(t0 - shift, t1 - shift, MEASURE[format]);
    };
    const expectedBytesPerViewer = expectedOf('flv');
    const windowBytes = normal.flatMap((w) => w.result?.windowBytes ?? []);
    const windowMediaBytes = normal.flatMap((w) => w.result?.windowMediaBytes ?? []);
    const viewerFormats = normal.flatMap((w) => w.result?.formats ?? []);
    const delivered = windowBytes.reduce((a, b) => a + b, 0);
    const perFormat = new Map<ViewerFormat, { viewers: number; at95: number; minShare: number; bytes: number; expected: number }>();
    for (const f of formats) perFormat.set(f, { viewers: 0, at95: 0, minShare: Infinity, bytes: 0, expected: expectedOf(f) });
    let at95 = 0;
    let minShare = spec.viewers > 0 ? Infinity : 0;
    for (let v = 0; v < windowBytes.length; v++) {
      const format = viewerFormats[v] ?? 'flv';
      const own = perFormat.get(format)!;
      const got = format === 'flv' ? windowBytes[v]! : windowMediaBytes[v]!;
      const share = own.expected > 0 ? got / own.expected : 0;
      own.viewers++;
      own.bytes += windowBytes[v]!;
      if (share >= 0.95) {
        at95++;
        own.at95++;
      }
      minShare = Math.min(minShare, share);
      own.minShare = Math.min(own.minShare, share);
    }
    if (windowBytes.length < spec.viewers) minShare = 0; // a worker did not answer: its viewers count as starved
    const ingestBitrate = (expectedBytesPerViewer * 8) / seconds;
    const requestedOf = (f: ViewerFormat): number => {
      // viewer i of worker w reads formats[i % length]: count what was asked for, answered or not
      let n = 0;
      for (const w of normal) for (let i = 0; i < w.count; i++) if (formats[i % formats.length] === f) n++;
      return n;
    };
    const byFormat: FormatFigures[] | undefined =
      formats.length === 1 && formats[0] === 'flv'
        ? undefined
        : [...perFormat].map(([format, own]) => {
            const requested = requestedOf(format);
            const lat = byFormatLatency[format];
            return {
              format,
              viewers: requested,
              viewersAt95: requested > 0 ? own.at95 / requested : 0,
              minViewerShare: own.viewers < requested || own.minShare === Infinity ? 0 : own.minShare,
              deliveredBitrate: (own.bytes * 8) / seconds,
              expectedMediaBitrate: (own.expected * 8) / seconds,
              latencyP50: percentile(lat?.matched ?? [], 50),
              latencyP99: percentile(lat?.matched ?? [], 99),
              latencySamples: lat?.matched.length ?? 0,
              latencyMatchRate: lat !== undefined && lat.total > 0 ? lat.matched.length / lat.total : 0,
            };
          });

    const lasts = normal.map((w) => w.last);
    const slowOne = workers.find((w) => w.slow);
    const slowShares = (slowOne?.result?.windowBytes ?? []).map((b) => (expectedBytesPerViewer > 0 ? b / expectedBytesPerViewer : 0));
    const sum = (f: (m: ProgressMessage) => number): number => lasts.reduce((a, m) => a + (m ? f(m) : 0), 0);
    const fromRequest = firstFrames.map((f) => f.fromRequest);
    const fromHeaders = firstFrames.map((f) => f.fromHeaders);

    // the viewers leave; the server's memory a little later
    send({ kind: 'stop' });
    await Promise.all(workers.map((w) => stopChild(w.child, 3000)));
    await sleep(2000);
    const rssAfter = rssBytes(server.pid) ?? 0;

    return {
      label: spec.label,
      protocol: spec.protocol,
      viewers: spec.viewers,
      nominalBitrate: spec.nominalBitrate,
      seconds,
      ingestBitrate,
      expectedBitrate: ingestBitrate * spec.viewers,
      deliveredBitrate: (delivered * 8) / seconds,
      connected: sum((m) => m.connected),
      failed: sum((m) => m.failed),
      noAnswer: spec.viewers - sum((m) => m.connected) - sum((m) => m.failed),
      closedEarly: sum((m) => m.closed),
      failReasons: mergeReasons(lasts),
      viewersAt95: spec.viewers > 0 ? at95 / spec.viewers : 0,
      minViewerShare: minShare === Infinity ? 0 : minShare,
      serverCpu: (treeCpuDelta(serverCpu0, serverCpu1) / (t1 - t0)) * 100,
      serverProcesses: serverCpu1.size,
      extraCpu:
        spec.extraPids === undefined
          ? undefined
          : extraCpu1.map((c1, i) => {
              const c0 = extraCpu0[i];
              return c0 !== undefined && c1 !== undefined ? ((c1 - c0) / (t1 - t0)) * 100 : undefined;
            }),
      rssBefore,
      rssPeak,
      rssEnd,
      rssAfter,
      harnessCpu: ((harnessCpu1 - harnessCpu0) / (t1 - t0)) * 100,
      latencyP50,
      latencyP99: percentile(latencies, 99),
      latencyMax: percentile(latencies, 100),
      latencySamples: latencies.length,
      latencies: spec.keepLatencies ? latencies : undefined,
      latencyMatchRate: total > 0 ? latencies.length / total : 0,
      latencyFirstQuarterP50: q1,
      latencyLastQuarterP50: q4,
      latencyDrift: q1 !== undefined && q4 !== undefined ? q4 - q1 : undefined,
      ttffRequestP50: percentile(fromRequest, 50),
      ttffRequestP99: percentile(fromRequest, 99),
      ttffHeadersP50: percentile(fromHeaders, 50),
      ttffHeadersP99: percentile(fromHeaders, 99),
      lateJoiners: firstFrames.length,
      // timed out (10 s), failed, or still waiting when the step ended
      lateJoinersFailed: Math.max(lateFailed, config.lateJoiners - firstFrames.length),
      framingErrors,
      tagSizeMismatches,
      continuityErrors,
      byFormat,
      gaps,
      offKeyframeResumes,
      rssTimeline: spec.rssEverySeconds === undefined ? undefined : rssTimeline,
      slow:
        slowOne === undefined
          ? undefined
          : {
              viewers: slowViewers,
              readBitrate: spec.slow!.readBytesPerSecond * 8,
              connected: slowOne.last?.connected ?? 0,
              failed: slowOne.last?.failed ?? 0,
              closedEarly: slowOne.last?.closed ?? 0,
              shareMin: slowShares.length === slowViewers ? Math.min(...slowShares) : 0,
              shareP50: percentile(slowShares, 50),
              shareMax: slowShares.length > 0 ? Math.max(...slowShares) : 0,
              ...slowStats,
            },
    };
  } finally {
    send({ kind: 'stop' });
    await Promise.all(workers.map((w) => stopChild(w.child, 3000)));
  }
}
