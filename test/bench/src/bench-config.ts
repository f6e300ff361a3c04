/**
 * The benchmark's settings: flags win over environment variables, which win over the defaults.
 * `BENCH_QUICK=1` (or `--quick`) switches the defaults to a short smoke run.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** `flvcast-base`: the flvcast CLI of another built checkout (`BENCH_BASELINE`), run with the same flags. */
export const serverNames = ['flvcast', 'flvcast-base', 'nms'] as const;
export type ServerName = (typeof serverNames)[number];

/** The CLI of a built flvcast checkout. */
export function checkoutCli(checkout: string): string {
  return join(checkout, 'packages', 'server', 'dist', 'src', 'cli.js');
}

export interface BenchConfig {
  /**
   * servers to measure, in order; a name may repeat (e.g. flvcast-base,flvcast,flvcast-base,flvcast):
   * each entry is a run of its own on fresh ports, and the summary adds each server's medians over its runs
   */
  servers: ServerName[];
  /** absolute path of the built flvcast checkout that `flvcast-base` runs (BENCH_BASELINE) */
  baseline: string | undefined;
  /** HTTP-FLV viewer counts at the 2.5 Mbit/s input */
  steps: number[];
  /** WS-FLV viewers at the 2.5 Mbit/s input (0: no WS step) */
  wsViewers: number;
  /** HTTP-FLV viewers at the low-bitrate input (0: no low-bitrate step) */
  lowViewers: number;
  /** measured seconds per step, after the ramp-up */
  stepSeconds: number;
  /** seconds between the end of the ramp-up and the start of the measurement */
  settleSeconds: number;
  /** viewer worker processes per step (at most; fewer for tiny steps) */
  workers: number;
  /** connections opened per 100 ms, over all workers */
  rampPer100ms: number;
  /** every n-th viewer records per-tag arrival times for the latency figures */
  sampleEvery: number;
  /** at most this many sampled viewers per step (bounds the IPC volume) */
  maxSampled: number;
  /** viewers that join mid-stream, spread over each step's measurement, for time-to-first-frame */
  lateJoiners: number;
  /** HTTP-FLV viewers on a near-idle stream (32 kbit/s audio only), for memory per idle viewer (0: no step) */
  idleViewers: number;
  /**
   * 'fanout': the ramp of steps; 'slow': normal viewers with and without slow ones beside them, for minutes;
   * 'proxy': the same viewers direct and through nginx (default config, buffering off, the header ignored);
   * 'formats': TS viewers against FLV ones (alone and together), the muxing cost, and `.aac` listeners;
   * 'rtmp': RTMP players (our own client) against flvcast and node-media-server, beside HTTP-FLV viewers;
   * 'relay': the CPU of one forward and one pull (to and from nginx-rtmp) per Mbit/s;
   * 'cluster': an origin and two edges (viewers direct vs. over the edges), and `--workers 1` vs `--workers 2`;
   * 'dvr': the server's CPU and RSS with N streams recorded against not recorded, and VOD download throughput
   */
  scenario: 'fanout' | 'slow' | 'proxy' | 'formats' | 'rtmp' | 'relay' | 'cluster' | 'dvr';
  /** slow scenario: normal viewers, slow viewers, their read rate as a share of the stream's, minutes with them */
  slowNormal: number;
  slowViewers: number;
  slowRate: number;
  slowMinutes: number;
  /** proxy scenario: HTTP-FLV viewers per variant, measured seconds per variant and round, rounds */
  proxyViewers: number;
  proxySeconds: number;
  proxyRounds: number;
  /** formats scenario: FLV viewers and TS viewers per step (and both at once); `.aac` listeners */
  formatsViewers: number;
  aacListeners: number;
  /** rtmp scenario: RTMP players per step, and as many HTTP-FLV viewers in the step after it (same run) */
  rtmpViewers: number;
  /** relay scenario: measured seconds per window, rounds (each round: plain, forward, pull; alternating order) */
  relaySeconds: number;
  relayRounds: number;
  /** cluster scenario: which parts run ('edges': origin + two edges; 'workers': --workers 1 vs 2) */
  clusterParts: ('edges' | 'workers')[];
  /** cluster scenario, edges: viewers direct and over the edges; a smaller edge audience (origin CPU flat?), 0 = none; rounds */
  clusterViewers: number;
  clusterSmallViewers: number;
  clusterRounds: number;
  /** cluster scenario, workers: the viewer ladder each `--workers` setting climbs (it stops below 95 %), and rounds */
  clusterLadder: number[];
  clusterLadderRounds: number;
  /** dvr scenario: parts ('record': N streams recorded vs not; 'vod': parallel downloads of one recording) */
  dvrParts: ('record' | 'vod')[];
  /** dvr scenario, record: streams published at once, measured seconds per window, rounds (plain and recording alternate) */
  dvrStreams: number;
  dvrSeconds: number;
  dvrRounds: number;
  /** dvr scenario, vod: parallel downloads, the recording's size in MB */
  vodDownloads: number;
  vodMb: number;
  quick: boolean;
}

const options = {
  quick: { type: 'boolean' },
  servers: { type: 'string' },
  baseline: { type: 'string' },
  steps: { type: 'string' },
  'ws-viewers': { type: 'string' },
  'low-viewers': { type: 'string' },
  'step-seconds': { type: 'string' },
  'settle-seconds': { type: 'string' },
  workers: { type: 'string' },
  'ramp-per-100ms': { type: 'string' },
  'sample-every': { type: 'string' },
  'max-sampled': { type: 'string' },
  'late-joiners': { type: 'string' },
  'idle-viewers': { type: 'string' },
  scenario: { type: 'string' },
  'slow-normal': { type: 'string' },
  'slow-viewers': { type: 'string' },
  'slow-rate': { type: 'string' },
  'slow-minutes': { type: 'string' },
  'proxy-viewers': { type: 'string' },
  'proxy-seconds': { type: 'string' },
  'proxy-rounds': { type: 'string' },
  'formats-viewers': { type: 'string' },
  'aac-listeners': { type: 'string' },
  'rtmp-viewers': { type: 'string' },
  'relay-seconds': { type: 'string' },
  'relay-rounds': { type: 'string' },
  'cluster-parts': { type: 'string' },
  'cluster-viewers': { type: 'string' },
  'cluster-small-viewers': { type: 'string' },
  'cluster-rounds': { type: 'string' },
  'cluster-ladder': { type: 'string' },
  'cluster-ladder-rounds': { type: 'string' },
  'dvr-parts': { type: 'string' },
  'dvr-streams': { type: 'string' },
  'dvr-seconds': { type: 'string' },
  'dvr-rounds': { type: 'string' },
  'vod-downloads': { type: 'string' },
  'vod-mb': { type: 'string' },
  help: { type: 'boolean' },
} as const;

export const usage = `Usage: pnpm bench [-- options]   (each option also as an environment variable)
  --quick                 BENCH_QUICK=1            short run: steps 1,100, WS 100, no low-bitrate step, 8 s each
  --servers a,b,...       BENCH_SERVERS            servers in the order to run them: flvcast, flvcast-base, nms; a name may
                                                   repeat (alternate them on a noisy machine): each entry is a run of its own
                                                   on fresh ports, and the summary adds per-server medians over the runs
                                                   [flvcast,nms; flvcast-base,flvcast with --baseline; flvcast in slow/proxy]
  --baseline dir          BENCH_BASELINE           a built flvcast checkout (tsc -b done there): adds the server flvcast-base,
                                                   which runs <dir>/packages/server/dist/src/cli.js with flvcast's flags
  --steps n,n,...         BENCH_STEPS              HTTP-FLV viewers at 2.5 Mbit/s [1,100,500,1000]
  --ws-viewers n          BENCH_WS_VIEWERS         WS-FLV viewers at 2.5 Mbit/s, 0 = none [500]
  --low-viewers n         BENCH_LOW_VIEWERS        HTTP-FLV viewers at 500 kbit/s, 0 = none [2000]
  --step-seconds s        BENCH_STEP_SECONDS       measured seconds per step [20]
  --settle-seconds s      BENCH_SETTLE_SECONDS     pause after the ramp-up [2]
  --workers n             BENCH_WORKERS            viewer processes [4]
  --ramp-per-100ms n      BENCH_RAMP_PER_100MS     connections opened per 100 ms [50]
  --sample-every n        BENCH_SAMPLE_EVERY       every n-th viewer records latency [10]
  --max-sampled n         BENCH_MAX_SAMPLED        latency-sampled viewers per step, at most [40]
  --late-joiners n        BENCH_LATE_JOINERS       mid-stream joiners per step for time-to-first-frame [20]
  --idle-viewers n        BENCH_IDLE_VIEWERS       HTTP-FLV viewers on a near-idle 32 kbit/s audio-only stream, 0 = none [2000]
  --scenario s            BENCH_SCENARIO           fanout (the steps above), slow (slow viewers beside normal ones),
                                                   proxy (direct vs. through nginx), formats (TS and AAC viewers) or
                                                   rtmp (RTMP players, then as many HTTP-FLV viewers, per server run) or
                                                   relay (one forward and one pull, to and from nginx-rtmp) or
                                                   cluster (origin + 2 edges; --workers 1 vs 2) or
                                                   dvr (recording N streams vs not; VOD downloads) [fanout]
  --slow-normal n         BENCH_SLOW_NORMAL        slow scenario: normal HTTP-FLV viewers [500]
  --slow-viewers n        BENCH_SLOW_VIEWERS       slow scenario: slow viewers added beside them [50]
  --slow-rate r           BENCH_SLOW_RATE          slow scenario: a slow viewer's read rate / the stream's bitrate [0.25]
  --slow-minutes m        BENCH_SLOW_MINUTES       slow scenario: minutes with the slow viewers [10]
  --proxy-viewers n       BENCH_PROXY_VIEWERS      proxy scenario: HTTP-FLV viewers per variant [20]
  --proxy-seconds s       BENCH_PROXY_SECONDS      proxy scenario: measured seconds per variant and round [20]
  --proxy-rounds n        BENCH_PROXY_ROUNDS       proxy scenario: rounds, the variants alternating in each [3]
  --formats-viewers n     BENCH_FORMATS_VIEWERS    formats scenario: FLV viewers and TS viewers per step, and both at once [500]
  --aac-listeners n       BENCH_AAC_LISTENERS      formats scenario: .aac listeners of a 128 kbit/s audio-only stream [2000]
  --rtmp-viewers n        BENCH_RTMP_VIEWERS       rtmp scenario: RTMP players at 2.5 Mbit/s, then as many HTTP-FLV viewers [500]
  --relay-seconds s       BENCH_RELAY_SECONDS      relay scenario: measured seconds per window [20]
  --relay-rounds n        BENCH_RELAY_ROUNDS       relay scenario: rounds of idle, publisher, forward and pull windows [3]
  --cluster-parts a,b     BENCH_CLUSTER_PARTS      cluster scenario: edges (origin + 2 edges), workers (--workers 1 vs 2) [edges,workers]
  --cluster-viewers n     BENCH_CLUSTER_VIEWERS    cluster scenario: HTTP-FLV viewers direct to the origin, then over the two edges [1000]
  --cluster-small-viewers n BENCH_CLUSTER_SMALL_VIEWERS cluster scenario: a smaller edge audience (is the origin's CPU flat?), 0 = none [100]
  --cluster-rounds n      BENCH_CLUSTER_ROUNDS     cluster scenario: rounds of direct / edges / small edges, alternating [3]
  --cluster-ladder n,n    BENCH_CLUSTER_LADDER     cluster scenario: viewers each --workers setting climbs, stopping below 95 % [1000,2000,3000]
  --cluster-ladder-rounds n BENCH_CLUSTER_LADDER_ROUNDS cluster scenario: rounds of --workers 1 and 2, alternating [2]
  --dvr-parts a,b         BENCH_DVR_PARTS          dvr scenario: record (N streams recorded vs not), vod (parallel downloads) [record,vod]
  --dvr-streams n         BENCH_DVR_STREAMS        dvr scenario: 2.5 Mbit/s streams published (and recorded) at once [10]
  --dvr-seconds s         BENCH_DVR_SECONDS        dvr scenario: measured seconds per window [20]
  --dvr-rounds n          BENCH_DVR_ROUNDS         dvr scenario: rounds of plain and recording windows, alternating [2]
  --vod-downloads n       BENCH_VOD_DOWNLOADS      dvr scenario: parallel downloads of one recording [200]
  --vod-mb n              BENCH_VOD_MB             dvr scenario: the recording's size, MB [100]
  (the rtmp scenario runs flvcast,nms,nms,flvcast unless --servers says otherwise, and stops with an error
   when a server refuses RTMP play; the slow, proxy, formats, relay, cluster and dvr scenarios measure flvcast only unless --servers says otherwise;
   the proxy scenario runs /usr/sbin/nginx, or NGINX_PATH)`;

function int(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got "${value}"`);
  return n;
}

function num(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, got "${value}"`);
  return n;
}

/** "1000, 2000" → [1000, 2000]: positive integers */
function intList(name: string, text: string): number[] {
  return text.split(',').filter((s) => s.trim() !== '').map((s) => int(name, s.trim(), 0, 1));
}

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): BenchConfig | 'help' {
  // `pnpm bench -- --quick` hands the `--` through: drop it
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
  if (values.help) return 'help';
  const quick = values.quick === true || (env.BENCH_QUICK !== undefined && env.BENCH_QUICK !== '' && env.BENCH_QUICK !== '0');
  const pick = (flag: keyof typeof values, envName: string): string | undefined => {
    const v = values[flag];
    return typeof v === 'string' ? v : env[envName];
  };

  const scenario = pick('scenario', 'BENCH_SCENARIO') ?? 'fanout';
  if (scenario !== 'fanout' && scenario !== 'slow' && scenario !== 'proxy' && scenario !== 'formats' && scenario !== 'rtmp' && scenario !== 'relay' && scenario !== 'cluster' && scenario !== 'dvr') {
    throw new Error(`BENCH_SCENARIO must be fanout, slow, proxy, formats, rtmp, relay, cluster or dvr, got "${scenario}"`);
  }
  const baselineText = pick('baseline', 'BENCH_BASELINE');
  const baseline = baselineText === undefined || baselineText === '' ? undefined : resolve(baselineText);
  if (baseline !== undefined && !existsSync(checkoutCli(baseline))) {
    throw new Error(`BENCH_BASELINE: ${checkoutCli(baseline)} does not exist (a built flvcast checkout is needed: pnpm install && npx tsc -b there)`);
  }
  // the rtmp scenario alternates from both ends (ABBA): a slow phase of the shared machine hits both servers
  const defaultServers =
    baseline !== undefined ? 'flvcast-base,flvcast' : scenario === 'fanout' ? 'flvcast,nms' : scenario === 'rtmp' ? (quick ? 'flvcast,nms' : 'flvcast,nms,nms,flvcast') : 'flvcast';
  const serversText = pick('servers', 'BENCH_SERVERS') || defaultServers;
  const servers = serversText.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const s of servers) {
    if (!(serverNames as readonly string[]).includes(s)) throw new Error(`unknown server "${s}" (known: ${serverNames.join(', ')})`);
    if (s === 'flvcast-base' && baseline === undefined) throw new Error('the server flvcast-base needs BENCH_BASELINE (or --baseline): a built flvcast checkout');
    if (s === 'nms' && scenario === 'formats') throw new Error('the formats scenario measures flvcast builds only: node-media-server has no TS or AAC mount');
    if (s === 'nms' && scenario === 'relay') throw new Error('the relay scenario measures flvcast builds only (forward and pull are configured by flvcast flags)');
    if (s === 'nms' && scenario === 'cluster') throw new Error('the cluster scenario measures flvcast builds only (edges and workers are flvcast flags)');
    if (s === 'nms' && scenario === 'dvr') throw new Error('the dvr scenario measures flvcast builds only (recording and VOD are flvcast flags)');
  }
  const stepsText = pick('steps', 'BENCH_STEPS') ?? (quick ? '1,100' : '1,100,500,1000');
  const steps = intList('BENCH_STEPS', stepsText);
  const partsText = pick('cluster-parts', 'BENCH_CLUSTER_PARTS') || 'edges,workers';
  const clusterParts = partsText.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const p of clusterParts) if (p !== 'edges' && p !== 'workers') throw new Error(`BENCH_CLUSTER_PARTS: "${p}" is neither edges nor workers`);
  const dvrParts = (pick('dvr-parts', 'BENCH_DVR_PARTS') || 'record,vod').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const p of dvrParts) if (p !== 'record' && p !== 'vod') throw new Error(`BENCH_DVR_PARTS: "${p}" is neither record nor vod`);

  const config: BenchConfig = {
    servers: servers as ServerName[],
    baseline,
    steps,
    wsViewers: int('BENCH_WS_VIEWERS', pick('ws-viewers', 'BENCH_WS_VIEWERS'), quick ? 100 : 500),
    lowViewers: int('BENCH_LOW_VIEWERS', pick('low-viewers', 'BENCH_LOW_VIEWERS'), quick ? 0 : 2000),
    stepSeconds: num('BENCH_STEP_SECONDS', pick('step-seconds', 'BENCH_STEP_SECONDS'), quick ? 8 : 20, 1),
    settleSeconds: num('BENCH_SETTLE_SECONDS', pick('settle-seconds', 'BENCH_SETTLE_SECONDS'), 2, 0),
    workers: int('BENCH_WORKERS', pick('workers', 'BENCH_WORKERS'), 4, 1),
    rampPer100ms: int('BENCH_RAMP_PER_100MS', pick('ramp-per-100ms', 'BENCH_RAMP_PER_100MS'), 50, 1),
    sampleEvery: int('BENCH_SAMPLE_EVERY', pick('sample-every', 'BENCH_SAMPLE_EVERY'), 10, 1),
    maxSampled: int('BENCH_MAX_SAMPLED', pick('max-sampled', 'BENCH_MAX_SAMPLED'), 40, 0),
    lateJoiners: int('BENCH_LATE_JOINERS', pick('late-joiners', 'BENCH_LATE_JOINERS'), 20, 0),
    idleViewers: int('BENCH_IDLE_VIEWERS', pick('idle-viewers', 'BENCH_IDLE_VIEWERS'), quick ? 0 : 2000),
    scenario,
    slowNormal: int('BENCH_SLOW_NORMAL', pick('slow-normal', 'BENCH_SLOW_NORMAL'), quick ? 100 : 500, 1),
    slowViewers: int('BENCH_SLOW_VIEWERS', pick('slow-viewers', 'BENCH_SLOW_VIEWERS'), quick ? 10 : 50, 1),
    slowRate: num('BENCH_SLOW_RATE', pick('slow-rate', 'BENCH_SLOW_RATE'), 0.25, 0.01),
    slowMinutes: num('BENCH_SLOW_MINUTES', pick('slow-minutes', 'BENCH_SLOW_MINUTES'), quick ? 1 : 10, 0.1),
    proxyViewers: int('BENCH_PROXY_VIEWERS', pick('proxy-viewers', 'BENCH_PROXY_VIEWERS'), quick ? 10 : 20, 1),
    proxySeconds: num('BENCH_PROXY_SECONDS', pick('proxy-seconds', 'BENCH_PROXY_SECONDS'), quick ? 8 : 20, 1),
    proxyRounds: int('BENCH_PROXY_ROUNDS', pick('proxy-rounds', 'BENCH_PROXY_ROUNDS'), quick ? 1 : 3, 1),
    formatsViewers: int('BENCH_FORMATS_VIEWERS', pick('formats-viewers', 'BENCH_FORMATS_VIEWERS'), quick ? 100 : 500, 1),
    aacListeners: int('BENCH_AAC_LISTENERS', pick('aac-listeners', 'BENCH_AAC_LISTENERS'), quick ? 200 : 2000, 1),
    rtmpViewers: int('BENCH_RTMP_VIEWERS', pick('rtmp-viewers', 'BENCH_RTMP_VIEWERS'), quick ? 50 : 500, 1),
    relaySeconds: num('BENCH_RELAY_SECONDS', pick('relay-seconds', 'BENCH_RELAY_SECONDS'), quick ? 8 : 20, 1),
    relayRounds: int('BENCH_RELAY_ROUNDS', pick('relay-rounds', 'BENCH_RELAY_ROUNDS'), quick ? 1 : 3, 1),
    clusterParts: clusterParts as ('edges' | 'workers')[],
    clusterViewers: int('BENCH_CLUSTER_VIEWERS', pick('cluster-viewers', 'BENCH_CLUSTER_VIEWERS'), quick ? 100 : 1000, 1),
    clusterSmallViewers: int('BENCH_CLUSTER_SMALL_VIEWERS', pick('cluster-small-viewers', 'BENCH_CLUSTER_SMALL_VIEWERS'), quick ? 20 : 100),
    clusterRounds: int('BENCH_CLUSTER_ROUNDS', pick('cluster-rounds', 'BENCH_CLUSTER_ROUNDS'), quick ? 1 : 3, 1),
    clusterLadder: intList('BENCH_CLUSTER_LADDER', pick('cluster-ladder', 'BENCH_CLUSTER_LADDER') ?? (quick ? '100,200' : '1000,2000,3000')),
    clusterLadderRounds: int('BENCH_CLUSTER_LADDER_ROUNDS', pick('cluster-ladder-rounds', 'BENCH_CLUSTER_LADDER_ROUNDS'), quick ? 1 : 2, 1),
    dvrParts: dvrParts as ('record' | 'vod')[],
    dvrStreams: int('BENCH_DVR_STREAMS', pick('dvr-streams', 'BENCH_DVR_STREAMS'), quick ? 3 : 10, 1),
    dvrSeconds: num('BENCH_DVR_SECONDS', pick('dvr-seconds', 'BENCH_DVR_SECONDS'), quick ? 8 : 20, 1),
    dvrRounds: int('BENCH_DVR_ROUNDS', pick('dvr-rounds', 'BENCH_DVR_ROUNDS'), quick ? 1 : 2, 1),
    vodDownloads: int('BENCH_VOD_DOWNLOADS', pick('vod-downloads', 'BENCH_VOD_DOWNLOADS'), quick ? 20 : 200, 1),
    vodMb: int('BENCH_VOD_MB', pick('vod-mb', 'BENCH_VOD_MB'), quick ? 20 : 100, 1),
    quick,
  };
  // Hard bounds: this is a 2-core machine and every step must end by itself.
  const maxViewers = Math.max(...config.steps, config.wsViewers, config.lowViewers, config.idleViewers, config.slowNormal + config.slowViewers, config.proxyViewers, 2 * config.formatsViewers, config.aacListeners, config.rtmpViewers, config.clusterViewers, ...config.clusterLadder);
  if (maxViewers > 5000) throw new Error(`at most 5000 viewers per step (asked for ${maxViewers})`);
  if (config.stepSeconds > 300) throw new Error('BENCH_STEP_SECONDS is capped at 300');
  if (config.slowMinutes > 60) throw new Error('BENCH_SLOW_MINUTES is capped at 60');
  if (config.proxySeconds > 300) throw new Error('BENCH_PROXY_SECONDS is capped at 300');
  if (config.proxyRounds > 20) throw new Error('BENCH_PROXY_ROUNDS is capped at 20');
  if (config.relaySeconds > 300) throw new Error('BENCH_RELAY_SECONDS is capped at 300');
  if (config.relayRounds > 20) throw new Error('BENCH_RELAY_ROUNDS is capped at 20');
  if (config.clusterRounds > 20) throw new Error('BENCH_CLUSTER_ROUNDS is capped at 20');
  if (config.clusterLadderRounds > 20) throw new Error('BENCH_CLUSTER_LADDER_ROUNDS is capped at 20');
  if (config.dvrStreams > 50) throw new Error('BENCH_DVR_STREAMS is capped at 50 (each is an ffmpeg publisher)');
  if (config.dvrSeconds > 300) throw new Error('BENCH_DVR_SECONDS is capped at 300');
  if (config.dvrRounds > 20) throw new Error('BENCH_DVR_ROUNDS is capped at 20');
  if (config.vodDownloads > 1000) throw new Error('BENCH_VOD_DOWNLOADS is capped at 1000');
  if (config.vodMb > 2000) throw new Error('BENCH_VOD_MB is capped at 2000');
  if (config.dvrParts.length === 0) throw new Error('BENCH_DVR_PARTS names no part');
  if (config.clusterParts.length === 0) throw new Error('BENCH_CLUSTER_PARTS names no part');
  if (config.slowRate >= 1) throw new Error('BENCH_SLOW_RATE must be below 1 (a share of the stream rate)');
  if (config.workers > 8) throw new Error('BENCH_WORKERS is capped at 8 (2-core machine)');
  if (config.servers.length === 0) throw new Error('no server to measure');
  if (config.servers.length > 20) throw new Error('BENCH_SERVERS is capped at 20 runs');
  return config;
}
