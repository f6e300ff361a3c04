/**
 * RTMP players (issue 15): N players of the 720p 2.5 Mbit/s stream over RTMP (our own client,
 * `rtmp-play-connection.ts`), then N HTTP-FLV viewers of the same stream, in one server run with one
 * publisher, so the players' latency compares with the HTTP-FLV viewers' of the same run and the servers'
 * CPU with each other (a server's second, fourth… run takes the HTTP-FLV step first). The servers alternate (flvcast, nms, nms, flvcast by default); each run is a fresh
 * server on fresh ports.
 *
 * Before the players, one probe player must get `NetStream.Play.Start` and a video keyframe: a server that
 * refuses play (flvcast before RTMP play, which answers `NetStream.Play.Failed`) stops the scenario with its
 * own status code instead of yielding a step of zeros.
 *
 * An RTMP player is counted and timed like an FLV viewer: its audio, video and data messages as the FLV tags
 * they would have been, against the FLV bytes that reached the RTMP socket; latency from the message's
 * arrival at the ingest proxy to its arrival at a sampled player, matched on (type, timestamp, size).
 */
import type { BenchConfig, ServerName } from './bench-config.js';
import { highInput, nominalBitrate } from './input.js';
import { rssBytes } from './proc-stats.js';
import { startPublisher, type Publisher } from './publisher.js';
import { median, type ServerResults } from './report.js';
import { probeRtmpPlay, RtmpPlayRefused, type RtmpPlayProbe } from './rtmp-play-probe.js';
import { isFlvcast, startServer } from './server-under-test.js';
import type { StepResult } from './step-result.js';
import { runStep } from './step-runner.js';

export interface RtmpRunResult extends ServerResults {
  /** the probe player's timings */
  probe: RtmpPlayProbe;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** what the memory line of the side-by-side tables means in this scenario */
export const rtmpMemoryNote = 'memory per viewer = (RSS at the end of the RTMP step − RSS before it) / RTMP players';

export const rtmpStepLabel = (n: number): string => `RTMP play × ${n} @ 2.5 Mbit/s 720p`;
export const httpStepLabel = (n: number): string => `HTTP-FLV × ${n} @ 2.5 Mbit/s 720p`;

export async function runRtmpScenario(config: BenchConfig, name: ServerName, input: string, slot: { run: number | undefined; order: number; of: number }): Promise<RtmpRunResult> {
  const server = await startServer(name, { baseline: config.baseline, run: slot.run, rtmpPlayers: true });
  const tag = `${name}${slot.run === undefined ? '' : `-${slot.run}`}`;
  console.log(
    `\n=== ${slot.of > 1 ? `run ${slot.order}/${slot.of}: ` : ''}${server.label} (pid ${server.pid}, HTTP 127.0.0.1:${server.httpPort}, RTMP 127.0.0.1:${server.rtmpPort}, log ${server.logFile})`,
  );
  let publisher: Publisher | undefined;
  const n = config.rtmpViewers;
  try {
    publisher = await startPublisher(input, server.rtmpPort, 'bench', `ffmpeg-${tag}-rtmp`);
    await sleep(2000);
    const baselineRss = rssBytes(server.pid) ?? 0;
    let probe: RtmpPlayProbe;
    try {
      probe = await probeRtmpPlay(server.rtmpPlayUrl(publisher.stream));
    } catch (err) {
      if (!(err instanceof RtmpPlayRefused)) throw err;
      const hint = isFlvcast(name)
        ? ' — a flvcast build without RTMP play answers NetStream.Play.Failed; BENCH_SERVERS=nms measures the peer alone'
        : '';
      throw new Error(`${server.label} refused RTMP play, so the rtmp scenario cannot run against it: ${err.reason}${hint} (log: ${server.logFile})`);
    }
    console.log(
      `  probe player: NetStream.Play.Start after ${probe.playStartMs.toFixed(1)} ms, first video keyframe after ${probe.firstKeyframeMs.toFixed(1)} ms` +
        (probe.adoptedFromStream0 > 0 ? `; its media came on message stream 0, not the play stream (${probe.adoptedFromStream0} messages adopted)` : ''),
    );
    const rate = nominalBitrate(highInput);
    const steps: StepResult[] = [];
    // a server's odd runs play RTMP first, its even runs HTTP-FLV first: neither step always meets a fresh process
    const rtmpFirst = (slot.run ?? 1) % 2 === 1;
    const order = [
      ['rtmp', rtmpStepLabel(n)],
      ['http', httpStepLabel(n)],
    ] as const;
    for (const [protocol, label] of rtmpFirst ? order : [order[1], order[0]]) {
      const r = await runStep(config, server, publisher, { label, protocol, viewers: n, nominalBitrate: rate });
      steps.push(r);
      console.log(`  ${oneLine(r)}`);
      if (publisher.ffmpeg.exitCode !== null) throw new Error(`the publisher (ffmpeg) exited with ${publisher.ffmpeg.exitCode} during the step`);
      if (protocol === 'rtmp' && r.connected === 0) {
        throw new Error(`${server.label}: none of the ${n} RTMP players was served after the probe was (${Object.entries(r.failReasons).map(([k, c]) => `${k}: ${c}`).join(', ') || 'no answer'})`);
      }
    }
    const rtmp = steps.find((r) => r.protocol === 'rtmp')!;
    return {
      name,
      run: slot.run,
      order: slot.order,
      label: server.label,
      build: server.build,
      baselineRss,
      finalRss: rssBytes(server.pid) ?? 0,
      steps,
      memoryPerViewer: (rtmp.rssEnd - rtmp.rssBefore) / rtmp.viewers,
      memoryPerViewerStep: rtmp.label,
      memoryPerIdleViewer: undefined,
      logFile: server.logFile,
      probe,
    };
  } finally {
    await publisher?.stop();
    await server.stop();
  }
}

const f1 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(1));
const f2 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(2));
const pct = (n: number | undefined): string => (n === undefined ? '—' : `${(n * 100).toFixed(1)} %`);

function failures(r: StepResult): string {
  const entries = Object.entries(r.failReasons);
  return entries.length === 0 ? '' : ` (${entries.map(([k, c]) => `${k}: ${c}`).join(', ')})`;
}

function oneLine(r: StepResult): string {
  return (
    `${r.label}: CPU ${f1(r.serverCpu)} % (harness ${f1(r.harnessCpu)} %), RSS ${(r.rssBefore / 1048576).toFixed(0)}→${(r.rssEnd / 1048576).toFixed(0)} MB, ` +
    `${r.connected}/${r.viewers} served, ${r.failed} failed${failures(r)}, ${r.noAnswer} unanswered, ${r.closedEarly} cut; ≥ 95 % of the bytes ${pct(r.viewersAt95)} ` +
    `(worst ${pct(r.minViewerShare)}); latency p50 ${f1(r.latencyP50)} / p99 ${f1(r.latencyP99)} ms (${r.latencySamples} tags, ${pct(r.latencyMatchRate)} matched); ` +
    `TTFF Play.Start/headers → keyframe p50 ${f1(r.ttffHeadersP50)} ms; ${r.framingErrors} framing errors, ${r.gaps} gaps`
  );
}

/** Per server, the medians over its runs that the issue's targets speak of; flvcast against node-media-server. */
export function formatRtmpSummary(results: RtmpRunResult[], config: BenchConfig): string {
  const n = config.rtmpViewers;
  const names = [...new Set(results.map((r) => r.name))];
  const step = (r: RtmpRunResult, label: string): StepResult | undefined => r.steps.find((s) => s.label === label);
  const med = (name: string, label: string, f: (s: StepResult) => number | undefined): number | undefined =>
    median(results.filter((r) => r.name === name).map((r) => {
      const s = step(r, label);
      return s === undefined ? undefined : f(s);
    }));
  const runsOf = (name: string, label: string, f: (s: StepResult) => number | undefined, fmt: (v: number | undefined) => string): string =>
    results.filter((r) => r.name === name).map((r) => {
      const s = step(r, label);
      return fmt(s === undefined ? undefined : f(s));
    }).join(', ');
  const lines: string[] = [];
  for (const name of names) {
    const runs = results.filter((r) => r.name === name).length;
    const rtmp = rtmpStepLabel(n);
    const http = httpStepLabel(n);
    lines.push(`${name} (${runs} run${runs === 1 ? '' : 's'}; medians, each run in brackets)`);
    lines.push(`  CPU, ${n} RTMP players          ${f1(med(name, rtmp, (s) => s.serverCpu))} % of one core (${runsOf(name, rtmp, (s) => s.serverCpu, f1)})`);
    lines.push(`  CPU, ${n} HTTP-FLV viewers      ${f1(med(name, http, (s) => s.serverCpu))} % (${runsOf(name, http, (s) => s.serverCpu, f1)}); RTMP / HTTP-FLV ${f2((med(name, rtmp, (s) => s.serverCpu) ?? NaN) / (med(name, http, (s) => s.serverCpu) ?? NaN))}×`);
    lines.push(`  RTMP players ≥ 95 % of bytes   ${pct(med(name, rtmp, (s) => s.viewersAt95))} (${runsOf(name, rtmp, (s) => s.viewersAt95, pct)}); failed, unanswered or cut: ${runsOf(name, rtmp, (s) => s.failed + s.noAnswer + s.closedEarly, (v) => String(v))}`);
    lines.push(
      `  latency p50 / p99, RTMP        ${f1(med(name, rtmp, (s) => s.latencyP50))} / ${f1(med(name, rtmp, (s) => s.latencyP99))} ms ` +
        `(p50 ${runsOf(name, rtmp, (s) => s.latencyP50, f1)}; p99 ${runsOf(name, rtmp, (s) => s.latencyP99, f1)})`,
    );
    lines.push(
      `  latency p50 / p99, HTTP-FLV    ${f1(med(name, http, (s) => s.latencyP50))} / ${f1(med(name, http, (s) => s.latencyP99))} ms ` +
        `(p50 ${runsOf(name, http, (s) => s.latencyP50, f1)}; p99 ${runsOf(name, http, (s) => s.latencyP99, f1)})`,
    );
    lines.push(
      `  RTMP − HTTP-FLV, same run      p50 ${runsOf(name, rtmp, (s) => {
        const h = results.find((r) => r.steps.includes(s))?.steps.find((x) => x.label === http);
        return s.latencyP50 === undefined || h?.latencyP50 === undefined ? undefined : s.latencyP50 - h.latencyP50;
      }, f1)} ms; p99 ${runsOf(name, rtmp, (s) => {
        const h = results.find((r) => r.steps.includes(s))?.steps.find((x) => x.label === http);
        return s.latencyP99 === undefined || h?.latencyP99 === undefined ? undefined : s.latencyP99 - h.latencyP99;
      }, f1)} ms`,
    );
    lines.push(`  memory per RTMP player          ${runsOf(name, rtmp, (s) => (s.rssEnd - s.rssBefore) / s.viewers / 1024, f1)} KB`);
  }
  // each flvcast build against node-media-server, on the medians of the RTMP step
  const rtmpLabel = rtmpStepLabel(n);
  const peer = med('nms', rtmpLabel, (s) => s.serverCpu);
  for (const build of names.filter((x) => x === 'flvcast' || x === 'flvcast-base')) {
    if (!names.includes('nms')) break;
    const own = med(build, rtmpLabel, (s) => s.serverCpu);
    lines.push(`${build} / node-media-server CPU with ${n} RTMP players: ${f2((own ?? NaN) / (peer ?? NaN))}× (medians; target ≤ 0.6×)`);
  }
  return lines.join('\n');
}
