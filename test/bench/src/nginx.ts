/**
 * A real nginx in front of the server under test (the proxy scenario): Debian's `/usr/sbin/nginx` (or
 * `NGINX_PATH`) as one process (`daemon off; master_process off;`, so that its PID is all there is to stop),
 * with one `server` block per site, each on a free 127.0.0.1 port and proxying everything to the server's
 * HTTP port. Every file it writes (configuration, error log, pid file, temporary directories) lives in a
 * fresh temporary directory, removed when it stops; its error log is copied to `.cache/bench/logs/` first.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup, spawnTracked, stopChild } from './children.js';
import { cacheDir } from './paths.js';
import { canConnect, freePort } from './server-under-test.js';

export interface NginxSite {
  name: string;
  /** directives after `proxy_pass` in `location /` (none: nginx's defaults, as a user would first write it) */
  directives: string[];
}

export interface Nginx {
  pid: number;
  child: ChildProcess;
  version: string;
  /** the generated nginx.conf, as written */
  config: string;
  /** site name → its port on 127.0.0.1 */
  ports: Record<string, number>;
  /** where the error log is copied when nginx stops */
  logFile: string;
  stop(): Promise<void>;
}

/** The nginx binary, or undefined when there is no executable one. */
export function nginxBinary(): string | undefined {
  const bin = process.env.NGINX_PATH || '/usr/sbin/nginx';
  try {
    accessSync(bin, constants.X_OK);
    return bin;
  } catch {
    return undefined;
  }
}

/** e.g. "nginx/1.22.1" (`nginx -v` prints it on stderr) */
function versionOf(bin: string): string {
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8', timeout: 5000 });
  return (r.stderr || r.stdout || '').replace(/^nginx version:\s*/, '').trim() || 'unknown version';
}

const quote = (path: string): string => `"${path.replace(/(["\\])/g, '\\$1')}"`;

export function nginxConfig(dir: string, upstreamPort: number, sites: readonly NginxSite[], ports: Record<string, number>): string {
  const servers = sites.map((site) =>
    [
      `  # ${site.name}`,
      '  server {',
      `    listen 127.0.0.1:${ports[site.name]};`,
      '    location / {',
      `      proxy_pass http://127.0.0.1:${upstreamPort};`,
      ...site.directives.map((d) => `      ${d}`),
      '    }',
      '  }',
    ].join('\n'),
  );
  return [
    'daemon off;',
    'master_process off;',
    `error_log ${quote(join(dir, 'error.log'))} warn;`,
    `pid ${quote(join(dir, 'nginx.pid'))};`,
    'events {',
    '  worker_connections 1024;',
    '}',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${quote(join(dir, 'client_body'))};`,
    `  proxy_temp_path ${quote(join(dir, 'proxy'))};`,
    `  fastcgi_temp_path ${quote(join(dir, 'fastcgi'))};`,
    `  uwsgi_temp_path ${quote(join(dir, 'uwsgi'))};`,
    `  scgi_temp_path ${quote(join(dir, 'scgi'))};`,
    ...servers,
    '}',
    '',
  ].join('\n');
}

async function distinctFreePorts(n: number, avoid: number[]): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) {
    const p = await freePort();
    if (!ports.includes(p) && !avoid.includes(p)) ports.push(p);
  }
  return ports;
}

const tail = (file: string, lines = 10): string => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no error log)';
  }
};

/**
 * Start nginx with a `server` per site in front of 127.0.0.1:`upstreamPort`; resolves once every site's
 * port accepts connections. A port taken between the check and nginx's bind means a new set of ports.
 */
export async function startNginx(bin: string, upstreamPort: number, sites: readonly NginxSite[], avoidPorts: number[] = []): Promise<Nginx> {
  const logDir = join(cacheDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, 'nginx-error.log');
  const version = versionOf(bin);
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'flvcast-bench-nginx-'));
    const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
    const forget = onCleanup(removeDir);
    const errorLog = join(dir, 'error.log');
    const saveLog = (): void => {
      if (existsSync(errorLog)) copyFileSync(errorLog, logFile);
    };
    const list = await distinctFreePorts(sites.length, [upstreamPort, ...avoidPorts]);
    const ports: Record<string, number> = {};
    sites.forEach((site, i) => (ports[site.name] = list[i]!));
    const config = nginxConfig(dir, upstreamPort, sites, ports);
    const confFile = join(dir, 'nginx.conf');
    writeFileSync(confFile, config);
    // what nginx prints before it has read the configuration (and its crashes) goes here
    const fd = openSync(join(dir, 'output.log'), 'w');
    const child = spawnTracked(bin, ['-e', errorLog, '-p', `${dir}/`, '-c', confFile], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    let exited = false;
    child.once('exit', () => (exited = true));

    const deadline = performance.now() + 10_000;
    let listening = false;
    while (!exited && performance.now() < deadline) {
      const ok = await Promise.all(list.map((p) => canConnect(p)));
      if (ok.every(Boolean)) {
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
      return { pid: child.pid!, child, version, config, ports, logFile, stop };
    }
    await stopChild(child, 1000);
    const why = `${tail(errorLog)}\n${tail(join(dir, 'output.log'))}`.trim();
    saveLog();
    forget();
    removeDir();
    if (attempt < 3 && /Address already in use/i.test(why)) continue;
    throw new Error(`nginx (${bin}) did not start${exited ? ` (exit code ${child.exitCode})` : ' within 10 s'}:\n${why}`);
  }
}
