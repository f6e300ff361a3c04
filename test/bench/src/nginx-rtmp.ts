/**
 * nginx-rtmp as a peer (the relay scenario's forward destination and pull upstream): Debian's `/usr/sbin/nginx`
 * (or `NGINX_PATH`) with `libnginx-mod-rtmp`'s module (`/usr/lib/nginx/modules/ngx_rtmp_module.so`, or
 * `NGINX_RTMP_MODULE`), one process (`daemon off; master_process off;`), one RTMP server on a free 127.0.0.1 port
 * with a single live application, `live`. Its files live in a fresh temporary directory, removed when it stops;
 * its error log is copied to `.cache/bench/logs/nginx-rtmp-error.log` first.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup, spawnTracked, stopChild } from './children.js';
import { nginxBinary } from './nginx.js';
import { cacheDir } from './paths.js';
import { canConnect, freePort } from './server-under-test.js';

export interface NginxRtmp {
  pid: number;
  child: ChildProcess;
  /** e.g. "nginx/1.22.1 + ngx_rtmp_module" */
  version: string;
  port: number;
  logFile: string;
  stop(): Promise<void>;
}

/** The RTMP module to load, or undefined when nginx or the module is missing. */
export function nginxRtmpModule(): { bin: string; module: string } | undefined {
  const bin = nginxBinary();
  const module = process.env.NGINX_RTMP_MODULE || '/usr/lib/nginx/modules/ngx_rtmp_module.so';
  if (bin === undefined) return undefined;
  try {
    accessSync(module, constants.R_OK);
  } catch {
    return undefined;
  }
  return { bin, module };
}

const quote = (path: string): string => `"${path.replace(/(["\\])/g, '\\$1')}"`;

export function nginxRtmpConfig(dir: string, module: string, port: number): string {
  return [
    `load_module ${quote(module)};`,
    'daemon off;',
    'master_process off;',
    `error_log ${quote(join(dir, 'error.log'))} warn;`,
    `pid ${quote(join(dir, 'nginx.pid'))};`,
    'events {',
    '  worker_connections 1024;',
    '}',
    'rtmp {',
    '  server {',
    `    listen 127.0.0.1:${port};`,
    '    chunk_size 4096;',
    '    application live {',
    '      live on;',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

const tail = (file: string, lines = 10): string => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};

export async function startNginxRtmp(): Promise<NginxRtmp> {
  const found = nginxRtmpModule();
  if (found === undefined) throw new Error('nginx-rtmp is not available: /usr/sbin/nginx (NGINX_PATH) and ngx_rtmp_module.so (NGINX_RTMP_MODULE, Debian: libnginx-mod-rtmp) are needed');
  const { bin, module } = found;
  const logDir = join(cacheDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, 'nginx-rtmp-error.log');
  const v = spawnSync(bin, ['-v'], { encoding: 'utf8', timeout: 5000 });
  const version = `${(v.stderr || v.stdout || '').replace(/^nginx version:\s*/, '').trim() || 'nginx'} + ngx_rtmp_module`;
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'flvcast-bench-nginx-rtmp-'));
    const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
    const forget = onCleanup(removeDir);
    const errorLog = join(dir, 'error.log');
    const saveLog = (): void => {
      if (existsSync(errorLog)) copyFileSync(errorLog, logFile);
    };
    const port = await freePort();
    const confFile = join(dir, 'nginx.conf');
    writeFileSync(confFile, nginxRtmpConfig(dir, module, port));
    const fd = openSync(join(dir, 'output.log'), 'w');
    const child = spawnTracked(bin, ['-e', errorLog, '-p', `${dir}/`, '-c', confFile], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    let exited = false;
    child.once('exit', () => (exited = true));
    const deadline = performance.now() + 10_000;
    let listening = false;
    while (!exited && performance.now() < deadline) {
      if (await canConnect(port)) {
        listening = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (listening && !exited) {
      const stop = async (): Promise<void> => {
        await stopChild(child, 3000);
        saveLog();
        forget();
        removeDir();
      };
      return { pid: child.pid!, child, version, port, logFile, stop };
    }
    await stopChild(child, 1000);
    const why = `${tail(errorLog)}\n${tail(join(dir, 'output.log'))}`.trim();
    saveLog();
    forget();
    removeDir();
    if (attempt < 3 && /Address already in use/i.test(why)) continue;
    throw new Error(`nginx-rtmp (${bin}, ${module}) did not start${exited ? ` (exit code ${child.exitCode})` : ' within 10 s'}:\n${why}`);
  }
}
