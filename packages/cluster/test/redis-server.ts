/**
 * A real redis-server (Debian's `redis-server`) for the directory tests: one process on a random loopback
 * port, no persistence, stopped by its PID (never the system service). Missing, the tests fail when CI is
 * set (`.ci/run` installs it) and are skipped with a loud warning elsewhere, as test/interop does for nginx.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';

export const REDIS_BIN = process.env.REDIS_SERVER_PATH || '/usr/bin/redis-server';
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

function haveRedis(): boolean {
  try {
    accessSync(REDIS_BIN, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let warned = false;

/** The `skip` option of a test that needs redis-server: a reason outside CI when it is missing, else false. */
export function skipWithoutRedis(): string | false {
  if (haveRedis() || inCi) return false;
  if (!warned) {
    warned = true;
    const bar = '!'.repeat(100);
    console.error(`\n${bar}\n!! CLUSTER TEST SKIPPED: no redis-server at ${REDIS_BIN}.\n!! The Redis stream directory is NOT tested here: apt-get install redis-server (or set REDIS_SERVER_PATH). In CI this test fails instead.\n${bar}\n`);
  }
  return 'no redis-server (apt-get install redis-server)';
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RunningRedis {
  readonly port: number;
  /** redis://127.0.0.1:port */
  readonly url: string;
  /** SIGKILLs the server and waits for its exit (its data is gone: nothing is saved). */
  stop(): Promise<void>;
  /** A new server on the same port, empty. */
  restart(): Promise<void>;
  /** SIGSTOP (a hung Redis: connected, never answering) or SIGCONT. */
  freeze(frozen: boolean): void;
}

async function spawnRedis(port: number): Promise<ChildProcess> {
  assert.ok(haveRedis(), `CI is set and there is no redis-server at ${REDIS_BIN}: .ci/run must install Debian's redis-server (or set REDIS_SERVER_PATH)`);
  const child = spawn(REDIS_BIN, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  // Ready once it accepts a connection (its log line is level notice, below --loglevel warning).
  const end = performance.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${output}`);
    if (await accepts(port)) return child;
    if (performance.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not listen on ${port} within 5 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Starts redis-server on a free loopback port; `t.after(() => redis.stop())`. */
export async function startRedis(): Promise<RunningRedis> {
  const port = await freePort();
  let child = await spawnRedis(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGCONT');
      await kill(child);
    },
    freeze: (frozen) => void child.kill(frozen ? 'SIGSTOP' : 'SIGCONT'),
    restart: async () => {
      await kill(child);
      child = await spawnRedis(port);
    },
  };
}
