/**
 * Slow viewers (target 7): the same normal HTTP-FLV audience measured twice, alone and then with slow
 * viewers beside it (each reading at a fraction of the stream's rate) for minutes. Prints whether the normal
 * viewers noticed, what the slow ones got (share of the bytes, gaps, whether each gap resumed on a keyframe),
 * the drops the server counted for them (from its log), and the server's RSS over the whole time.
 */
import { readFileSync } from 'node:fs';
import type { BenchConfig, ServerName } from './bench-config.js';
import { highInput, nominalBitrate } from './input.js';
import { startPublisher, type Publisher } from './publisher.js';
import { isFlvcast, startServer } from './server-under-test.js';
import type { StepResult } from './step-result.js';
import { runStep } from './step-runner.js';

export interface SlowScenarioResult {
  name: ServerName;
  /** the n-th run of this server, when it runs more than once */
  run: number | undefined;
  label: string;
  alone: StepResult;
  withSlow: StepResult;
  /** from the server's log (flvcast builds only): viewers that left with dropped tags, and the tags dropped */
  serverDrops: { viewersWithDrops: number; droppedTags: number } | undefined;
  /** least-squares slope of RSS over the run with slow viewers, after its first minute, MB per minute */
  rssSlopeMbPerMinute: number | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runSlowScenario(config: BenchConfig, name: ServerName, input: string, run?: number): Promise<SlowScenarioResult> {
  const server = await startServer(name, { logLevel: 'info', baseline: config.baseline, run });
  console.log(`\n=== ${server.label} (pid ${server.pid}, HTTP 127.0.0.1:${server.httpPort}, log ${server.logFile})`);
  let publisher: Publisher | undefined;
  try {
    publisher = await startPublisher(input, server.rtmpPort, 'bench', `ffmpeg-${name}${run === undefined ? '' : `-${run}`}-slow`);
    await sleep(2000);
    const rate = nominalBitrate(highInput);
    const alone = await runStep(config, server, publisher, {
      label: `HTTP-FLV × ${config.slowNormal}, alone`,
      protocol: 'http',
      viewers: config.slowNormal,
      nominalBitrate: rate,
    });
    console.log(`  alone: ${oneLine(alone)}`);
    const readBytesPerSecond = Math.round((rate / 8) * config.slowRate);
    const withSlow = await runStep(config, server, publisher, {
      label: `HTTP-FLV × ${config.slowNormal} + ${config.slowViewers} slow`,
      protocol: 'http',
      viewers: config.slowNormal,
      nominalBitrate: rate,
      slow: { viewers: config.slowViewers, readBytesPerSecond },
      windowSeconds: config.slowMinutes * 60,
      rssEverySeconds: Math.max(5, Math.min(30, config.slowMinutes * 6)),
    });
    console.log(`  with ${config.slowViewers} slow: ${oneLine(withSlow)}`);
    return {
      name,
      run,
      label: server.label,
      alone,
      withSlow,
      serverDrops: isFlvcast(name) ? dropsFromLog(server.logFile) : undefined,
      rssSlopeMbPerMinute: slope(withSlow.rssTimeline ?? []),
    };
  } finally {
    await publisher?.stop();
    await server.stop();
  }
}

function oneLine(r: StepResult): string {
  return `${(r.viewersAt95 * 100).toFixed(1)} % of viewers ≥ 95 % bytes, latency p50/p99 ${r.latencyP50?.toFixed(1)}/${r.latencyP99?.toFixed(1)} ms, CPU ${r.serverCpu.toFixed(1)} %, RSS end ${(r.rssEnd / 1048576).toFixed(0)} MB`;
}

/** flvcast logs each viewer's departure with the tags dropped for it (pino JSON lines). */
function dropsFromLog(file: string): { viewersWithDrops: number; droppedTags: number } {
  let viewersWithDrops = 0;
  let droppedTags = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('"viewer left"')) continue;
    try {
      const entry = JSON.parse(line) as { dropped?: number };
      if (typeof entry.dropped === 'number' && entry.dropped > 0) {
        viewersWithDrops++;
        droppedTags += entry.dropped;
      }
    } catch {
      // not a JSON line
    }
  }
  return { viewersWithDrops, droppedTags };
}

/** MB per minute over the samples after the first minute (the first fills buffers and queues). */
function slope(timeline: { atSeconds: number; rss: number }[]): number | undefined {
  const points = timeline.filter((p) => p.atSeconds >= 60);
  if (points.length < 3) return undefined;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.atSeconds / 60, 0) / n;
  const my = points.reduce((a, p) => a + p.rss / 1048576, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.atSeconds / 60 - mx) * (p.rss / 1048576 - my);
    den += (p.atSeconds / 60 - mx) ** 2;
  }
  return den === 0 ? undefined : num / den;
}

const f1 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(1));
const pct = (n: number | undefined): string => (n === undefined ? '—' : `${(n * 100).toFixed(1)} %`);
const mb = (b: number): string => (b / 1048576).toFixed(0);

export function formatSlowScenario(r: SlowScenarioResult, config: BenchConfig): string {
  const { alone, withSlow } = r;
  const s = withSlow.slow!;
  const rows: [string, string, string][] = [
    ['normal viewers', `alone (${alone.seconds.toFixed(0)} s)`, `beside ${s.viewers} slow (${(withSlow.seconds / 60).toFixed(1)} min)`],
    ['viewers ≥ 95 % of bytes', pct(alone.viewersAt95), pct(withSlow.viewersAt95)],
    ['worst viewer share', pct(alone.minViewerShare), pct(withSlow.minViewerShare)],
    ['added latency p50 ms', f1(alone.latencyP50), f1(withSlow.latencyP50)],
    ['added latency p99 ms', f1(alone.latencyP99), f1(withSlow.latencyP99)],
    ['latency drift ms', f1(alone.latencyDrift), f1(withSlow.latencyDrift)],
    ['media gaps seen', String(alone.gaps), String(withSlow.gaps)],
    ['framing errors', String(alone.framingErrors + alone.tagSizeMismatches), String(withSlow.framingErrors + withSlow.tagSizeMismatches)],
    ['cut by the server', String(alone.closedEarly), String(withSlow.closedEarly)],
    ['server CPU % of one core', f1(alone.serverCpu), f1(withSlow.serverCpu)],
    ['server RSS end MB', mb(alone.rssEnd), mb(withSlow.rssEnd)],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  const table = rows.map(([a, b, c]) => `  ${a.padEnd(w0)}   ${b.padStart(w1)}   ${c}`).join('\n');
  const timeline = (withSlow.rssTimeline ?? []).map((p) => `${(p.atSeconds / 60).toFixed(1)}′ ${mb(p.rss)}`).join(' · ');
  const drops = r.serverDrops === undefined ? 'not available for this server' : `${r.serverDrops.droppedTags} tags dropped for ${r.serverDrops.viewersWithDrops} viewers (from the server's log)`;
  return [
    `${r.label} · slow viewers: ${s.viewers} reading at ${(config.slowRate * 100).toFixed(0)} % of the stream (${(s.readBitrate / 1e6).toFixed(2)} Mbit/s) beside ${config.slowNormal} normal ones`,
    table,
    `  slow viewers    ${s.connected} connected, ${s.failed} failed, ${s.closedEarly} cut by the server; share of the stream's bytes min ${pct(s.shareMin)} / p50 ${pct(s.shareP50)} / max ${pct(s.shareMax)}`,
    `                  ${s.gaps} gaps (the server skipped ahead), ${s.offKeyframeResumes} of them not resuming on a keyframe; ${s.framingErrors} framing errors, ${s.tagSizeMismatches} PreviousTagSize mismatches`,
    `  server drops    ${drops}`,
    `  RSS over time   MB at minute: ${timeline}`,
    `                  slope after the first minute: ${f1(r.rssSlopeMbPerMinute)} MB/min; peak ${mb(withSlow.rssPeak)} MB`,
  ].join('\n');
}
