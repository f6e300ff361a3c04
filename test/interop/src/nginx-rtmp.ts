/**
 * nginx-rtmp (Debian's `libnginx-mod-rtmp`, loaded into `/usr/sbin/nginx` with `load_module`) as a real
 * RTMP origin for the relay tests: one foreground process (`daemon off; master_process off;`) on a random
 * loopback port, every path in a temporary directory, stopped by its PID. When nginx or the module is
 * missing the tests fail in CI (CI set) and are skipped with a loud warning elsewhere, as the reverse-proxy
 * tests do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inCi } from './reverse-proxy.js';

export const NGINX_BIN = process.env.NGINX_PATH || '/usr/sbin/nginx';
export const NGINX_RTMP_MODULE = process.env.NGINX_RTMP_MODULE || '/usr/lib/nginx/modules/ngx_rtmp_module.so';

function executable(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

export function haveNginxRtmp(): boolean {
  return executable(NGINX_BIN, constants.X_OK) && executable(NGINX_RTMP_MODULE, constants.R_OK);
}

let warned = false;

/** The `skip` option of a test that needs nginx-rtmp: a reason outside CI when it is missing, else false. */
export function skipWithoutNginxRtmp(): string | false {
  if (haveNginxRtmp() || inCi) return false;
  if (!warned) {
    warned = true;
    const bar = '!'.repeat(100);
    console.error(`\n${bar}\n!! RELAY TEST SKIPPED: no nginx at ${NGINX_BIN} or no RTMP module at ${NGINX_RTMP_MODULE}.\n!! Forward/pull against nginx-rtmp is NOT tested here: apt-get install nginx-light libnginx-mod-rtmp. In CI this test fails instead.\n${bar}\n`);
  }
  return `no nginx-rtmp (apt-get install nginx-light libnginx-mod-rtmp)`;
}

export interface RunningNginxRtmp {
  port: number;
  /** rtmp://127.0.0.1:port */
  url: string;
  pid: number;
  config: string;
  log(): string;
  stop(): Promise<void>;
}

const quote = (path: string): string => `"${path.replace(/(["\\])/g, '\\$1')}"`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/** Starts nginx with `application live { live on; }` (plus `applications`, the rest of the rtmp server block). */
export async function startNginxRtmp(t: { after(fn: () => unknown): void }, opts: { applications?: string } = {}): Promise<RunningNginxRtmp> {
  if (!haveNginxRtmp()) throw new Error(`no nginx-rtmp: ${NGINX_BIN} with ${NGINX_RTMP_MODULE} (.ci/run must install nginx-light and libnginx-mod-rtmp)`);
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'flvcast-nginx-rtmp-'));
    const port = await freePort();
    const config = [
      `load_module ${quote(NGINX_RTMP_MODULE)};`,
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      `pid ${quote(join(dir, 'nginx.pid'))};`,
      `error_log ${quote(join(dir, 'error.log'))} info;`,
      'events { worker_connections 256; }',
      'rtmp {',
      '  server {',
      `    listen 127.0.0.1:${port};`,
      '    chunk_size 4096;',
      '    application live { live on; }',
      opts.applications ?? '',
      '  }',
      '}',
      '',
    ].join('\n');
    const file = join(dir, 'nginx.conf');
    writeFileSync(file, config);
    const fd = openSync(join(dir, 'output.log'), 'w');
    const child: ChildProcess = spawn(NGINX_BIN, ['-p', `${dir}/`, '-c', file, '-e', join(dir, 'error.log')], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    let exited = false;
    child.once('exit', () => (exited = true));
    child.once('error', () => (exited = true));
    const log = (): string => ['error.log', 'output.log'].map((f) => {
      try {
        return readFileSync(join(dir, f), 'utf8').slice(-4000);
      } catch {
        return '';
      }
    }).join('\n');
    const deadline = performance.now() + 10_000;
    let listening = false;
    while (!exited && performance.now() < deadline) {
      if (await canConnect(port)) {
        listening = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopped ??= (async () => {
        if (!exited) {
          const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
          await gone;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      })());
    if (listening && !exited) {
      t.after(stop);
      return { port, url: `rtmp://127.0.0.1:${port}`, pid: child.pid!, config, log, stop };
    }
    const why = log();
    await stop();
    if (attempt < 3 && /address already in use/i.test(why)) continue;
    throw new Error(`nginx-rtmp did not start${exited ? ` (exit code ${child.exitCode})` : ' within 10 s'}:\n${why}\n--- config ---\n${config}`);
  }
}
