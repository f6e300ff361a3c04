/**
 * The fan-out benchmark: `pnpm bench` (or `node test/bench/dist/src/run.js` after `tsc -b`).
 * For each server (flvcast, then node-media-server), on loopback ports of its own: start it, publish the
 * 2.5 Mbit/s input through the ingest proxy, run the HTTP-FLV steps and the WS-FLV step, then publish the
 * low-bitrate input and run the 2000-viewer step; stop it. Prints each step as it ends, then the figures
 * side by side with the ratio flvcast/peer, and writes them as JSON into `.cache/bench/results-<date>.json`.
 * A server listed more than once in BENCH_SERVERS (e.g. flvcast-base,flvcast,flvcast-base,flvcast with
 * BENCH_BASELINE) runs that many times, in that order, each on fresh ports; the summary then shows every run
 * and each server's medians over its runs.
 */
import { cpus } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfig, usage, type BenchConfig, type ServerName } from './bench-config.js';
import { installExitHandlers, killAll } from './children.js';
import { aacInput, ensureInput, highInput, idleInput, lowInput, nominalBitrate, type InputSpec } from './input.js';
import { cacheDir } from './paths.js';
import { rssBytes } from './proc-stats.js';
import { startPublisher, type Publisher } from './publisher.js';
import { formatMedians, formatRuns, formatSideBySide, formatStep, memoryPerViewerNote, serverMedians, type ServerResults } from './report.js';
import { runNumbers, startServer, type ServerUnderTest } from './server-under-test.js';
import type { StepResult } from './step-result.js';
import { formatClusterScenario, runClusterScenario } from './cluster-scenario.js';
import { formatDvrScenario, runDvrScenario } from './dvr-scenario.js';
import { formatFormatsRanges, formatFormatsScenario, keyFigures, runFormatsScenario } from './formats-scenario.js';
import { formatProxyScenario, runProxyScenario } from './proxy-scenario.js';
import { formatRelayScenario, runRelayScenario } from './relay-scenario.js';
import { formatRtmpSummary, rtmpMemoryNote, runRtmpScenario, type RtmpRunResult } from './rtmp-scenario.js';
import { formatSlowScenario, runSlowScenario } from './slow-scenario.js';
import { runStep, type StepSpec } from './step-runner.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** e.g. "2.5 Mbit/s 720p" (the video bitrate; audio comes on top) */
function inputLabel(spec: InputSpec): string {
  if (spec.videoKbps === 0) return `${spec.audioKbps} kbit/s audio only`;
  const rate = spec.videoKbps >= 1000 ? `${spec.videoKbps / 1000} Mbit/s` : `${spec.videoKbps} kbit/s`;
  return `${rate} ${spec.height}p`;
}

interface RunSlot {
  name: ServerName;
  /** the n-th run of this server, when it runs more than once */
  run: number | undefined;
  /** position in the invocation, from 1, and how many runs there are */
  order: number;
  of: number;
}

function runSlots(servers: readonly ServerName[]): RunSlot[] {
  const runs = runNumbers(servers);
  return servers.map((name, i) => ({ name, run: runs[i], order: i + 1, of: servers.length }));
}

/** The scenario once per entry of BENCH_SERVERS, in that order, each run's figures printed as it ends. */
async function eachRun<R>(config: BenchConfig, run: (slot: RunSlot) => Promise<R>, format: (r: R) => string): Promise<R[]> {
  const results: R[] = [];
  for (const slot of runSlots(config.servers)) {
    const r = await run(slot);
    results.push(r);
    console.log(`\n${format(r)}`);
  }
  return results;
}

/** A scenario whose runs are all it reports: each printed as it ends, then all written to the results file. */
async function runScenario<R>(config: BenchConfig, started: number, run: (slot: RunSlot) => Promise<R>, format: (r: R) => string, notes?: Record<string, string>): Promise<void> {
  const results = await eachRun(config, run, format);
  writeResults({ scenario: config.scenario, config, ...(notes === undefined ? {} : { notes }), servers: results });
  console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

function buildNote(server: ServerUnderTest): string {
  return server.build === undefined ? '' : `, ${server.build.checkout}${server.build.commit === undefined ? '' : ` @ ${server.build.commit}`}`;
}

async function measureServer(
  config: BenchConfig,
  slot: RunSlot,
  inputs: { high: string; low: string | undefined; idle: string | undefined },
): Promise<ServerResults> {
  const { name } = slot;
  const server: ServerUnderTest = await startServer(name, { baseline: config.baseline, run: slot.run });
  const logTag = `${name}${slot.run === undefined ? '' : `-${slot.run}`}`;
  console.log(
    `\n=== ${slot.of > 1 ? `run ${slot.order}/${slot.of}: ` : ''}${server.label} (pid ${server.pid}, HTTP 127.0.0.1:${server.httpPort}, ` +
      `RTMP 127.0.0.1:${server.rtmpPort}, log ${server.logFile}${buildNote(server)})`,
  );
  const steps: StepResult[] = [];
  const workersUsed = (n: number): number => Math.min(config.workers, n);
  let publisher: Publisher | undefined;
  try {
    publisher = await startPublisher(inputs.high, server.rtmpPort, 'bench', `ffmpeg-${logTag}-high`);
    await sleep(2000);
    const baselineRss = rssBytes(server.pid) ?? 0;
    const highRate = nominalBitrate(highInput);
    const specs: StepSpec[] = config.steps.map((n) => ({ label: `HTTP-FLV × ${n} @ ${inputLabel(highInput)}`, protocol: 'http', viewers: n, nominalBitrate: highRate }));
    if (config.wsViewers > 0) specs.push({ label: `WS-FLV × ${config.wsViewers} @ ${inputLabel(highInput)}`, protocol: 'ws', viewers: config.wsViewers, nominalBitrate: highRate });
    for (const spec of specs) {
      const r = await runStep(config, server, publisher, spec);
      steps.push(r);
      console.log(`\n${formatStep(server.label, r, workersUsed(spec.viewers))}`);
      if (publisher.ffmpeg.exitCode !== null) throw new Error(`the publisher (ffmpeg) exited with ${publisher.ffmpeg.exitCode} during the step`);
    }
    await publisher.stop();
    publisher = undefined;

    if (inputs.low !== undefined && config.lowViewers > 0) {
      publisher = await startPublisher(inputs.low, server.rtmpPort, 'benchlow', `ffmpeg-${logTag}-low`);
      await sleep(2000);
      const lowRate = nominalBitrate(lowInput);
      const spec: StepSpec = { label: `HTTP-FLV × ${config.lowViewers} @ ${inputLabel(lowInput)}`, protocol: 'http', viewers: config.lowViewers, nominalBitrate: lowRate };
      const r = await runStep(config, server, publisher, spec);
      steps.push(r);
      console.log(`\n${formatStep(server.label, r, workersUsed(spec.viewers))}`);
      await publisher.stop();
      publisher = undefined;
    }

    let idle: StepResult | undefined;
    if (inputs.idle !== undefined && config.idleViewers > 0) {
      publisher = await startPublisher(inputs.idle, server.rtmpPort, 'benchidle', `ffmpeg-${logTag}-idle`, true);
      await sleep(2000);
      const spec: StepSpec = { label: `HTTP-FLV × ${config.idleViewers} @ ${inputLabel(idleInput)}`, protocol: 'http', viewers: config.idleViewers, nominalBitrate: nominalBitrate(idleInput) };
      // late joiners wait for a video keyframe: there is none on this stream
      idle = await runStep({ ...config, lateJoiners: 0 }, server, publisher, spec);
      steps.push(idle);
      console.log(`\n${formatStep(server.label, idle, workersUsed(spec.viewers))}`);
      await publisher.stop();
      publisher = undefined;
    }

    await sleep(1000);
    const finalRss = rssBytes(server.pid) ?? 0;
    const biggest = steps
      // a step of a few viewers says nothing per viewer: RSS noise is larger than their cost
      .filter((r) => r.protocol === 'http' && r.nominalBitrate === highRate && r.viewers >= 100)
      .reduce<StepResult | undefined>((a, r) => (a === undefined || r.viewers > a.viewers ? r : a), undefined);
    return {
      name,
      run: slot.run,
      order: slot.order,
      label: server.label,
      build: server.build,
      baselineRss,
      finalRss,
      steps,
      memoryPerViewer: biggest ? (biggest.rssEnd - biggest.rssBefore) / biggest.viewers : undefined,
      memoryPerViewerStep: biggest?.label,
      memoryPerIdleViewer: idle ? (idle.rssEnd - idle.rssBefore) / idle.viewers : undefined,
      logFile: server.logFile,
    };
  } finally {
    await publisher?.stop();
    await server.stop();
  }
}

async function main(): Promise<void> {
  let config: BenchConfig | 'help';
  try {
    config = readConfig(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (config === 'help') return void console.log(usage);
  installExitHandlers();
  const started = performance.now();
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? '?'}) · Node ${process.version}`;
  if (config.scenario !== 'fanout') console.log(`flvcast benchmark, ${config.scenario} scenario · ${machine} · up to ${config.workers} viewer processes`);
  else
    console.log(
      `flvcast fan-out benchmark · ${machine}\n` +
        `steps: HTTP-FLV ${config.steps.join(', ')}` +
        `${config.wsViewers > 0 ? `; WS-FLV ${config.wsViewers}` : ''}` +
        `${config.lowViewers > 0 ? `; HTTP-FLV ${config.lowViewers} at the low bitrate` : ''}` +
        ` · ${config.stepSeconds} s measured per step · servers: ${config.servers.join(', ')}` +
        `${config.baseline !== undefined ? ` (flvcast-base: ${config.baseline})` : ''} · up to ${config.workers} viewer processes`,
    );
  const high = await ensureInput(highInput);
  if (config.scenario === 'slow') return runSlow(config, high, started);
  if (config.scenario === 'proxy') return runProxy(config, high, started);
  if (config.scenario === 'formats') return runFormats(config, high, started);
  if (config.scenario === 'rtmp') return runRtmp(config, high, started);
  if (config.scenario === 'relay') return runRelay(config, high, started);
  if (config.scenario === 'cluster') return runCluster(config, high, started);
  if (config.scenario === 'dvr') return runDvr(config, high, started);
  const low = config.lowViewers > 0 ? await ensureInput(lowInput) : undefined;
  const idle = config.idleViewers > 0 ? await ensureInput(idleInput) : undefined;

  const results: ServerResults[] = [];
  for (const slot of runSlots(config.servers)) results.push(await measureServer(config, slot, { high, low, idle }));

  console.log(`\n=== side by side${results.length === 2 ? ` (ratio = ${results[0]!.label} / ${results[1]!.label})` : ''}\n`);
  console.log(formatSideBySide(results));
  const repeated = results.some((r) => r.run !== undefined);
  const medians = repeated ? serverMedians(results) : undefined;
  if (medians !== undefined) {
    console.log(`\n=== each run, in the order they ran\n`);
    console.log(formatRuns(results));
    console.log(`\n=== medians over each server's runs\n`);
    console.log(formatMedians(medians));
  }

  writeResults({
    config,
    notes: {
      cpu: '% of one core, from /proc/<pid>/stat utime+stime over the measured window',
      harness: 'this process (incl. the RTMP ingest proxy), the viewer workers and ffmpeg: it shares the cores with the server',
      latency: 'ms from the arrival of a message at the RTMP socket (ingest proxy) to the arrival of the same tag at a sampled viewer',
      memoryPerViewer: memoryPerViewerNote,
      ...(medians === undefined ? {} : { medians: "per server, the median over its runs of each figure (mean of the middle two for an even count), with min, max and each run's value" }),
    },
    servers: results,
    ...(medians === undefined ? {} : { medians }),
  });
  console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

async function runSlow(config: BenchConfig, input: string, started: number): Promise<void> {
  console.log(
    `slow-viewer scenario: ${config.slowNormal} normal HTTP-FLV viewers alone for ${config.stepSeconds} s, then beside ${config.slowViewers} ` +
      `slow ones (${(config.slowRate * 100).toFixed(0)} % of the stream rate) for ${config.slowMinutes} min · servers: ${config.servers.join(', ')}`,
  );
  await runScenario(
    config,
    started,
    (slot) => runSlowScenario(config, slot.name, input, slot.run),
    (r) => formatSlowScenario(r, config),
  );
}

async function runProxy(config: BenchConfig, input: string, started: number): Promise<void> {
  console.log(
    `reverse-proxy scenario: ${config.proxyViewers} HTTP-FLV viewers per variant (direct; nginx default config; nginx proxy_buffering off; ` +
      `nginx default with X-Accel-Buffering ignored), ${config.proxyRounds} round(s) × ${config.proxySeconds} s each, alternating · servers: ${config.servers.join(', ')}`,
  );
  await runScenario(
    config,
    started,
    (slot) => runProxyScenario(config, slot.name, input, slot.run),
    (r) => formatProxyScenario(r, config),
    {
      latency: 'ms from the arrival of a message at the RTMP socket (ingest proxy) to the arrival of the same tag at a viewer; every viewer sampled; p50/p99 pooled over the rounds',
      delivery: 'FLV bytes received by all viewers over the windows / bytes that reached the RTMP socket (shifted by the p50 latency) × viewers',
      nginx: 'one nginx process (daemon off, master_process off), one server block per variant, HTTP/1.0 to the upstream (its default)',
    },
  );
}

async function runFormats(config: BenchConfig, input: string, started: number): Promise<void> {
  const n = config.formatsViewers;
  console.log(
    `formats scenario: publisher only, 1 FLV, 1 TS, ${n} FLV, ${n} TS, ${n} FLV + ${n} TS, ${2 * n} FLV viewers (HTTP, 720p 2.5 Mbit/s), publisher only again; ` +
      `then ${config.aacListeners} .aac listeners of 128 kbit/s audio · ${config.stepSeconds} s per step · servers: ${config.servers.join(', ')}`,
  );
  const aac = await ensureInput(aacInput);
  const results = await eachRun(
    config,
    (slot) => runFormatsScenario(config, slot.name, { high: input, aac }, slot.run),
    (r) => formatFormatsScenario(r, config),
  );
  if (results.length > 1) console.log(`\n=== over the ${results.length} runs: range (each run)\n${formatFormatsRanges(results, config)}`);
  writeResults({
    scenario: 'formats',
    config,
    keyFigures: results.map((r) => keyFigures(r, config)),
    notes: {
      cpu: '% of one core over each step window; C(x) = CPU of load x minus the mean of the two publisher-only windows',
      delivery: 'FLV viewers: FLV bytes; TS viewers: PES payload bytes against the codec data that reached the RTMP socket; .aac: ADTS frames without headers against the AAC data',
      latency: 'FLV: tags matched by (type, timestamp, size); TS: PES matched by (type, DTS/90 − offset) to the published frame, dated by the read that carried the PES\'s last packet',
    },
    servers: results,
  });
  console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

async function runRtmp(config: BenchConfig, input: string, started: number): Promise<void> {
  const n = config.rtmpViewers;
  console.log(
    `rtmp scenario: per server run, ${n} RTMP players (our own client) then ${n} HTTP-FLV viewers of the 720p 2.5 Mbit/s stream, ` +
      `${config.stepSeconds} s each · servers: ${config.servers.join(', ')}`,
  );
  const results: RtmpRunResult[] = [];
  for (const slot of runSlots(config.servers)) results.push(await runRtmpScenario(config, slot.name, input, slot));
  console.log(`\n=== side by side\n`);
  console.log(formatSideBySide(results, rtmpMemoryNote));
  const medians = results.some((r) => r.run !== undefined) ? serverMedians(results) : undefined;
  if (medians !== undefined) {
    console.log(`\n=== each run, in the order they ran\n`);
    console.log(formatRuns(results));
    console.log(`\n=== medians over each server's runs\n`);
    console.log(formatMedians(medians));
  }
  console.log(`\n=== RTMP players\n`);
  console.log(formatRtmpSummary(results, config));
  writeResults({
    scenario: 'rtmp',
    config,
    notes: {
      cpu: '% of one core, from /proc/<pid>/stat utime+stime over the measured window',
      delivery: "RTMP players: their audio/video/data messages counted as the FLV tags they would be (payload + 15 bytes), against the FLV bytes that reached the RTMP socket (shifted by the step's p50 latency)",
      latency: 'ms from the arrival of a message at the RTMP socket (ingest proxy) to the arrival of the same message at a sampled RTMP player (or tag at an HTTP-FLV viewer), matched on type, timestamp and size',
      memoryPerViewer: rtmpMemoryNote,
    },
    servers: results,
    ...(medians === undefined ? {} : { medians }),
  });
  console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

async function runRelay(config: BenchConfig, input: string, started: number): Promise<void> {
  console.log(
    `relay scenario: a flvcast with nothing published, with one publisher, with one publisher forwarded to nginx-rtmp, and pulling one stream from nginx-rtmp; ` +
      `${config.relayRounds} round(s) × ${config.relaySeconds} s per window, alternating · servers: ${config.servers.join(', ')}`,
  );
  await runScenario(
    config,
    started,
    (slot) => runRelayScenario(config, slot.name, input, slot.run),
    (r) => formatRelayScenario(r),
    {
      cpu: '% of one core over each window, no viewers; medians over the rounds',
      forward: 'one forward = CPU(publisher + forward) − CPU(publisher), per Mbit/s of the stream at the RTMP socket',
      pull: 'one pull = CPU(pulling, nothing published) − CPU(idle), per Mbit/s of the upstream stream at its RTMP socket',
    },
  );
}

async function runCluster(config: BenchConfig, input: string, started: number): Promise<void> {
  const parts = [
    config.clusterParts.includes('edges')
      ? `edges: an origin and 2 edges, ${config.clusterViewers} HTTP-FLV viewers direct vs. over the edges` +
        `${config.clusterSmallViewers > 0 ? ` (and ${config.clusterSmallViewers} over the edges)` : ''}, ${config.clusterRounds} round(s) alternating`
      : undefined,
    config.clusterParts.includes('workers') ? `workers: --workers 1 vs 2 up the ladder ${config.clusterLadder.join(', ')}, ${config.clusterLadderRounds} round(s)` : undefined,
  ].filter((p) => p !== undefined);
  console.log(`cluster scenario: ${parts.join('; ')} · ${config.stepSeconds} s per step · servers: ${config.servers.join(', ')}`);
  await runScenario(
    config,
    started,
    (slot) => runClusterScenario(config, slot.name, input, slot.run),
    (r) => formatClusterScenario(r, config),
    {
      latency: "ms from the arrival of a message at the origin's (or primary's) RTMP socket to the arrival of the same tag at a sampled viewer: end to end through an edge",
      cpu: '% of one core over each window; edges: each edge process; workers: the primary and every process below it (by ppid in /proc)',
      harness: 'this process (with the ingest proxy), the viewer workers and ffmpeg, on the same 2 cores as the servers',
    },
  );
}

async function runDvr(config: BenchConfig, input: string, started: number): Promise<void> {
  await runScenario(
    config,
    started,
    (slot) => runDvrScenario(config, slot.name, input, slot.run),
    (r) => formatDvrScenario(r),
    {
      cpu: '% of one core over each window (the server process alone); recording: every stream recorded to .cache/bench/dvr-*',
      vod: 'all bytes received by the downloaders / wall time from the first request to the last byte; two downloader processes',
    },
  );
}

function writeResults(body: object): void {
  mkdirSync(cacheDir, { recursive: true });
  const date = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
  const file = join(cacheDir, `results-${date}.json`);
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version }, ...body }, null, 2)}\n`);
  console.log(`\nresults: ${file}`);
}

main().then(
  () => {
    killAll();
    process.exit(0);
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    killAll();
    process.exit(1);
  },
);
