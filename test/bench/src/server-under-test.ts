/**
 * The servers under test, each started as a child process on loopback ports of its own, with its output
 * going to a log file in `.cache/bench/` (a file, not a pipe: the harness spends no CPU on it).
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { ServerName } from './bench-config.js';
import { spawnTracked, stopChild } from './children.js';
import { cacheDir, flvcastCli, nmsLauncher, repoRoot } from './paths.js';

export interface ServerUnderTest {
  name: ServerName;
  /** what the tables call it */
  label: string;
  pid: number;
  httpPort: number;
  rtmpPort: number;
  logFile: string;
  child: ChildProcess;
  /** HTTP-FLV (or, with `ws`, WS-FLV) URL of a stream */
  playUrl(stream: string, ws?: boolean): string;
  stop(): Promise<void>;
}

export const serverLabels: Record<ServerName, string> = { flvcast: 'flvcast', nms: 'node-media-server' };

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

/** `logLevel` (flvcast): `info` logs each viewer's departure with its dropped-tag count. */
export async function startServer(name: ServerName, logLevel = 'warn'): Promise<ServerUnderTest> {
  const httpPort = await freePort();
  let rtmpPort = await freePort();
  while (rtmpPort === httpPort) rtmpPort = await freePort();
  const logDir = join(cacheDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const args =
    name === 'flvcast'
      ? // All viewers come from 127.0.0.1: lift the per-address viewer limit (default 100) above the biggest step.
        [flvcastCli, '--http-listen', `127.0.0.1:${httpPort}`, '--rtmp-listen', `127.0.0.1:${rtmpPort}`, '--api-listen', 'off', '--log-level', logLevel, '--max-viewers-per-ip', '100000']
      : [nmsLauncher, String(rtmpPort), String(httpPort), join(cacheDir, 'nms-data')];
  const child = spawnTracked(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = false;
  child.once('exit', () => (exited = true));

  const deadline = performance.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`${name} exited during startup (exit code ${child.exitCode}); see ${logFile}`);
    if ((await canConnect(httpPort)) && (await canConnect(rtmpPort))) break;
    if (performance.now() > deadline) {
      await stopChild(child);
      throw new Error(`${name} did not listen on ${httpPort}/${rtmpPort} within 20 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name,
    label: serverLabels[name],
    pid: child.pid!,
    httpPort,
    rtmpPort,
    logFile,
    child,
    playUrl: (stream, ws = false) => `${ws ? 'ws' : 'http'}://127.0.0.1:${httpPort}/live/${stream}.flv`,
    stop: () => stopChild(child, 5000),
  };
}
