/**
 * The servers under test, each started as a child process on loopback ports of its own, with its output
 * going to a log file in `.cache/bench/` (a file, not a pipe: the harness spends no CPU on it).
 * `flvcast-base` is the flvcast CLI of another built checkout (BENCH_BASELINE), with the same flags.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { checkoutCli, type ServerName } from './bench-config.js';
import { spawnTracked, stopChild } from './children.js';
import { cacheDir, flvcastCli, nmsLauncher, repoRoot } from './paths.js';
import type { ViewerFormat } from './worker-messages.js';

export interface ServerUnderTest {
  name: ServerName;
  /** the n-th run of this server in the invocation, when a server runs more than once */
  run: number | undefined;
  /** what the tables call it (with ` #<run>` when the server runs more than once) */
  label: string;
  /** for flvcast builds: the checkout and its commit (`git describe`), when git knows it */
  build: { checkout: string; commit: string | undefined } | undefined;
  pid: number;
  httpPort: number;
  rtmpPort: number;
  logFile: string;
  child: ChildProcess;
  /** HTTP (or, with `ws`, WS) URL of a stream in a format: the mount's extension (default flv) */
  playUrl(stream: string, ws?: boolean, format?: ViewerFormat): string;
  /** RTMP play URL of a stream, on the server's own RTMP port (not through the ingest proxy) */
  rtmpPlayUrl(stream: string): string;
  stop(): Promise<void>;
}

export const serverLabels: Record<ServerName, string> = { flvcast: 'flvcast', 'flvcast-base': 'flvcast-base', nms: 'node-media-server' };

/** A flvcast build (this checkout or the baseline): they log viewer departures the same way. */
export function isFlvcast(name: ServerName): boolean {
  return name === 'flvcast' || name === 'flvcast-base';
}

export interface StartOptions {
  /** flvcast: `info` logs each viewer's departure with its dropped-tag count [warn] */
  logLevel?: string;
  /** the checkout `flvcast-base` runs (required for it) */
  baseline?: string | undefined;
  /** the n-th run of this server, when it runs more than once: in the label and the log file's name */
  run?: number | undefined;
  /**
   * RTMP players will connect (the rtmp scenario): flvcast's RTMP connection limits (50 per address by
   * default, all from 127.0.0.1 here) are lifted above the step, as the per-address viewer limit is for HTTP
   */
  rtmpPlayers?: boolean;
  /** more flvcast flags (e.g. `--forward`, `--pull`); a build that does not know them fails to start */
  extraArgs?: string[];
  /** in the log file's name, after the server's (e.g. `-forward`) */
  logSuffix?: string;
}

/**
 * The run number of each entry of a server list: undefined for a server listed once, 1, 2, … for the
 * runs of a server listed more than once (flvcast-base,flvcast,flvcast-base,flvcast → 1, 1, 2, 2).
 */
export function runNumbers(servers: readonly ServerName[]): (number | undefined)[] {
  const seen = new Map<ServerName, number>();
  return servers.map((name) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return servers.filter((s) => s === name).length > 1 ? n : undefined;
  });
}

/** `git describe --always --dirty` of a checkout, or undefined. */
function commitOf(checkout: string): string | undefined {
  try {
    return execFileSync('git', ['-C', checkout, 'describe', '--always', '--dirty'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** A port the OS says is free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Something accepts TCP connections on 127.0.0.1:`port`. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The server exited before it listened: a flag its build does not know, say (the log says which). */
export class ExitedAtStartup extends Error {
  constructor(
    readonly server: ServerName,
    readonly exitCode: number | null,
    readonly logFile: string,
  ) {
    super(`${server} exited during startup (exit code ${exitCode}); see ${logFile}`);
  }
}

/** Starts `name` on fresh free ports (each call: a new process, new ports). */
export async function startServer(name: ServerName, options: StartOptions = {}): Promise<ServerUnderTest> {
  const { logLevel = 'warn', baseline, run, rtmpPlayers = false, extraArgs = [], logSuffix = '' } = options;
  if (name === 'flvcast-base' && baseline === undefined) throw new Error('flvcast-base needs BENCH_BASELINE');
  const httpPort = await freePort();
  let rtmpPort = await freePort();
  while (rtmpPort === httpPort) rtmpPort = await freePort();
  const logDir = join(cacheDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}${run === undefined ? '' : `-${run}`}${logSuffix}.log`);
  const fd = openSync(logFile, 'w');
  // the same flags for both flvcast builds; each runs from its own checkout
  const checkout = name === 'flvcast' ? repoRoot : name === 'flvcast-base' ? baseline! : undefined;
  const cli = name === 'flvcast' ? flvcastCli : checkout !== undefined ? checkoutCli(checkout) : undefined;
  const args =
    cli !== undefined
      ? // All viewers come from 127.0.0.1: lift the per-address viewer limit (default 100) above the biggest step.
        [
          cli,
          '--http-listen',
          `127.0.0.1:${httpPort}`,
          '--rtmp-listen',
          `127.0.0.1:${rtmpPort}`,
          '--api-listen',
          'off',
          '--log-level',
          logLevel,
          '--max-viewers-per-ip',
          '100000',
          ...(rtmpPlayers ? ['--max-connections', '100000', '--max-connections-per-ip', '100000'] : []),
          ...extraArgs,
        ]
      : [nmsLauncher, String(rtmpPort), String(httpPort), join(cacheDir, 'nms-data')];
  const child = spawnTracked(process.execPath, args, { cwd: checkout ?? repoRoot, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = false;
  child.once('exit', () => (exited = true));

  const deadline = performance.now() + 20_000;
  for (;;) {
    if (exited) throw new ExitedAtStartup(name, child.exitCode, logFile);
    if ((await canConnect(httpPort)) && (await canConnect(rtmpPort))) break;
    if (performance.now() > deadline) {
      await stopChild(child);
      throw new Error(`${name} did not listen on ${httpPort}/${rtmpPort} within 20 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name,
    run,
    label: `${serverLabels[name]}${run === undefined ? '' : ` #${run}`}`,
    build: checkout === undefined ? undefined : { checkout, commit: commitOf(checkout) },
    pid: child.pid!,
    httpPort,
    rtmpPort,
    logFile,
    child,
    playUrl: (stream, ws = false, format = 'flv') => `${ws ? 'ws' : 'http'}://127.0.0.1:${httpPort}/live/${stream}.${format}`,
    rtmpPlayUrl: (stream) => `rtmp://127.0.0.1:${rtmpPort}/live/${stream}`,
    stop: () => stopChild(child, 5000),
  };
}
