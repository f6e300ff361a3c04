/**
 * Beyond one process (issue 16), flvcast builds only, on this one machine.
 *
 * **Edges**: an origin flvcast that the publisher (the 2.5 Mbit/s input, through the ingest proxy) publishes to,
 * and two edge flvcasts started with `--origin http://<origin>`. Per round, three steps: N HTTP-FLV viewers
 * direct to the origin; N viewers over the two edges (N/2 each: each edge pulls the stream once from the
 * origin, so the origin serves 2 viewers); a smaller edge audience (does the origin's CPU stay flat?). The steps
 * alternate their order over the rounds (this shared 2-core machine moves by ±25 %), and each kind's latencies
 * are pooled over the rounds. Latency is measured as in every scenario: a tag's arrival at a viewer minus the
 * same message's arrival at the origin's RTMP socket, so the edge figure is end to end, and the hop's cost is
 * edges − direct of the same round. The edges run with `--edge-idle-ms 1000`, so each edge step starts its own
 * pulls (as a real edge's first viewer does) and none is left running into a direct step.
 *
 * **Workers**: `flvcast --workers 1` and `--workers 2` climb a ladder of HTTP-FLV viewer counts (stopping after
 * the first below 95 % of viewers getting 95 % of the bytes); the server's CPU is that of its process tree (the
 * primary and the workers it forked, found by ppid in /proc). A build that does not know `--workers` exits at
 * startup: the part is skipped with a line that says so.
 */
import { readFileSync } from 'node:fs';
import type { BenchConfig, ServerName } from './bench-config.js';
import { untilServed } from './http-flv-probe.js';
import { highInput, nominalBitrate } from './input.js';
import { percentile } from './percentile.js';
import { startPublisher, type Publisher } from './publisher.js';
import { median, table } from './report.js';
import { ExitedAtStartup, startServer, type ServerUnderTest } from './server-under-test.js';
import type { StepResult } from './step-result.js';
import { runStep, type StepSpec } from './step-runner.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export type EdgeStepKind = 'direct' | 'edges' | 'edges-small';

export interface EdgeKindSummary {
  kind: EdgeStepKind;
  viewers: number;
  /** one per round, in round order (their `latencies` are pooled here and left out) */
  rounds: StepResult[];
  latencyP50: number | undefined;
  latencyP99: number | undefined;
  latencySamples: number;
  /** all rounds' delivered bytes / expected bytes */
  delivery: number;
  viewersAt95Min: number;
  /** the origin's CPU in each round, and the edges' (both summed), % of one core */
  originCpu: number[];
  edgesCpu: (number | undefined)[];
  /** this kind's p50 / p99 minus direct's, pooled and per round (same round) */
  hopP50: number | undefined;
  hopP99: number | undefined;
  hopP50ByRound: (number | undefined)[];
  hopP99ByRound: (number | undefined)[];
}

export interface ClusterEdgesResult {
  origin: { pid: number; httpPort: number; logFile: string };
  edges: { pid: number; httpPort: number; logFile: string }[];
  kinds: EdgeKindSummary[];
  /** CPU per 1000 viewers, medians over the rounds: the origin serving them direct; the two edges serving them */
  originPer1000: number | undefined;
  edgesPer1000: number | undefined;
}

export interface WorkersLadderRun {
  workers: number;
  round: number;
  steps: StepResult[];
  /** the largest ladder count at which ≥ 95 % of the viewers got ≥ 95 % of the bytes */
  reached: number | undefined;
}

export interface ClusterWorkersResult {
  /** why the part did not run (a build without `--workers`) */
  skipped: string | undefined;
  runs: WorkersLadderRun[];
}

export interface ClusterScenarioResult {
  name: ServerName;
  run: number | undefined;
  label: string;
  edges: ClusterEdgesResult | undefined;
  workers: ClusterWorkersResult | undefined;
}

const minus = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a - b);
const sumOf = (xs: (number | undefined)[] | undefined): number | undefined =>
  xs === undefined || xs.some((x) => x === undefined) ? undefined : xs.reduce<number>((a, x) => a + x!, 0);

export async function runClusterScenario(config: BenchConfig, name: ServerName, input: string, run?: number): Promise<ClusterScenarioResult> {
  const result: ClusterScenarioResult = { name, run, label: name, edges: undefined, workers: undefined };
  if (config.clusterParts.includes('edges')) result.edges = await runEdges(config, name, input, run, (label) => (result.label = label));
  if (config.clusterParts.includes('workers')) result.workers = await runWorkers(config, name, input, run);
  return result;
}

async function runEdges(config: BenchConfig, name: ServerName, input: string, run: number | undefined, setLabel: (l: string) => void): Promise<ClusterEdgesResult> {
  const tag = `${name}${run === undefined ? '' : `-${run}`}`;
  const servers: ServerUnderTest[] = [];
  let publisher: Publisher | undefined;
  try {
    const origin = await startServer(name, { baseline: config.baseline, run, logSuffix: '-origin' });
    servers.push(origin);
    setLabel(origin.label);
    const originUrl = `http://127.0.0.1:${origin.httpPort}`;
    for (const i of [1, 2]) {
      servers.push(await startServer(name, { baseline: config.baseline, run, extraArgs: ['--origin', originUrl, '--edge-idle-ms', '1000'], logSuffix: `-edge${i}` }));
    }
    const edges = servers.slice(1);
    console.log(
      `\n=== cluster scenario, edges: ${origin.label} origin (pid ${origin.pid}, HTTP :${origin.httpPort}, log ${origin.logFile}); ` +
        edges.map((e, i) => `edge ${i + 1} (pid ${e.pid}, HTTP :${e.httpPort}, --origin ${originUrl}, log ${e.logFile})`).join('; '),
    );
    publisher = await startPublisher(input, origin.rtmpPort, 'bench', `ffmpeg-${tag}-cluster`);
    await sleep(2000);
    for (const [i, e] of edges.entries()) {
      const probe = await untilServed(e.playUrl(publisher.stream), 15_000).catch((err: unknown) => {
        throw new Error(`edge ${i + 1} never served the origin's stream (${(err as Error).message}); logs: ${e.logFile}, ${origin.logFile}`);
      });
      console.log(`  edge ${i + 1}: first keyframe of live/${publisher.stream} (pulled from the origin) ${probe.firstKeyframeMs.toFixed(0)} ms after the request`);
    }
    // the probes' pulls stop (edge idle 1 s) before the first step
    await sleep(2000);

    const kinds: EdgeStepKind[] = config.clusterSmallViewers > 0 ? ['direct', 'edges', 'edges-small'] : ['direct', 'edges'];
    const viewersOf = (k: EdgeStepKind): number => (k === 'edges-small' ? config.clusterSmallViewers : config.clusterViewers);
    const steps = new Map<EdgeStepKind, StepResult[]>(kinds.map((k) => [k, []]));
    const rate = nominalBitrate(highInput);
    for (let round = 1; round <= config.clusterRounds; round++) {
      const order = round % 2 === 1 ? kinds : [...kinds].reverse();
      for (const kind of order) {
        const spec: StepSpec = {
          label: `${kind === 'direct' ? 'direct to the origin' : 'over the 2 edges'}, HTTP-FLV × ${viewersOf(kind)}, round ${round}`,
          protocol: 'http',
          viewers: viewersOf(kind),
          nominalBitrate: rate,
          keepLatencies: true,
          ...(kind === 'direct'
            ? {}
            : { playUrls: edges.map((e) => e.playUrl(publisher!.stream)), extraPids: edges.map((e) => e.pid), timestampsRebased: true }),
        };
        const r = await runStep(config, origin, publisher, spec);
        steps.get(kind)!.push(r);
        console.log(`  ${oneLine(r)}`);
        if (publisher.ffmpeg.exitCode !== null) throw new Error(`the publisher (ffmpeg) exited with ${publisher.ffmpeg.exitCode}`);
        for (const s of servers) if (s.child.exitCode !== null) throw new Error(`${s.label} (pid ${s.pid}) exited with ${s.child.exitCode}; see ${s.logFile}`);
      }
    }
    const summaries = summarizeEdges(kinds, steps);
    const direct = summaries.find((k) => k.kind === 'direct')!;
    const edgesKind = summaries.find((k) => k.kind === 'edges')!;
    return {
      origin: { pid: origin.pid, httpPort: origin.httpPort, logFile: origin.logFile },
      edges: edges.map((e) => ({ pid: e.pid, httpPort: e.httpPort, logFile: e.logFile })),
      kinds: summaries,
      originPer1000: median(direct.originCpu.map((c) => (c * 1000) / direct.viewers)),
      edgesPer1000: median(edgesKind.edgesCpu.map((c) => (c === undefined ? undefined : (c * 1000) / edgesKind.viewers))),
    };
  } finally {
    await publisher?.stop();
    for (const s of servers.reverse()) await s.stop();
  }
}

function summarizeEdges(kinds: EdgeStepKind[], steps: Map<EdgeStepKind, StepResult[]>): EdgeKindSummary[] {
  const pooled = (rs: StepResult[]): number[] => rs.flatMap((r) => r.latencies ?? []);
  const directSteps = steps.get('direct')!;
  const directAll = pooled(directSteps);
  return kinds.map((kind) => {
    const rs = steps.get(kind)!;
    const all = pooled(rs);
    const p50 = percentile(all, 50);
    const p99 = percentile(all, 99);
    const expected = rs.reduce((a, r) => a + r.expectedBitrate * r.seconds, 0);
    const delivered = rs.reduce((a, r) => a + r.deliveredBitrate * r.seconds, 0);
    // the hop's cost compares the same audience direct and over the edges (not the smaller edge audience)
    const isDirect = kind !== 'edges';
    return {
      kind,
      viewers: rs[0]?.viewers ?? 0,
      rounds: rs.map((r) => ({ ...r, latencies: undefined })),
      latencyP50: p50,
      latencyP99: p99,
      latencySamples: all.length,
      delivery: expected > 0 ? delivered / expected : 0,
      viewersAt95Min: Math.min(...rs.map((r) => r.viewersAt95)),
      originCpu: rs.map((r) => r.serverCpu),
      edgesCpu: rs.map((r) => sumOf(r.extraCpu)),
      hopP50: isDirect ? undefined : minus(p50, percentile(directAll, 50)),
      hopP99: isDirect ? undefined : minus(p99, percentile(directAll, 99)),
      hopP50ByRound: isDirect ? [] : rs.map((r, i) => minus(r.latencyP50, directSteps[i]?.latencyP50)),
      hopP99ByRound: isDirect ? [] : rs.map((r, i) => minus(r.latencyP99, directSteps[i]?.latencyP99)),
    };
  });
}

/** The log's first lines, for the "refused the flag" message (the CLI prints its complaint first). */
function logHead(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(0, 1).join(' ').slice(0, 200);
  } catch {
    return '(no log)';
  }
}

async function runWorkers(config: BenchConfig, name: ServerName, input: string, run: number | undefined): Promise<ClusterWorkersResult> {
  const tag = `${name}${run === undefined ? '' : `-${run}`}`;
  const runs: WorkersLadderRun[] = [];
  const rate = nominalBitrate(highInput);
  console.log(
    `\n=== cluster scenario, workers: --workers 1 vs --workers 2, HTTP-FLV ladder ${config.clusterLadder.join(', ')} (720p 2.5 Mbit/s), ${config.clusterLadderRounds} round(s)` +
      `\n  server CPU = the primary + every process below it (/proc, by ppid), % of one core. The harness (viewer processes, ingest proxy, ffmpeg)` +
      `\n  runs on the same 2 cores: its CPU is printed beside the server's, and past some viewer count it, not the server, is the limit.`,
  );
  for (let round = 1; round <= config.clusterLadderRounds; round++) {
    for (const workers of round % 2 === 1 ? [1, 2] : [2, 1]) {
      let server: ServerUnderTest;
      try {
        server = await startServer(name, { baseline: config.baseline, run, extraArgs: ['--workers', String(workers)], logSuffix: `-workers${workers}-${round}` });
      } catch (err) {
        if (!(err instanceof ExitedAtStartup)) throw err;
        const skipped = `skipped: ${name} refused --workers ${workers} (it exited at startup with code ${err.exitCode}: ${logHead(err.logFile)}); this build has no worker processes`;
        console.log(`  ${skipped}`);
        return { skipped, runs };
      }
      let publisher: Publisher | undefined;
      const steps: StepResult[] = [];
      let reached: number | undefined;
      try {
        publisher = await startPublisher(input, server.rtmpPort, 'bench', `ffmpeg-${tag}-workers${workers}-${round}`);
        await sleep(2000);
        // with workers, the HTTP port answers once the first worker listens: wait until a viewer is served
        await untilServed(server.playUrl(publisher.stream), 15_000).catch((err: unknown) => {
          throw new Error(`${server.label} --workers ${workers} never served the stream (${(err as Error).message}); log: ${server.logFile}`);
        });
        for (const n of config.clusterLadder) {
          const r = await runStep(config, server, publisher, {
            label: `--workers ${workers}, HTTP-FLV × ${n}, round ${round}`,
            protocol: 'http',
            viewers: n,
            nominalBitrate: rate,
            serverTree: true,
            // each worker pulls from the primary through the edge path, which restarts timestamps at 0
            timestampsRebased: true,
          });
          steps.push(r);
          console.log(`  ${oneLine(r)}`);
          if (server.child.exitCode !== null) throw new Error(`${server.label} exited with ${server.child.exitCode}; see ${server.logFile}`);
          if (r.viewersAt95 < 0.95) {
            console.log(`  --workers ${workers} stops climbing at ${n}: ${pct(r.viewersAt95)} of the viewers got ≥ 95 % of the bytes`);
            break;
          }
          reached = n;
        }
      } finally {
        await publisher?.stop();
        await server.stop();
      }
      runs.push({ workers, round, steps, reached });
    }
  }
  return { skipped: undefined, runs };
}

const f1 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(1));
const signed = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : `${n >= 0 ? '+' : ''}${n.toFixed(1)}`);
const pct = (n: number | undefined): string => (n === undefined ? '—' : `${(n * 100).toFixed(1)} %`);
const indent = (text: string): string => text.replace(/^/gm, '  ');

function oneLine(r: StepResult): string {
  const delivery = r.expectedBitrate > 0 ? r.deliveredBitrate / r.expectedBitrate : 0;
  const extra = r.extraCpu === undefined ? '' : `, edges ${r.extraCpu.map(f1).join(' + ')} %`;
  const tree = r.serverProcesses !== undefined && r.serverProcesses > 1 ? ` over ${r.serverProcesses} processes` : '';
  return (
    `${r.label}: p50 ${f1(r.latencyP50)} / p99 ${f1(r.latencyP99)} ms (${r.latencySamples} tags, ${pct(r.latencyMatchRate)} matched), delivered ${pct(delivery)}, ` +
    `≥ 95 % of the bytes ${pct(r.viewersAt95)}, ${r.connected}/${r.viewers} served, ${r.failed + r.noAnswer} failed or unanswered, ${r.closedEarly} cut, ` +
    `${r.framingErrors + r.tagSizeMismatches} framing errors; server CPU ${f1(r.serverCpu)} %${tree}${extra}; harness ${f1(r.harnessCpu)} %; TTFF p50 ${f1(r.ttffRequestP50)} ms`
  );
}

const kindLabel: Record<EdgeStepKind, string> = { direct: 'direct to the origin', edges: 'over the 2 edges', 'edges-small': 'over the 2 edges (small audience)' };

function formatEdges(e: ClusterEdgesResult, config: BenchConfig): string {
  const rows: string[][] = [
    ['step', 'viewers', 'p50 ms', 'p99 ms', 'hop p50 / p99', 'hop p50 by round', 'hop p99 by round', 'delivered', '≥95 % worst', 'origin CPU by round', 'edges CPU by round', 'harness by round'],
  ];
  for (const k of e.kinds) {
    rows.push([
      kindLabel[k.kind],
      String(k.viewers),
      f1(k.latencyP50),
      f1(k.latencyP99),
      k.kind !== 'edges' ? '—' : `${signed(k.hopP50)} / ${signed(k.hopP99)}`,
      k.kind !== 'edges' ? '—' : k.hopP50ByRound.map(signed).join(' · '),
      k.kind !== 'edges' ? '—' : k.hopP99ByRound.map(signed).join(' · '),
      pct(k.delivery),
      pct(k.viewersAt95Min),
      k.originCpu.map(f1).join(' · '),
      k.kind === 'direct' ? '—' : k.edgesCpu.map(f1).join(' · '),
      k.rounds.map((r) => f1(r.harnessCpu)).join(' · '),
    ]);
  }
  const ratio = e.originPer1000 !== undefined && e.edgesPer1000 !== undefined && e.originPer1000 > 0 ? e.edgesPer1000 / e.originPer1000 : undefined;
  const small = e.kinds.find((k) => k.kind === 'edges-small');
  const big = e.kinds.find((k) => k.kind === 'edges')!;
  return [
    `edges: ${config.clusterRounds} round(s) × ${config.stepSeconds} s per step, alternating; latency = arrival at a viewer − arrival at the origin's RTMP socket, pooled over the rounds; ` +
      `hop = this step − direct (pooled; by round: the same round's)`,
    indent(table(rows)),
    `  CPU per 1000 viewers (medians over the rounds, % of one core): the origin serving them direct ${f1(e.originPer1000)}, the two edges together ${f1(e.edgesPer1000)}` +
      ` (edges / single server ${ratio === undefined ? '—' : ratio.toFixed(2)})`,
    `  origin CPU while the edges serve ${big.viewers}: ${big.originCpu.map(f1).join(' · ')} %` +
      (small === undefined ? '' : `; while they serve ${small.viewers}: ${small.originCpu.map(f1).join(' · ')} % (the origin serves the 2 edge pulls either way)`),
  ].join('\n');
}

/** The top of the ladder passed means "at least that": the ladder went no higher. */
function reachedText(r: WorkersLadderRun, config: BenchConfig): string {
  if (r.reached === undefined) return `< ${config.clusterLadder[0]}`;
  return r.reached === config.clusterLadder[config.clusterLadder.length - 1] ? `≥ ${r.reached}` : String(r.reached);
}

function formatWorkers(w: ClusterWorkersResult, config: BenchConfig): string {
  if (w.skipped !== undefined) return `workers: ${w.skipped}`;
  const rows: string[][] = [['run', ...config.clusterLadder.map((n) => `× ${n}: CPU / p50 / p99 / ≥95 % / harness`), 'reached (≥ 95 %)']];
  for (const r of w.runs) {
    rows.push([
      `--workers ${r.workers}, round ${r.round}`,
      ...config.clusterLadder.map((n) => {
        const s = r.steps.find((x) => x.viewers === n);
        return s === undefined ? 'not run' : `${f1(s.serverCpu)} / ${f1(s.latencyP50)} / ${f1(s.latencyP99)} / ${pct(s.viewersAt95)} / ${f1(s.harnessCpu)}`;
      }),
      reachedText(r, config),
    ]);
  }
  const medianRows: string[][] = [['--workers', ...config.clusterLadder.map((n) => `× ${n}: CPU / p50 / p99 (medians)`), 'reached, each round']];
  for (const workers of [1, 2]) {
    const mine = w.runs.filter((r) => r.workers === workers);
    medianRows.push([
      String(workers),
      ...config.clusterLadder.map((n) => {
        const s = mine.flatMap((r) => r.steps.filter((x) => x.viewers === n));
        return s.length === 0 ? 'not run' : `${f1(median(s.map((x) => x.serverCpu)))} / ${f1(median(s.map((x) => x.latencyP50)))} / ${f1(median(s.map((x) => x.latencyP99)))}`;
      }),
      mine.map((r) => reachedText(r, config)).join(' · '),
    ]);
  }
  return [
    `workers: server CPU over the process tree (% of one core) / latency p50 / p99 ms / viewers ≥ 95 % of the bytes / harness CPU, each run in the order it ran`,
    indent(table(rows)),
    indent(table(medianRows)),
    `  the harness shares the 2 cores with the server: where both together reach 200 %, the count reached is this machine's, not the server's`,
  ].join('\n');
}

export function formatClusterScenario(r: ClusterScenarioResult, config: BenchConfig): string {
  return [
    `${r.label} · cluster scenario`,
    ...(r.edges === undefined ? [] : [formatEdges(r.edges, config)]),
    ...(r.workers === undefined ? [] : [formatWorkers(r.workers, config)]),
  ].join('\n');
}
