/**
 * Real reverse proxies in front of flvcast: Debian's nginx (`nginx-light`) and Caddy, each started as one
 * process on free 127.0.0.1 ports with a generated configuration in a fresh temporary directory (config,
 * logs, pid file, temp paths, Caddy's storage and HOME all live there), stopped by PID (SIGTERM, then
 * SIGKILL) in the test's `after`, and the directory removed. Loopback only.
 *
 * The site configurations are kept here in the form docs/reverse-proxy.md prints them (`listen 80;`,
 * `proxy_pass http://127.0.0.1:8080;`, `streams.example.com`, certificate paths under /etc/ssl); the tests
 * only substitute ports, addresses and paths (`nginxSite()`, `caddySite()`), and a test checks that the
 * document still contains every one of them verbatim. What the document shows is what the tests ran.
 *
 * Binaries: NGINX_PATH or /usr/sbin/nginx, CADDY_PATH or /usr/bin/caddy (`.ci/run` installs Debian's
 * `nginx-light` and `caddy`). When one is missing the tests that need it fail in CI (CI set) and are
 * skipped with a loud warning elsewhere, as the browser test does for Chromium.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type ProxyKind = 'nginx' | 'caddy';

/** Where a stop is registered: a TestContext, or a suite's own list run in its `after` hook. */
export interface Cleanup {
  after(fn: () => unknown): void;
}

const binaries: Record<ProxyKind, string> = {
  nginx: process.env.NGINX_PATH || '/usr/sbin/nginx',
  caddy: process.env.CADDY_PATH || '/usr/bin/caddy',
};
const packages: Record<ProxyKind, string> = { nginx: 'nginx-light', caddy: 'caddy' };

export const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

export function proxyBinary(kind: ProxyKind): string {
  return binaries[kind];
}

export function haveProxy(kind: ProxyKind): boolean {
  try {
    accessSync(binaries[kind], constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const warned = new Set<ProxyKind>();

/**
 * The `skip` option of a test that needs `kinds`: a reason when one is missing outside CI (after a loud
 * warning on stderr, once per binary), otherwise false: in CI a missing binary fails the test instead
 * (`assertProxies()` at its start says what to install).
 */
export function skipWithoutProxies(...kinds: ProxyKind[]): string | false {
  const missing = kinds.filter((k) => !haveProxy(k));
  if (missing.length === 0 || inCi) return false;
  for (const kind of missing) {
    if (warned.has(kind)) continue;
    warned.add(kind);
    const bar = '!'.repeat(100);
    console.error(
      `\n${bar}\n!! REVERSE-PROXY TEST SKIPPED: no ${kind} at ${binaries[kind]}.\n` +
        `!! flvcast behind ${kind} is NOT tested on this machine. Install Debian's package\n` +
        `!! (apt-get install ${packages[kind]}) or set ${kind.toUpperCase()}_PATH. In CI this test fails instead.\n${bar}\n`,
    );
  }
  return `no ${missing.map((k) => `${k} at ${binaries[k]}`).join(', ')} (apt-get install ${missing.map((k) => packages[k]).join(' ')})`;
}

/** Fails (CI, or any run that was not skipped) when a binary is missing, naming what `.ci/run` must install. */
export function assertProxies(...kinds: ProxyKind[]): void {
  for (const kind of kinds) {
    if (!haveProxy(kind)) {
      throw new Error(`no executable ${kind} at ${binaries[kind]}: .ci/run must install Debian's ${packages[kind]} (or set ${kind.toUpperCase()}_PATH)`);
    }
  }
}

// --- the configurations, as docs/reverse-proxy.md prints them ------------------------------------------

/** flvcast's HTTP port in the documented configurations (its default). */
const DOC_UPSTREAM = '127.0.0.1:8080';

/** The smallest nginx site: HTTP-FLV works as is (flvcast's X-Accel-Buffering turns buffering off). */
export const NGINX_PLAIN = `server {
    listen 80;
    server_name streams.example.com;

    location / {
        proxy_pass http://127.0.0.1:8080;
    }
}`;

/** The `map` that WebSocket proxying needs, at the `http` level (conf.d/*.conf files are there). */
export const NGINX_UPGRADE_MAP = `map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
}`;

/** The recommended site: HTTP-FLV, WS-FLV, and the client's address for `--trust-proxy 127.0.0.1`. */
export const NGINX_SITE = `server {
    listen 80;
    server_name streams.example.com;

    location / {
        proxy_pass http://127.0.0.1:8080;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
}`;

/** TLS terminated by nginx, HTTP/2 to clients (nginx 1.22 syntax), HTTP/1.1 to flvcast. */
export const NGINX_TLS = `server {
    listen 443 ssl http2;
    server_name streams.example.com;
    ssl_certificate     /etc/ssl/certs/streams.example.com.pem;
    ssl_certificate_key /etc/ssl/private/streams.example.com.key;

    location / {
        proxy_pass http://127.0.0.1:8080;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
}`;

/** Caddy: the whole site. (Caddy flushes bodies without a Content-Length at once; no flush_interval.) */
export const CADDY_SITE = `streams.example.com {
    reverse_proxy 127.0.0.1:8080
}`;

export interface SiteSubstitutions {
  /** the proxy's port: `listen 80;` / `listen 443 ...` become `listen 127.0.0.1:<port>...` */
  port: number;
  /** flvcast's HTTP port, for `127.0.0.1:8080` */
  upstreamPort: number;
  /** for NGINX_TLS: the PEM files */
  certPath?: string;
  keyPath?: string;
}

function substitute(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`the site template has no ${JSON.stringify(from)}`);
  return text.split(from).join(to);
}

/** One of the nginx templates above with this test's ports (and certificate paths). */
export function nginxSite(template: string, s: SiteSubstitutions): string {
  let text = substitute(template, DOC_UPSTREAM, `127.0.0.1:${s.upstreamPort}`);
  text = text.replace(/listen (80|443)\b/, `listen 127.0.0.1:${s.port}`);
  if (text.includes('ssl_certificate')) {
    if (s.certPath === undefined || s.keyPath === undefined) throw new Error('a TLS site needs certPath and keyPath');
    text = substitute(text, '/etc/ssl/certs/streams.example.com.pem', s.certPath);
    text = substitute(text, '/etc/ssl/private/streams.example.com.key', s.keyPath);
  }
  return text;
}

/** CADDY_SITE with this test's ports: plain HTTP on 127.0.0.1 instead of the public name (which gets HTTPS). */
export function caddySite(template: string, s: SiteSubstitutions): string {
  const text = substitute(template, DOC_UPSTREAM, `127.0.0.1:${s.upstreamPort}`);
  return substitute(text, 'streams.example.com {', `http://127.0.0.1:${s.port} {`);
}

// --- processes ----------------------------------------------------------------------------------------

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export interface RunningProxy {
  kind: ProxyKind;
  pid: number;
  /** the ports it listens on, in the order the config builder got them */
  ports: number[];
  /** http://127.0.0.1:<first port> */
  url: string;
  /** the generated configuration file, as written */
  config: string;
  /** its temporary directory (removed by stop()) */
  dir: string;
  /** e.g. "nginx/1.22.1", "v2.6.2 h1:..." */
  version: string;
  /** the proxy's own log so far (nginx error log, Caddy's output), for assertion messages */
  log(): string;
  stop(): Promise<void>;
}

interface Launch {
  kind: ProxyKind;
  /** free ports to allocate */
  ports: number;
  /** config file name inside the temp dir */
  file: string;
  build(dir: string, ports: number[]): string;
  args(dir: string, file: string): string[];
  env?(dir: string): NodeJS.ProcessEnv;
  /** the arguments that print its version */
  versionArgs: string[];
  /** the file holding what the proxy says (relative to dir) */
  logFile: string;
}

async function launch(t: Cleanup, spec: Launch): Promise<RunningProxy> {
  assertProxies(spec.kind);
  const bin = binaries[spec.kind];
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), `flvcast-${spec.kind}-`));
    const ports = await distinctFreePorts(spec.ports);
    const env = spec.env?.(dir) ?? process.env;
    // (In its temporary HOME too: Caddy creates ~/.step whenever it starts, even for `caddy version`.)
    const printed = spawnSync(bin, spec.versionArgs, { encoding: 'utf8', timeout: 5000, env });
    const version = `${printed.stderr ?? ''}${printed.stdout ?? ''}`.replace(/^nginx version:\s*/, '').trim() || 'unknown version';
    const config = spec.build(dir, ports);
    const file = join(dir, spec.file);
    writeFileSync(file, config);
    // What it prints before its own log is open (and crashes) goes here.
    const output = join(dir, 'output.log');
    const fd = openSync(output, 'w');
    const child = spawn(bin, spec.args(dir, file), { stdio: ['ignore', fd, fd], env });
    closeSync(fd);
    running.add(child);
    let exited = false;
    child.once('exit', () => {
      exited = true;
      running.delete(child);
    });
    child.once('error', () => (exited = true));
    const log = (): string => [tail(join(dir, spec.logFile)), spec.logFile === 'output.log' ? '' : tail(output)].filter(Boolean).join('\n');

    let listening = false;
    const deadline = performance.now() + 10_000;
    while (!exited && performance.now() < deadline) {
      if ((await Promise.all(ports.map(canConnect))).every(Boolean)) {
        listening = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopped ??= stopChild(child, 2000).then(() => {
        rmSync(dir, { recursive: true, force: true });
      }));
    if (listening && !exited) {
      t.after(stop);
      return { kind: spec.kind, pid: child.pid!, ports, url: `http://127.0.0.1:${ports[0]}`, config, dir, version, log, stop };
    }
    const why = log();
    await stop();
    // Someone took a port between our check and its bind: try again with new ones.
    if (attempt < 3 && /address already in use/i.test(why)) continue;
    throw new Error(`${spec.kind} (${bin}) did not start${exited ? ` (exit code ${child.exitCode})` : ' within 10 s'}:\n${why}\n--- config ---\n${config}`);
  }
}

const quote = (path: string): string => `"${path.replace(/(["\\])/g, '\\$1')}"`;

export interface NginxOptions {
  /** How many ports to allocate; default 1. */
  ports?: number;
  /** The content of the `http { }` block (sites, maps) for the allocated ports. */
  http?(ports: number[]): string;
  /**
   * The content of an `rtmp { }` block (nginx-rtmp, Debian's libnginx-mod-rtmp, loaded with `load_module`
   * when this is given) for the allocated ports.
   */
  rtmp?(ports: number[]): string;
}

/** Debian's libnginx-mod-rtmp. */
export const NGINX_RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

/**
 * nginx as a single foreground process (`daemon off; master_process off;`: its PID is all there is to
 * stop), every path inside a temporary directory, no access log.
 */
export function startNginx(t: Cleanup, opts: NginxOptions): Promise<RunningProxy> {
  return launch(t, {
    kind: 'nginx',
    ports: opts.ports ?? 1,
    file: 'nginx.conf',
    logFile: 'error.log',
    build: (dir, ports) =>
      [
        ...(opts.rtmp === undefined ? [] : [`load_module ${quote(NGINX_RTMP_MODULE)};`]),
        'daemon off;',
        'master_process off;',
        'worker_processes 1;',
        `pid ${quote(join(dir, 'nginx.pid'))};`,
        `error_log ${quote(join(dir, 'error.log'))} info;`,
        'events {',
        // a proxied viewer takes two connections (client and upstream)
        '    worker_connections 1024;',
        '}',
        'http {',
        '    access_log off;',
        `    client_body_temp_path ${quote(join(dir, 'client_body'))};`,
        `    proxy_temp_path ${quote(join(dir, 'proxy'))};`,
        `    fastcgi_temp_path ${quote(join(dir, 'fastcgi'))};`,
        `    uwsgi_temp_path ${quote(join(dir, 'uwsgi'))};`,
        `    scgi_temp_path ${quote(join(dir, 'scgi'))};`,
        '',
        opts.http?.(ports) ?? '',
        '}',
        ...(opts.rtmp === undefined ? [] : ['rtmp {', opts.rtmp(ports), '}']),
        '',
      ].join('\n'),
    args: (dir, file) => ['-p', `${dir}/`, '-c', file, '-e', join(dir, 'error.log')],
    versionArgs: ['-v'],
  });
}

export interface CaddyOptions {
  ports?: number;
  /** The sites of the Caddyfile (after the global options block). */
  sites(ports: number[]): string;
}

/**
 * Caddy (`caddy run`, the Caddyfile adapter) with no admin endpoint, no automatic HTTPS, its storage in
 * the temporary directory and HOME/XDG directories there too (so the autosaved config lands there).
 */
export function startCaddy(t: Cleanup, opts: CaddyOptions): Promise<RunningProxy> {
  return launch(t, {
    kind: 'caddy',
    ports: opts.ports ?? 1,
    file: 'Caddyfile',
    logFile: 'output.log',
    build: (dir, ports) => ['{', '    admin off', '    auto_https off', `    storage file_system ${quote(join(dir, 'storage'))}`, '}', '', opts.sites(ports), ''].join('\n'),
    args: (_dir, file) => ['run', '--config', file, '--adapter', 'caddyfile'],
    versionArgs: ['version'],
    env: (dir) => ({
      ...process.env,
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_DATA_HOME: join(dir, 'data'),
      XDG_CACHE_HOME: join(dir, 'cache'),
    }),
  });
}
