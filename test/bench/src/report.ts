/**
 * Plain-text rendering of the results: a block per step as it ends, then flvcast beside its peer; when a
 * server ran more than once, each run and then each server's medians over its runs.
 */
import type { FormatFigures, StepResult } from './step-result.js';

export interface ServerResults {
  name: string;
  /** the n-th run of this server in the invocation, when it ran more than once */
  run: number | undefined;
  /** position in the invocation, from 1 */
  order: number;
  label: string;
  /** for flvcast builds: the checkout and its commit */
  build: { checkout: string; commit: string | undefined } | undefined;
  /** RSS with the publisher on and no viewer, bytes */
  baselineRss: number;
  /** RSS at the end, after every step's viewers left, bytes */
  finalRss: number;
  steps: StepResult[];
  /** RSS delta per viewer at the biggest 2.5 Mbit/s HTTP-FLV step, bytes (see memoryPerViewerNote) */
  memoryPerViewer: number | undefined;
  memoryPerViewerStep: string | undefined;
  /** RSS delta per viewer at the near-idle step (32 kbit/s audio only), bytes */
  memoryPerIdleViewer: number | undefined;
  /** server log file, for whoever wants to look */
  logFile: string;
}

export const memoryPerViewerNote =
  'memory per viewer = (RSS at the end of the window − RSS before the step) / viewers, at the biggest 2.5 Mbit/s HTTP-FLV step: ' +
  'active viewers of a live stream (socket, queue and buffers included), not idle connections';

const mb = (b: number | undefined): string => (b === undefined ? '—' : (b / 1048576).toFixed(0));
const f1 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(1));
const f0 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(0));
const pct = (n: number | undefined): string => (n === undefined ? '—' : `${(n * 100).toFixed(1)} %`);
const mbit = (bps: number): string => (bps >= 1e6 || bps === 0 ? `${(bps / 1e6).toFixed(1)} Mbit/s` : `${(bps / 1e3).toFixed(0)} kbit/s`);
const signed = (n: number | undefined): string => (n === undefined ? '—' : `${n >= 0 ? '+' : ''}${n.toFixed(1)}`);

function failures(r: StepResult): string {
  const entries = Object.entries(r.failReasons);
  return entries.length === 0 ? '' : ` (${entries.map(([k, n]) => `${k}: ${n}`).join(', ')})`;
}

export function formatStep(server: string, r: StepResult, harnessWorkers: number): string {
  const lines = [
    `${server} · ${r.label} · ${r.seconds.toFixed(1)} s window`,
    `  viewers         ${r.connected} connected, ${r.failed} failed${failures(r)}, ${r.noAnswer} without an answer, ${r.closedEarly} closed by the server early`,
    `  throughput      delivered ${mbit(r.deliveredBitrate)} of ${mbit(r.expectedBitrate)} expected (${pct(r.expectedBitrate > 0 ? r.deliveredBitrate / r.expectedBitrate : 0)}); ` +
      `stream measured at the RTMP socket ${mbit(r.ingestBitrate)} (nominal ${mbit(r.nominalBitrate)})`,
    `  ≥ 95 % bytes    ${pct(r.viewersAt95)} of viewers (worst viewer got ${pct(r.minViewerShare)})`,
    `  server          CPU ${f1(r.serverCpu)} % of one core; RSS MB: ${mb(r.rssBefore)} before, ${mb(r.rssPeak)} peak (ramp + window), ${mb(r.rssEnd)} end of window, ${mb(r.rssAfter)} 2 s after the viewers left`,
    `  harness         CPU ${f1(r.harnessCpu)} % of one core (benchmark + proxy, ${harnessWorkers} viewer workers, ffmpeg; it shares the 2 cores with the server)`,
    `  added latency   p50 ${f1(r.latencyP50)} ms, p99 ${f1(r.latencyP99)} ms, max ${f0(r.latencyMax)} ms (${r.latencySamples} tags, ${pct(r.latencyMatchRate)} matched); ` +
      `drift ${signed(r.latencyDrift)} ms (p50 ${f1(r.latencyFirstQuarterP50)} first ¼ → ${f1(r.latencyLastQuarterP50)} last ¼)`,
    `  first frame     ${r.lateJoiners} late joiners (${r.lateJoinersFailed} more got no keyframe within 10 s or before the step ended): request → keyframe p50 ${f1(r.ttffRequestP50)} / p99 ${f1(r.ttffRequestP99)} ms; ` +
      `headers → keyframe p50 ${f1(r.ttffHeadersP50)} / p99 ${f1(r.ttffHeadersP99)} ms`,
    `  framing         ${r.framingErrors} viewers with framing errors, ${r.tagSizeMismatches} PreviousTagSize mismatches, ${r.continuityErrors} TS continuity errors`,
  ];
  for (const f of r.byFormat ?? []) lines.push(formatLine(f));
  return lines.join('\n');
}

/** One format's viewers of a step: delivery against their own measure, latency matched their own way. */
export function formatLine(f: FormatFigures): string {
  const measure = f.format === 'flv' ? 'FLV bytes' : f.format === 'ts' ? 'audio+video codec data' : 'AAC data';
  const latency = f.format === 'aac' ? 'no latency (ADTS has no time stamps)' : `latency p50 ${f1(f.latencyP50)} / p99 ${f1(f.latencyP99)} ms (${f.latencySamples} samples, ${pct(f.latencyMatchRate)} matched)`;
  return (
    `  .${f.format.padEnd(4)} × ${String(f.viewers).padEnd(5)} ≥ 95 % of the ${measure} (${mbit(f.expectedMediaBitrate)} each): ${pct(f.viewersAt95)} (worst ${pct(f.minViewerShare)}); ` +
    `received ${mbit(f.deliveredBitrate)} in all; ${latency}`
  );
}

interface Figure {
  name: string;
  value: (r: StepResult) => number | undefined;
  digits: number;
  /** false where flvcast/peer means nothing (values around 0 or of either sign) */
  ratio?: false;
}

const figures: Figure[] = [
  { name: 'delivered Mbit/s', value: (r) => r.deliveredBitrate / 1e6, digits: 1 },
  { name: 'expected Mbit/s', value: (r) => r.expectedBitrate / 1e6, digits: 1 },
  { name: 'delivered / expected %', value: (r) => (r.expectedBitrate > 0 ? (100 * r.deliveredBitrate) / r.expectedBitrate : undefined), digits: 1 },
  { name: 'viewers ≥ 95 % of bytes %', value: (r) => 100 * r.viewersAt95, digits: 1 },
  { name: 'viewers failed, unanswered or cut', value: (r) => r.failed + r.noAnswer + r.closedEarly, digits: 0, ratio: false },
  { name: 'server CPU % of one core', value: (r) => r.serverCpu, digits: 1 },
  { name: 'server RSS peak MB', value: (r) => r.rssPeak / 1048576, digits: 0 },
  { name: 'server RSS end MB', value: (r) => r.rssEnd / 1048576, digits: 0 },
  { name: 'server RSS 2 s after MB', value: (r) => r.rssAfter / 1048576, digits: 0 },
  { name: 'harness CPU % (shares cores)', value: (r) => r.harnessCpu, digits: 1 },
  { name: 'added latency p50 ms', value: (r) => r.latencyP50, digits: 1 },
  { name: 'added latency p99 ms', value: (r) => r.latencyP99, digits: 1 },
  { name: 'latency drift ms (¼4 − ¼1)', value: (r) => r.latencyDrift, digits: 1, ratio: false },
  { name: 'latency samples matched %', value: (r) => 100 * r.latencyMatchRate, digits: 1 },
  { name: 'TTFF request→key p50 ms', value: (r) => r.ttffRequestP50, digits: 1 },
  { name: 'TTFF request→key p99 ms', value: (r) => r.ttffRequestP99, digits: 1 },
  { name: 'TTFF headers→key p50 ms', value: (r) => r.ttffHeadersP50, digits: 1 },
  { name: 'TTFF headers→key p99 ms', value: (r) => r.ttffHeadersP99, digits: 1 },
  { name: 'framing errors', value: (r) => r.framingErrors + r.tagSizeMismatches, digits: 0, ratio: false },
];

/** Plain-text columns: the first left-aligned, the others right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ')).join('\n');
}

const fmt = (n: number | undefined, digits: number): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));

/** One table per step: a column per server, and flvcast / peer when the first server is compared with one other. */
export function formatSideBySide(servers: ServerResults[], note = memoryPerViewerNote): string {
  const out: string[] = [];
  const withRatio = servers.length === 2;
  const labels = [...new Set(servers.flatMap((s) => s.steps.map((r) => r.label)))];
  for (const label of labels) {
    const header = [label, ...servers.map((s) => s.label)];
    if (withRatio) header.push(`${servers[0]!.name}/peer`);
    const rows = [header];
    for (const f of figures) {
      const values = servers.map((s) => {
        const r = s.steps.find((x) => x.label === label);
        return r === undefined ? undefined : f.value(r);
      });
      const row = [f.name, ...values.map((v) => fmt(v, f.digits))];
      if (withRatio) {
        const [a, b] = values;
        row.push(f.ratio !== false && a !== undefined && b !== undefined && b !== 0 ? (a / b).toFixed(2) : '—');
      }
      rows.push(row);
    }
    out.push(table(rows));
  }
  // memory
  const header = ['memory', ...servers.map((s) => s.label)];
  if (withRatio) header.push(`${servers[0]!.name}/peer`);
  const memRows: [string, (s: ServerResults) => number | undefined, number][] = [
    ['RSS, publisher only (baseline) MB', (s) => s.baselineRss / 1048576, 0],
    ['RSS after all viewers left MB', (s) => s.finalRss / 1048576, 0],
    ['memory per viewer KB', (s) => (s.memoryPerViewer === undefined ? undefined : s.memoryPerViewer / 1024), 1],
    ['memory per near-idle viewer KB', (s) => (s.memoryPerIdleViewer === undefined ? undefined : s.memoryPerIdleViewer / 1024), 1],
  ];
  const rows = [header];
  for (const [name, get, digits] of memRows) {
    const values = servers.map(get);
    const row = [name, ...values.map((v) => fmt(v, digits))];
    if (withRatio) {
      const [a, b] = values;
      row.push(a !== undefined && b !== undefined && b !== 0 ? (a / b).toFixed(2) : '—');
    }
    rows.push(row);
  }
  out.push(table(rows));
  out.push(`(${note}${servers[0]?.memoryPerViewerStep ? `; step: ${servers[0].memoryPerViewerStep}` : ''})`);
  return out.join('\n\n');
}

/** Median of the defined values (mean of the middle two for an even count); undefined for none. */
export function median(values: readonly (number | undefined)[]): number | undefined {
  const v = values.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1]! + v[mid]!) / 2;
}

interface MedianFigure {
  key: string;
  name: string;
  value: (r: StepResult) => number | undefined;
  digits: number;
  /** how a server is compared with the reference: relative change (%) or difference (in the figure's unit) */
  compare: 'ratio' | 'diff';
}

const medianFigures: MedianFigure[] = [
  { key: 'serverCpu', name: 'server CPU % of one core', value: (r) => r.serverCpu, digits: 1, compare: 'ratio' },
  { key: 'latencyP50', name: 'added latency p50 ms', value: (r) => r.latencyP50, digits: 1, compare: 'diff' },
  { key: 'latencyP99', name: 'added latency p99 ms', value: (r) => r.latencyP99, digits: 1, compare: 'diff' },
  { key: 'rssPeakMB', name: 'server RSS peak MB', value: (r) => r.rssPeak / 1048576, digits: 0, compare: 'ratio' },
  { key: 'rssEndMB', name: 'server RSS end MB', value: (r) => r.rssEnd / 1048576, digits: 0, compare: 'ratio' },
  { key: 'deliveredPct', name: 'delivered / expected %', value: (r) => (r.expectedBitrate > 0 ? (100 * r.deliveredBitrate) / r.expectedBitrate : undefined), digits: 1, compare: 'diff' },
  { key: 'viewersAt95Pct', name: 'viewers ≥ 95 % of bytes %', value: (r) => 100 * r.viewersAt95, digits: 1, compare: 'diff' },
  { key: 'harnessCpu', name: 'harness CPU % (shares cores)', value: (r) => r.harnessCpu, digits: 1, compare: 'ratio' },
];

export interface FigureMedian {
  median: number | undefined;
  min: number | undefined;
  max: number | undefined;
  runs: (number | undefined)[];
}

export interface ServerMedians {
  name: string;
  runs: number;
  /** step label → figure key → median over the runs (with min, max and each run's value, in run order) */
  steps: Record<string, Record<string, FigureMedian>>;
  memoryPerViewerKB: FigureMedian;
  baselineRssMB: FigureMedian;
}

function summarize(values: (number | undefined)[]): FigureMedian {
  const defined = values.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return {
    median: median(defined),
    min: defined.length === 0 ? undefined : Math.min(...defined),
    max: defined.length === 0 ? undefined : Math.max(...defined),
    runs: values,
  };
}

/** Each server's medians over its runs, servers in the order of their first run. */
export function serverMedians(results: ServerResults[]): ServerMedians[] {
  const names = [...new Set(results.map((s) => s.name))];
  const labels = [...new Set(results.flatMap((s) => s.steps.map((r) => r.label)))];
  return names.map((name) => {
    const runs = results.filter((s) => s.name === name);
    const steps: ServerMedians['steps'] = {};
    for (const label of labels) {
      const perStep: Record<string, FigureMedian> = {};
      for (const f of medianFigures) {
        perStep[f.key] = summarize(
          runs.map((s) => {
            const r = s.steps.find((x) => x.label === label);
            return r === undefined ? undefined : f.value(r);
          }),
        );
      }
      steps[label] = perStep;
    }
    return {
      name,
      runs: runs.length,
      steps,
      memoryPerViewerKB: summarize(runs.map((s) => (s.memoryPerViewer === undefined ? undefined : s.memoryPerViewer / 1024))),
      baselineRssMB: summarize(runs.map((s) => s.baselineRss / 1048576)),
    };
  });
}

/** The server the others are compared with: flvcast-base when it ran, else the first. */
function referenceOf(medians: ServerMedians[]): ServerMedians | undefined {
  return medians.find((m) => m.name === 'flvcast-base') ?? medians[0];
}

function compareCell(value: number | undefined, ref: number | undefined, how: 'ratio' | 'diff', digits: number): string {
  if (value === undefined || ref === undefined) return '—';
  // rounded before the sign is chosen: no "-0.0"
  const plusMinus = (n: number, d: number): string => {
    const text = n.toFixed(d);
    return Number(text) === 0 ? (0).toFixed(d) : `${n > 0 ? '+' : ''}${text}`;
  };
  if (how === 'ratio') return ref === 0 ? '—' : `${plusMinus((100 * (value - ref)) / ref, 1)} %`;
  return plusMinus(value - ref, Math.max(digits, 1));
}

/** One row per run: the main figures of each step, in the order the runs happened. */
export function formatRuns(results: ServerResults[]): string {
  const out: string[] = [];
  const labels = [...new Set(results.flatMap((s) => s.steps.map((r) => r.label)))];
  for (const label of labels) {
    const rows = [['run', label, ...medianFigures.map((f) => f.name)]];
    for (const s of results) {
      const r = s.steps.find((x) => x.label === label);
      rows.push([String(s.order), s.label, ...medianFigures.map((f) => fmt(r === undefined ? undefined : f.value(r), f.digits))]);
    }
    out.push(transpose(rows));
  }
  return out.join('\n\n');
}

/** rows ↔ columns, so that each run is a column (figure names stay in the first column) */
function transpose(rows: string[][]): string {
  const t = rows[0]!.map((_, c) => rows.map((r) => r[c]!));
  return table(t);
}

/**
 * Per server, the median over its runs of each figure (with the range of the runs), and each other
 * server's median against the reference's (flvcast-base if it ran, else the first server): relative
 * change for CPU and RSS, difference for latency and delivery.
 */
export function formatMedians(medians: ServerMedians[]): string {
  const ref = referenceOf(medians);
  const others = medians.filter((m) => m !== ref);
  const out: string[] = [];
  const labels = Object.keys(medians[0]?.steps ?? {});
  const cell = (f: FigureMedian, digits: number): string =>
    f.median === undefined ? '—' : `${f.median.toFixed(digits)} (${fmt(f.min, digits)}–${fmt(f.max, digits)})`;
  for (const label of labels) {
    const header = [`${label}: median (min–max)`, ...medians.map((m) => `${m.name} × ${m.runs}`), ...others.map((o) => `${o.name} vs ${ref!.name}`)];
    const rows = [header];
    for (const f of medianFigures) {
      rows.push([
        f.name,
        ...medians.map((m) => cell(m.steps[label]![f.key]!, f.digits)),
        ...others.map((o) => compareCell(o.steps[label]![f.key]!.median, ref!.steps[label]![f.key]!.median, f.compare, f.digits)),
      ]);
    }
    out.push(table(rows));
  }
  const header = ['memory: median (min–max)', ...medians.map((m) => `${m.name} × ${m.runs}`), ...others.map((o) => `${o.name} vs ${ref!.name}`)];
  const rows = [header];
  const mem: [string, (m: ServerMedians) => FigureMedian, number][] = [
    ['RSS, publisher only (baseline) MB', (m) => m.baselineRssMB, 0],
    ['memory per viewer KB', (m) => m.memoryPerViewerKB, 1],
  ];
  for (const [name, get, digits] of mem) {
    rows.push([name, ...medians.map((m) => cell(get(m), digits)), ...others.map((o) => compareCell(get(o).median, get(ref!).median, 'ratio', digits))]);
  }
  out.push(table(rows));
  out.push('(CPU, RSS: relative change of the medians; latency, delivery: difference of the medians, in the figure\'s unit)');
  return out.join('\n\n');
}
