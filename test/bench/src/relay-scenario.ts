/**
 * What one forward and one pull cost (issue 15): the server's CPU per Mbit/s of the relayed stream, flvcast
 * builds only. The peer on the other end is nginx-rtmp (`nginx-rtmp.ts`, its CPU not counted): the forward
 * destination, and the upstream a pull plays, which an ffmpeg publisher feeds with the 2.5 Mbit/s input for
 * the whole scenario (through an ingest proxy, which gives the pulled stream's bitrate).
 *
 * Three server configurations, each a fresh process, no viewers anywhere, one window each per round (the
 * rounds alternate the order, ABC then CBA, since the shared machine is noisy):
 * - **plain**: nothing published to it (C_idle), then the input published to it (C_pub);
 * - **forward**: `--forward live/*=rtmp://<nginx>/live`, the input published to it (C_fwd); nginx must then
 *   play the forwarded stream (a probe player gets a keyframe from it), or the scenario stops;
 * - **pull**: `--pull live/pulled=rtmp://<nginx>/live/up`, nothing published to it (C_pull); the pulled stream
 *   must reach an HTTP-FLV probe viewer, or the scenario stops.
 *
 * One forward costs C_fwd − C_pub, one pull C_pull − C_idle, each over the stream's Mbit/s; C_pub − C_idle (the
 * RTMP ingest of the same stream) is printed beside them for scale. A build without `--forward`/`--pull`
 * fails to start, and the scenario says so.
 */
import { spawnSync } from 'node:child_process';
import { checkoutCli, type BenchConfig, type ServerName } from './bench-config.js';
import { untilServed } from './http-flv-probe.js';
import { highInput, nominalBitrate } from './input.js';
import { median } from './report.js';
import { probeRtmpPlay } from './rtmp-play-probe.js';
import { startNginxRtmp, type NginxRtmp } from './nginx-rtmp.js';
import { flvcastCli } from './paths.js';
import { startPublisher, type Publisher } from './publisher.js';
import { startServer, type ServerUnderTest } from './server-under-test.js';
import type { StepResult } from './step-result.js';
import { runStep } from './step-runner.js';

export type RelayWindow = 'idle' | 'publish' | 'forward' | 'pull';

export interface RelayWindowResult {
  round: number;
  window: RelayWindow;
  /** server CPU over the window, % of one core */
  cpu: number;
  /** the relayed (or published) stream's bit/s at its RTMP socket over the window */
  bitrate: number;
  rssEnd: number;
  harnessCpu: number;
}

export interface RelayScenarioResult {
  name: ServerName;
  run: number | undefined;
  label: string;
  peer: string;
  windows: RelayWindowResult[];
  /** medians over the rounds, % of one core; costs per Mbit/s of the stream */
  costs: {
    idle: number | undefined;
    publish: number | undefined;
    forward: number | undefined;
    pull: number | undefined;
    ingestPerMbit: number | undefined;
    forwardPerMbit: number | undefined;
    pullPerMbit: number | undefined;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Config = 'plain' | 'forward' | 'pull';

/** Fails at once, naming what is missing, when the build's CLI has no `--forward` or `--pull` flag. */
function requireRelayFlags(name: ServerName, config: BenchConfig): void {
  const cli = name === 'flvcast-base' ? checkoutCli(config.baseline!) : flvcastCli;
  const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8', timeout: 20_000 }).stdout ?? '';
  const missing = ['--forward', '--pull'].filter((flag) => !new RegExp(`^\\s*${flag} `, 'm').test(help));
  if (missing.length > 0) {
    throw new Error(`the relay scenario cannot run against ${name} (${cli}): its CLI has no ${missing.join(' or ')} flag (forward and pull are not in this build)`);
  }
}

export async function runRelayScenario(config: BenchConfig, name: ServerName, input: string, run?: number): Promise<RelayScenarioResult> {
  requireRelayFlags(name, config);
  const tag = `${name}${run === undefined ? '' : `-${run}`}`;
  const quiet = { ...config, lateJoiners: 0 };
  const rate = nominalBitrate(highInput);
  let nginx: NginxRtmp | undefined;
  let upstream: Publisher | undefined;
  const windows: RelayWindowResult[] = [];
  let label = name as string;
  try {
    nginx = await startNginxRtmp();
    upstream = await startPublisher(input, nginx.port, 'up', `ffmpeg-${tag}-relay-upstream`);
    const peer = `${nginx.version} on 127.0.0.1:${nginx.port}`;
    console.log(`\n=== relay scenario, ${name}: peer ${peer}, upstream live/up published to it`);
    const flags: Record<Config, string[]> = {
      plain: [],
      forward: ['--forward', `live/*=rtmp://127.0.0.1:${nginx.port}/live`],
      pull: ['--pull', `live/pulled=rtmp://127.0.0.1:${nginx.port}/live/up`],
    };
    const window = async (round: number, what: RelayWindow, server: ServerUnderTest, publisher: Publisher): Promise<void> => {
      const r: StepResult = await runStep(quiet, server, publisher, {
        label: `${what}, round ${round}`,
        protocol: 'http',
        viewers: 0,
        nominalBitrate: rate,
        windowSeconds: config.relaySeconds,
      });
      windows.push({ round, window: what, cpu: r.serverCpu, bitrate: r.ingestBitrate, rssEnd: r.rssEnd, harnessCpu: r.harnessCpu });
      const stream = what === 'idle' ? 'nothing published' : `stream ${(r.ingestBitrate / 1e6).toFixed(2)} Mbit/s`;
      console.log(`  round ${round} · ${what.padEnd(7)} CPU ${r.serverCpu.toFixed(1)} % of one core, ${stream}, RSS ${(r.rssEnd / 1048576).toFixed(0)} MB, harness ${r.harnessCpu.toFixed(1)} %`);
    };
    for (let round = 1; round <= config.relayRounds; round++) {
      const order: Config[] = round % 2 === 1 ? ['plain', 'forward', 'pull'] : ['pull', 'forward', 'plain'];
      for (const which of order) {
        const server = await startServer(name, { baseline: config.baseline, run, extraArgs: flags[which], logSuffix: `-relay-${which}-${round}` });
        label = server.label;
        let publisher: Publisher | undefined;
        try {
          if (which === 'pull') {
            // the pull starts with the server: wait until the pulled stream reaches a viewer
            const probe = await untilServed(server.playUrl('pulled'), 20_000).catch((err: unknown) => {
              throw new Error(`${server.label} with ${flags.pull.join(' ')}: the pulled stream never reached a viewer (${(err as Error).message}); log: ${server.logFile}`);
            });
            console.log(`  pull: the first keyframe of live/pulled reached a viewer ${probe.firstKeyframeMs.toFixed(0)} ms after its request`);
            await sleep(2000);
            await window(round, 'pull', server, upstream);
            continue;
          }
          if (which === 'plain') await window(round, 'idle', server, upstream);
          publisher = await startPublisher(input, server.rtmpPort, 'bench', `ffmpeg-${tag}-relay-${which}-${round}`);
          await sleep(2000);
          if (which === 'forward') {
            const probe = await probeRtmpPlay(`rtmp://127.0.0.1:${nginx.port}/live/bench`, 15_000).catch((err: unknown) => {
              throw new Error(`${server.label} with ${flags.forward.join(' ')}: nginx-rtmp never played the forwarded stream (${(err as Error).message}); log: ${server.logFile}`);
            });
            console.log(`  forward: nginx-rtmp plays the forwarded live/bench (first keyframe ${probe.firstKeyframeMs.toFixed(0)} ms after connecting)`);
          }
          await window(round, which === 'forward' ? 'forward' : 'publish', server, publisher);
          if (publisher.ffmpeg.exitCode !== null) throw new Error(`the publisher (ffmpeg) exited with ${publisher.ffmpeg.exitCode} during the window`);
        } finally {
          await publisher?.stop();
          await server.stop();
        }
      }
    }
    const med = (w: RelayWindow, f: (x: RelayWindowResult) => number): number | undefined => median(windows.filter((x) => x.window === w).map(f));
    const idle = med('idle', (x) => x.cpu);
    const publish = med('publish', (x) => x.cpu);
    const forward = med('forward', (x) => x.cpu);
    const pull = med('pull', (x) => x.cpu);
    const mbit = (w: RelayWindow): number | undefined => {
      const b = med(w, (x) => x.bitrate);
      return b === undefined ? undefined : b / 1e6;
    };
    const per = (cost: number | undefined, m: number | undefined): number | undefined => (cost === undefined || m === undefined || m === 0 ? undefined : cost / m);
    return {
      name,
      run,
      label,
      peer,
      windows,
      costs: {
        idle,
        publish,
        forward,
        pull,
        ingestPerMbit: per(publish !== undefined && idle !== undefined ? publish - idle : undefined, mbit('publish')),
        forwardPerMbit: per(forward !== undefined && publish !== undefined ? forward - publish : undefined, mbit('forward')),
        pullPerMbit: per(pull !== undefined && idle !== undefined ? pull - idle : undefined, mbit('pull')),
      },
    };
  } finally {
    await upstream?.stop();
    await nginx?.stop();
  }
}

const f1 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(1));
const f2 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(2));

export function formatRelayScenario(r: RelayScenarioResult): string {
  const each = (w: RelayWindow): string =>
    r.windows
      .filter((x) => x.window === w)
      .map((x) => f1(x.cpu))
      .join(', ');
  const c = r.costs;
  return [
    `${r.label} · relay costs (medians over ${Math.max(0, ...r.windows.map((w) => w.round))} rounds, each round in brackets; peer ${r.peer})`,
    `  idle (nothing published)        ${f1(c.idle)} % of one core (${each('idle')})`,
    `  one RTMP publisher              ${f1(c.publish)} % (${each('publish')}): ingest ${f2(c.ingestPerMbit)} % per Mbit/s`,
    `  publisher + one forward         ${f1(c.forward)} % (${each('forward')}): one forward ${f1((c.forward ?? NaN) - (c.publish ?? NaN))} %, ${f2(c.forwardPerMbit)} % per Mbit/s`,
    `  one pull (nothing published)    ${f1(c.pull)} % (${each('pull')}): one pull ${f1((c.pull ?? NaN) - (c.idle ?? NaN))} %, ${f2(c.pullPerMbit)} % per Mbit/s`,
  ].join('\n');
}
