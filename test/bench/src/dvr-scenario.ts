/**
 * What recording and VOD cost (issue 17), flvcast builds only.
 *
 * **Record**: N publishers (the 2.5 Mbit/s input, each through its own ingest proxy) to a fresh flvcast, no
 * viewers; one window with nothing recorded (**plain**) and one with every stream recorded
 * (`--dvr-apply live/* --dvr-path <dir>/[stream].[timestamp].flv`, **recording**), a fresh server each, the
 * order alternating over the rounds (this shared 2-core machine moves by ±25 %). Per window: the server's CPU
 * (% of one core) and RSS at its end; for recording also the bytes that reached the disk during the window.
 * When a recording server stops, each stream must have left exactly one finished `.flv` and no `.tmp`, or the
 * scenario fails (a cost figure of a recorder that does not record would be worthless).
 *
 * **VOD**: one recording of about M MB (the input looped by ffmpeg, given a keyframes index by
 * `withKeyframeIndex`, cached in `.cache/bench/`) under `--vod-dir`; D downloads of it at once over loopback,
 * split over two downloader processes. Figures: aggregate MB/s (all bytes / wall time), the server's CPU over
 * the downloads, the slowest download, and whether every download got the whole file.
 */
import { spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withKeyframeIndex } from '@flvcast/flv';
import type { BenchConfig, ServerName } from './bench-config.js';
import { track } from './children.js';
import { highInput, nominalBitrate } from './input.js';
import { cacheDir, ffmpegPath } from './paths.js';
import { cpuMs, rssBytes } from './proc-stats.js';
import { startPublisher, type Publisher } from './publisher.js';
import { median } from './report.js';
import { startServer, type ServerUnderTest } from './server-under-test.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const downloader = fileURLToPath(new URL('./vod-downloader.js', import.meta.url));

export interface RecordWindow {
  round: number;
  kind: 'plain' | 'recording';
  /** server CPU over the window, % of one core */
  cpu: number;
  rssEnd: number;
  /** bytes the recordings grew by during the window (recording only) */
  diskBytes: number | undefined;
  seconds: number;
}

export interface VodResult {
  fileBytes: number;
  downloads: number;
  complete: number;
  wallSeconds: number;
  /** all bytes received / wall time, MB/s (10^6 bytes) */
  mbPerSecond: number;
  /** server CPU over the downloads, % of one core */
  cpu: number;
  rssEnd: number;
  /** the downloader processes' CPU, % of one core */
  harnessCpu: number;
  slowestSeconds: number;
}

export interface DvrScenarioResult {
  name: ServerName;
  run: number | undefined;
  label: string;
  streams: number;
  windows: RecordWindow[];
  /** medians over the rounds */
  plainCpu: number | undefined;
  recordingCpu: number | undefined;
  plainRss: number | undefined;
  recordingRss: number | undefined;
  vod: VodResult | undefined;
}

/** Sum of the sizes of the files below `dir` (recursive), 0 when it does not exist. */
function treeBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? treeBytes(path) : statSync(path).size;
  }
  return total;
}

function filesBelow(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesBelow(join(dir, e.name)) : [join(dir, e.name)]));
}

function run(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${bin} ${args.join(' ')} exited with ${code}: ${err}`))));
  });
}

/** The VOD part's recording: the input looped to about `mb` MB, with a keyframes index; made once and cached. */
async function ensureRecording(input: string, mb: number): Promise<string> {
  const file = join(cacheDir, `vod-${mb}MB.flv`);
  if (existsSync(file) && statSync(file).size > 0) return file;
  const loops = Math.max(0, Math.ceil((mb * 1e6) / statSync(input).size) - 1);
  const partial = join(cacheDir, `vod-${mb}MB.partial.flv`);
  await run(ffmpegPath(), ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-stream_loop', String(loops), '-i', input, '-c', 'copy', '-f', 'flv', partial]);
  writeFileSync(partial, withKeyframeIndex(readFileSync(partial)));
  renameSync(partial, file);
  return file;
}

async function recordWindow(config: BenchConfig, name: ServerName, input: string, run: number | undefined, round: number, kind: RecordWindow['kind']): Promise<{ window: RecordWindow; label: string }> {
  const tag = `${name}${run === undefined ? '' : `-${run}`}-${kind}-${round}`;
  const dir = join(cacheDir, `dvr-${tag}`);
  rmSync(dir, { recursive: true, force: true });
  const extraArgs = kind === 'recording' ? ['--dvr-apply', 'live/*', '--dvr-path', join(dir, '[stream].[timestamp].flv')] : [];
  const server: ServerUnderTest = await startServer(name, { baseline: config.baseline, run, extraArgs, logSuffix: `-dvr-${kind}-${round}` });
  const publishers: Publisher[] = [];
  try {
    // Started together (each waits for two GOPs of its own), kept even when one of them fails to start.
    const started = await Promise.allSettled(Array.from({ length: config.dvrStreams }, (_, i) => startPublisher(input, server.rtmpPort, `s${i + 1}`, `ffmpeg-${tag}-s${i + 1}`)));
    for (const r of started) if (r.status === 'fulfilled') publishers.push(r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    await sleep(2000);
    const disk0 = treeBytes(dir);
    const cpu0 = cpuMs(server.pid)!;
    const t0 = performance.now();
    await sleep(config.dvrSeconds * 1000);
    const cpu1 = cpuMs(server.pid);
    const seconds = (performance.now() - t0) / 1000;
    if (cpu1 === undefined) throw new Error(`${server.label} exited during the window; log: ${server.logFile}`);
    for (const p of publishers) if (p.ffmpeg.exitCode !== null) throw new Error(`a publisher (ffmpeg) exited with ${p.ffmpeg.exitCode} during the window`);
    const window: RecordWindow = {
      round,
      kind,
      cpu: ((cpu1 - cpu0) / 1000 / seconds) * 100,
      rssEnd: rssBytes(server.pid) ?? 0,
      diskBytes: kind === 'recording' ? treeBytes(dir) - disk0 : undefined,
      seconds,
    };
    return { window, label: server.label };
  } finally {
    for (const p of publishers) await p.stop();
    await server.stop();
    if (kind === 'recording') {
      const files = filesBelow(dir);
      const finished = files.filter((f) => f.endsWith('.flv'));
      const tmp = files.filter((f) => f.endsWith('.tmp'));
      rmSync(dir, { recursive: true, force: true });
      if (finished.length !== config.dvrStreams || tmp.length > 0) {
        // eslint-disable-next-line no-unsafe-finally -- a recorder that left no files has no cost worth reporting
        throw new Error(`${tag}: expected ${config.dvrStreams} finished recordings and no .tmp, found ${finished.length} .flv and ${tmp.length} .tmp; log: ${server.logFile}`);
      }
    }
  }
}

async function vodPart(config: BenchConfig, name: ServerName, input: string, run: number | undefined): Promise<VodResult> {
  const recording = await ensureRecording(input, config.vodMb);
  const fileBytes = statSync(recording).size;
  const vodDir = join(cacheDir, `vod-dir-${name}${run === undefined ? '' : `-${run}`}`);
  rmSync(vodDir, { recursive: true, force: true });
  mkdirSync(join(vodDir, 'live'), { recursive: true });
  // A hard link where the file system allows it: no 100 MB copy per run.
  const target = join(vodDir, 'live', 'rec.flv');
  try {
    linkSync(recording, target);
  } catch {
    writeFileSync(target, readFileSync(recording));
  }
  const server = await startServer(name, { baseline: config.baseline, run, extraArgs: ['--vod-dir', vodDir], logSuffix: '-vod' });
  try {
    const url = `http://127.0.0.1:${server.httpPort}/vod/live/rec.flv`;
    const head = await fetch(url, { method: 'HEAD' });
    if (head.status !== 200 || Number(head.headers.get('content-length')) !== fileBytes) {
      throw new Error(`${server.label}: HEAD ${url} gave ${head.status}, content-length ${head.headers.get('content-length')} (expected 200, ${fileBytes}); log: ${server.logFile}`);
    }
    const halves = [Math.ceil(config.vodDownloads / 2), Math.floor(config.vodDownloads / 2)].filter((n) => n > 0);
    const cpu0 = cpuMs(server.pid)!;
    const t0 = performance.now();
    const outputs = await Promise.all(
      halves.map(
        (n) =>
          new Promise<{ results: { status: number; bytes: number; ms: number; error?: string }[]; wallMs: number; cpuMs: number }>((resolve, reject) => {
            const child = track(spawn(process.execPath, [downloader, url, String(n)], { stdio: ['ignore', 'pipe', 'inherit'] }));
            let out = '';
            child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
            child.once('exit', (code) => {
              if (code !== 0) return reject(new Error(`the downloader exited with ${code}`));
              resolve(JSON.parse(out) as never);
            });
          }),
      ),
    );
    const wallSeconds = (performance.now() - t0) / 1000;
    const cpu1 = cpuMs(server.pid) ?? cpu0;
    const results = outputs.flatMap((o) => o.results);
    const total = results.reduce((n, r) => n + r.bytes, 0);
    const complete = results.filter((r) => r.status === 200 && r.bytes === fileBytes).length;
    const harnessMs = outputs.reduce((n, o) => n + o.cpuMs, 0);
    return {
      fileBytes,
      downloads: results.length,
      complete,
      wallSeconds,
      mbPerSecond: total / 1e6 / wallSeconds,
      cpu: ((cpu1 - cpu0) / 1000 / wallSeconds) * 100,
      rssEnd: rssBytes(server.pid) ?? 0,
      harnessCpu: (harnessMs / 1000 / wallSeconds) * 100,
      slowestSeconds: Math.max(...results.map((r) => r.ms)) / 1000,
    };
  } finally {
    await server.stop();
    rmSync(vodDir, { recursive: true, force: true });
  }
}

export async function runDvrScenario(config: BenchConfig, name: ServerName, input: string, run?: number): Promise<DvrScenarioResult> {
  const windows: RecordWindow[] = [];
  let label = name as string;
  if (config.dvrParts.includes('record')) {
    console.log(`\n=== dvr scenario, ${name}: ${config.dvrStreams} streams at ${(nominalBitrate(highInput) / 1e6).toFixed(2)} Mbit/s, plain vs recording, ${config.dvrRounds} round(s)`);
    for (let round = 1; round <= config.dvrRounds; round++) {
      const order: RecordWindow['kind'][] = round % 2 === 1 ? ['plain', 'recording'] : ['recording', 'plain'];
      for (const kind of order) {
        const r = await recordWindow(config, name, input, run, round, kind);
        label = r.label;
        windows.push(r.window);
        const w = r.window;
        const disk = w.diskBytes === undefined ? '' : `, written ${((w.diskBytes * 8) / w.seconds / 1e6).toFixed(1)} Mbit/s to disk`;
        console.log(`  round ${round} · ${kind.padEnd(9)} CPU ${w.cpu.toFixed(1)} % of one core, RSS ${(w.rssEnd / 1048576).toFixed(0)} MB${disk}`);
      }
    }
  }
  let vod: VodResult | undefined;
  if (config.dvrParts.includes('vod')) {
    console.log(`\n=== dvr scenario, ${name}: VOD, ${config.vodDownloads} parallel downloads of a ${config.vodMb} MB recording`);
    vod = await vodPart(config, name, input, run);
  }
  const med = (kind: RecordWindow['kind'], f: (w: RecordWindow) => number): number | undefined => median(windows.filter((w) => w.kind === kind).map(f));
  return {
    name,
    run,
    label,
    streams: config.dvrStreams,
    windows,
    plainCpu: med('plain', (w) => w.cpu),
    recordingCpu: med('recording', (w) => w.cpu),
    plainRss: med('plain', (w) => w.rssEnd),
    recordingRss: med('recording', (w) => w.rssEnd),
    vod,
  };
}

const f1 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(1));
const mb = (n: number | undefined): string => (n === undefined ? '—' : (n / 1048576).toFixed(0));

export function formatDvrScenario(r: DvrScenarioResult): string {
  const lines = [`${r.label} · dvr scenario`];
  if (r.windows.length > 0) {
    const each = (kind: RecordWindow['kind']): string =>
      r.windows
        .filter((w) => w.kind === kind)
        .map((w) => f1(w.cpu))
        .join(', ');
    const rec = r.windows.filter((w) => w.kind === 'recording' && w.diskBytes !== undefined);
    const rate = median(rec.map((w) => (w.diskBytes! * 8) / w.seconds / 1e6));
    lines.push(
      `  ${r.streams} streams, not recorded   CPU ${f1(r.plainCpu)} % of one core (${each('plain')}), RSS ${mb(r.plainRss)} MB`,
      `  ${r.streams} streams, recorded       CPU ${f1(r.recordingCpu)} % (${each('recording')}), RSS ${mb(r.recordingRss)} MB, ${f1(rate)} Mbit/s to disk`,
      `  recording costs                CPU ${f1((r.recordingCpu ?? NaN) - (r.plainCpu ?? NaN))} % of one core, RSS ${f1(((r.recordingRss ?? NaN) - (r.plainRss ?? NaN)) / 1048576)} MB`,
    );
  }
  const v = r.vod;
  if (v !== undefined) {
    lines.push(
      `  VOD: ${v.downloads} downloads of ${(v.fileBytes / 1e6).toFixed(1)} MB at once: ${v.complete} complete, ${f1(v.mbPerSecond)} MB/s in all over ${f1(v.wallSeconds)} s ` +
        `(slowest ${f1(v.slowestSeconds)} s); server CPU ${f1(v.cpu)} % of one core, RSS ${mb(v.rssEnd)} MB; downloaders ${f1(v.harnessCpu)} %`,
    );
  }
  return lines.join('\n');
}
