/**
 * The other containers (issue 14): what MPEG-TS and ADTS viewers cost next to FLV ones, flvcast alone (the
 * peers have no TS). On the 720p 2.5 Mbit/s input, one server, one publisher, in this order: the publisher
 * alone, 1 FLV viewer, 1 TS viewer, N FLV viewers, N TS viewers, N FLV + N TS viewers at once (interleaved in
 * the same worker processes), 2N FLV viewers (the same audience in one format), the publisher alone again; then a 128 kbit/s audio-only input with M `.aac`
 * listeners. No late joiners, so every step's CPU is its viewers' alone.
 *
 * C(x) is the server's CPU under load x minus its CPU with the publisher and no viewer (the mean of the two
 * publisher-only windows). Printed: CPU per viewer TS against FLV (raw and as C(x)/N), their delivery and
 * latency, the muxing cost (CPU with 1 TS viewer minus publisher only, per Mbit/s of ingest, beside the same
 * for 1 FLV viewer), C(N FLV + N TS) against C(N FLV) + C(N TS) and against C(2N FLV), and the listeners'
 * memory per listener.
 */
import type { BenchConfig, ServerName } from './bench-config.js';
import { aacInput, highInput, nominalBitrate } from './input.js';
import { startPublisher, type Publisher } from './publisher.js';
import { startServer } from './server-under-test.js';
import type { FormatFigures, StepResult } from './step-result.js';
import { runStep } from './step-runner.js';

export interface FormatsScenarioResult {
  name: ServerName;
  run: number | undefined;
  label: string;
  idleBefore: StepResult;
  oneFlv: StepResult;
  oneTs: StepResult;
  flv: StepResult;
  ts: StepResult;
  both: StepResult;
  /** the same audience size in FLV alone: what C(both) compares with when CPU per viewer falls with audience size */
  flvDouble: StepResult;
  idleAfter: StepResult;
  /** publisher-only CPU, % of one core: the mean of the two idle windows */
  c0: number;
  aacIdle: StepResult;
  aac: StepResult;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runFormatsScenario(config: BenchConfig, name: ServerName, inputs: { high: string; aac: string }, run?: number): Promise<FormatsScenarioResult> {
  const server = await startServer(name, { baseline: config.baseline, run });
  const tag = `${name}${run === undefined ? '' : `-${run}`}`;
  console.log(`\n=== ${server.label} (pid ${server.pid}, HTTP 127.0.0.1:${server.httpPort}, log ${server.logFile})`);
  let publisher: Publisher | undefined;
  const quiet = { ...config, lateJoiners: 0 };
  const n = config.formatsViewers;
  try {
    publisher = await startPublisher(inputs.high, server.rtmpPort, 'bench', `ffmpeg-${tag}-formats`);
    await sleep(2000);
    const rate = nominalBitrate(highInput);
    const step = async (label: string, viewers: number, formats: ('flv' | 'ts')[]): Promise<StepResult> => {
      const r = await runStep(quiet, server, publisher!, { label, protocol: 'http', viewers, formats, nominalBitrate: rate });
      console.log(`  ${oneLine(r)}`);
      if (publisher!.ffmpeg.exitCode !== null) throw new Error(`the publisher (ffmpeg) exited with ${publisher!.ffmpeg.exitCode} during the step`);
      return r;
    };
    const idleBefore = await step('publisher only', 0, ['flv']);
    const oneFlv = await step('HTTP-FLV × 1', 1, ['flv']);
    const oneTs = await step('HTTP-TS × 1', 1, ['ts']);
    const flv = await step(`HTTP-FLV × ${n}`, n, ['flv']);
    const ts = await step(`HTTP-TS × ${n}`, n, ['ts']);
    const both = await step(`HTTP-FLV × ${n} + HTTP-TS × ${n}`, 2 * n, ['flv', 'ts']);
    const flvDouble = await step(`HTTP-FLV × ${2 * n}`, 2 * n, ['flv']);
    const idleAfter = await step('publisher only, again', 0, ['flv']);
    await publisher.stop();
    publisher = undefined;

    publisher = await startPublisher(inputs.aac, server.rtmpPort, 'benchaac', `ffmpeg-${tag}-aac`, true);
    await sleep(2000);
    const aacRate = nominalBitrate(aacInput);
    const aacIdle = await runStep(quiet, server, publisher, { label: 'audio publisher only', protocol: 'http', viewers: 0, formats: ['aac'], nominalBitrate: aacRate });
    console.log(`  ${oneLine(aacIdle)}`);
    const aac = await runStep(quiet, server, publisher, { label: `HTTP-AAC × ${config.aacListeners}`, protocol: 'http', viewers: config.aacListeners, formats: ['aac'], nominalBitrate: aacRate });
    console.log(`  ${oneLine(aac)}`);
    return {
      name,
      run,
      label: server.label,
      idleBefore,
      oneFlv,
      oneTs,
      flv,
      ts,
      both,
      flvDouble,
      idleAfter,
      c0: (idleBefore.serverCpu + idleAfter.serverCpu) / 2,
      aacIdle,
      aac,
    };
  } finally {
    await publisher?.stop();
    await server.stop();
  }
}

const f1 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(1));
const f3 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(3));
const f2 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(2));
const pct = (n: number | undefined): string => (n === undefined ? '—' : `${(n * 100).toFixed(1)} %`);
const mb = (b: number): string => (b / 1048576).toFixed(0);

function figuresOf(r: StepResult, format: 'flv' | 'ts' | 'aac'): FormatFigures | undefined {
  return r.byFormat?.find((f) => f.format === format);
}

function oneLine(r: StepResult): string {
  const formats = (r.viewers === 0 ? [] : (r.byFormat ?? [])).map((f) => `.${f.format} ≥95 % ${pct(f.viewersAt95)} p50/p99 ${f1(f.latencyP50)}/${f1(f.latencyP99)} ms`).join('; ');
  const flvOnly = r.byFormat === undefined && r.viewers > 0 ? `≥95 % ${pct(r.viewersAt95)} p50/p99 ${f1(r.latencyP50)}/${f1(r.latencyP99)} ms` : '';
  return (
    `${r.label}: CPU ${f1(r.serverCpu)} % (harness ${f1(r.harnessCpu)} %), RSS ${mb(r.rssBefore)}→${mb(r.rssEnd)} MB, ${r.connected}/${r.viewers} connected, ${r.framingErrors} framing errors, ` +
    `${r.continuityErrors} continuity errors, ${r.gaps} gaps${formats === '' && flvOnly === '' ? '' : ` · ${formats}${flvOnly}`}`
  );
}

export function formatFormatsScenario(r: FormatsScenarioResult, config: BenchConfig): string {
  const n = config.formatsViewers;
  const c = (s: StepResult): number => s.serverCpu - r.c0;
  const ingestMbit = r.oneTs.ingestBitrate / 1e6;
  const flvTs = figuresOf(r.ts, 'ts');
  const bothFlv = figuresOf(r.both, 'flv');
  const bothTs = figuresOf(r.both, 'ts');
  const aac = figuresOf(r.aac, 'aac');
  const perViewer = (s: StepResult, viewers: number): number => s.serverCpu / viewers;
  const rows: [string, string][] = [
    ['publisher only (before / after)', `${f1(r.idleBefore.serverCpu)} / ${f1(r.idleAfter.serverCpu)} % CPU (C0 = ${f1(r.c0)} %)`],
    [`${n} FLV viewers`, `CPU ${f1(r.flv.serverCpu)} %, C ${f1(c(r.flv))} %; ≥ 95 % of bytes ${pct(r.flv.viewersAt95)}; latency p50 ${f1(r.flv.latencyP50)} / p99 ${f1(r.flv.latencyP99)} ms`],
    [`${n} TS viewers`, `CPU ${f1(r.ts.serverCpu)} %, C ${f1(c(r.ts))} %; ≥ 95 % of codec data ${pct(flvTs?.viewersAt95)}; latency p50 ${f1(flvTs?.latencyP50)} / p99 ${f1(flvTs?.latencyP99)} ms (${pct(flvTs?.latencyMatchRate)} matched)`],
    ['CPU per viewer, TS / FLV', `raw ${f2(perViewer(r.ts, n) / perViewer(r.flv, n))}× (${f3(perViewer(r.ts, n))} vs ${f3(perViewer(r.flv, n))} %); as C(x)/N ${f2(c(r.ts) / c(r.flv))}×`],
    ['latency TS − FLV', `p50 ${f1((flvTs?.latencyP50 ?? NaN) - (r.flv.latencyP50 ?? NaN))} ms, p99 ${f1((flvTs?.latencyP99 ?? NaN) - (r.flv.latencyP99 ?? NaN))} ms`],
    ['muxing cost, 1 TS viewer', `${f1(r.oneTs.serverCpu)} − ${f1(r.c0)} = ${f1(c(r.oneTs))} % CPU at ${f2(ingestMbit)} Mbit/s of ingest: ${f2(c(r.oneTs) / ingestMbit)} % per Mbit/s (1 FLV viewer: ${f1(c(r.oneFlv))} %, ${f2(c(r.oneFlv) / ingestMbit)} % per Mbit/s)`],
    [`${n} FLV + ${n} TS at once`, `CPU ${f1(r.both.serverCpu)} %, C ${f1(c(r.both))} % vs C(FLV) + C(TS) = ${f1(c(r.flv) + c(r.ts))} %: ${f2(c(r.both) / (c(r.flv) + c(r.ts)))}×`],
    [`  against ${2 * n} FLV viewers`, `CPU ${f1(r.flvDouble.serverCpu)} %, C ${f1(c(r.flvDouble))} %: C(FLV + TS) / C(${2 * n} FLV) = ${f2(c(r.both) / c(r.flvDouble))}× (the same audience size, one format)`],
    ['  its viewers', `FLV ≥ 95 % ${pct(bothFlv?.viewersAt95)}, p50/p99 ${f1(bothFlv?.latencyP50)}/${f1(bothFlv?.latencyP99)} ms; TS ≥ 95 % ${pct(bothTs?.viewersAt95)}, p50/p99 ${f1(bothTs?.latencyP50)}/${f1(bothTs?.latencyP99)} ms`],
    [
      `${config.aacListeners} AAC listeners (128 kbit/s)`,
      `CPU ${f1(r.aac.serverCpu)} % (audio publisher only ${f1(r.aacIdle.serverCpu)} %); ≥ 95 % of the AAC data ${pct(aac?.viewersAt95)} (worst ${pct(aac?.minViewerShare)}); ` +
        `RSS ${mb(r.aac.rssBefore)} → ${mb(r.aac.rssEnd)} MB: ${f1((r.aac.rssEnd - r.aac.rssBefore) / config.aacListeners / 1024)} KB per listener`,
    ],
    ['errors', `framing ${sum(r, (s) => s.framingErrors)}, TS continuity ${sum(r, (s) => s.continuityErrors)}, gaps ${sum(r, (s) => s.gaps)}, cut by the server ${sum(r, (s) => s.closedEarly)}, failed ${sum(r, (s) => s.failed + s.noAnswer)}`],
  ];
  const w = Math.max(...rows.map(([a]) => a.length));
  return [`${r.label} · formats: 720p ${nominalBitrate(highInput) / 1e6} Mbit/s, ${config.stepSeconds} s per step`, ...rows.map(([a, b]) => `  ${a.padEnd(w)}   ${b}`)].join('\n');
}

function sum(r: FormatsScenarioResult, f: (s: StepResult) => number): number {
  return [r.oneFlv, r.oneTs, r.flv, r.ts, r.both, r.flvDouble, r.aac].reduce((a, s) => a + f(s), 0);
}

/** The key figures of one run, for the ranges over several runs. */
export function keyFigures(r: FormatsScenarioResult, config: BenchConfig): Record<string, number | undefined> {
  const n = config.formatsViewers;
  const c = (s: StepResult): number => s.serverCpu - r.c0;
  const ts = figuresOf(r.ts, 'ts');
  const ingestMbit = r.oneTs.ingestBitrate / 1e6;
  return {
    'CPU per viewer TS / FLV, raw (×)': r.ts.serverCpu / n / (r.flv.serverCpu / n),
    'CPU per viewer TS / FLV, C(x)/N (×)': c(r.ts) / c(r.flv),
    'TS viewers ≥ 95 % (%)': ts === undefined ? undefined : 100 * ts.viewersAt95,
    'FLV viewers ≥ 95 % (%)': 100 * r.flv.viewersAt95,
    'TS latency p50 (ms)': ts?.latencyP50,
    'FLV latency p50 (ms)': r.flv.latencyP50,
    'TS latency p99 (ms)': ts?.latencyP99,
    'FLV latency p99 (ms)': r.flv.latencyP99,
    'muxing cost, 1 TS viewer (% CPU per Mbit/s)': c(r.oneTs) / ingestMbit,
    '1 FLV viewer (% CPU per Mbit/s)': c(r.oneFlv) / ingestMbit,
    'C(FLV + TS) / (C(FLV) + C(TS)) (×)': c(r.both) / (c(r.flv) + c(r.ts)),
    'C(FLV + TS) / C(2N FLV) (×)': c(r.both) / c(r.flvDouble),
    'TS − FLV latency p50 in the mixed step (ms)': (figuresOf(r.both, 'ts')?.latencyP50 ?? NaN) - (figuresOf(r.both, 'flv')?.latencyP50 ?? NaN),
    'AAC listeners ≥ 95 % (%)': (() => {
      const aac = figuresOf(r.aac, 'aac');
      return aac === undefined ? undefined : 100 * aac.viewersAt95;
    })(),
    'RSS per AAC listener (KB)': (r.aac.rssEnd - r.aac.rssBefore) / config.aacListeners / 1024,
  };
}

/** Each key figure's range (min–max) and values over the runs, in the order they ran. */
export function formatFormatsRanges(results: FormatsScenarioResult[], config: BenchConfig): string {
  const all = results.map((r) => keyFigures(r, config));
  const names = Object.keys(all[0] ?? {});
  const w = Math.max(...names.map((x) => x.length));
  return names
    .map((name) => {
      const values = all.map((f) => f[name]).filter((v): v is number => v !== undefined && Number.isFinite(v));
      const range = values.length === 0 ? '—' : `${f2(Math.min(...values))} – ${f2(Math.max(...values))}`;
      return `  ${name.padEnd(w)}   ${range.padEnd(16)} (${all.map((f) => f2(f[name])).join(', ')})`;
    })
    .join('\n');
}
