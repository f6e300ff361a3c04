/**
 * The soak: the real `flvcast` CLI on loopback for `--minutes` (default 60) under churn, sampled every 10 s.
 *
 * - 10 ffmpeg publishers (`-re -stream_loop -1 -c copy` of a small H.264/AAC FLV encoded once), each
 *   republishing every 1–3 minutes; a third of the stops are SIGKILL (no unpublish), the rest SIGTERM.
 * - Viewers joining and leaving every second, over every kind in CLIENT_KINDS (HTTP and WS for FLV and TS, HTTP-AAC,
 *   RTMP players with our own client; a new format or protocol joins by adding a row; `--kinds` picks some); 20 % are
 *   slow (they stop reading for seconds at a time). A viewer the server refuses (an RTMP player's
 *   `NetStream.Play.Failed`, say) is a failing viewer, reported by kind and reason, unless its publisher was
 *   restarting at the time.
 * - A trickle of hostile connections: mutations of the fuzz corpus's real RTMP sessions and of real HTTP
 *   requests, with some arbitrary bytes (seeded: `--seed` replays a run's trickle), and API polling.
 * - Every 10 s: the server's RSS, heap used, external memory, open fds, active handles and event-loop delay
 *   p99 (from its /metrics; fds also from /proc), viewers, dropped tags; gaps > 1 s seen by healthy viewers
 *   (not slow, not across their publisher's own restart, and not while its input stalled: a pass-through in
 *   front of the RTMP port notes when a publisher stops sending while flvcast reads).
 *
 * At the end every client stops, the figures settle for 15 s, and the final counts are compared with the
 * baseline taken before the first client. Slopes are least squares after the warm-up (5 minutes, or a
 * quarter of a shorter run). The JSON report goes to .cache/soak/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientSessions } from '@flvcast/test-fuzz/corpus';
import { bytesInput } from '@flvcast/test-fuzz/mutate';
import fc from 'fast-check';
import WebSocket from 'ws';
import { checkRecordings, dvrArgs, VodProbe } from './dvr-check.js';
import { pulledKind, relayArgs, relaySample, startPeer, type RelaySample } from './relay-peer.js';
import { rtmpPlayKind } from './rtmp-play-kind.js';
import { track, type ClientKind, type Viewer } from './soak-viewer.js';

const require = createRequire(import.meta.url);
const cacheDir = fileURLToPath(new URL('../../../../.cache/soak/', import.meta.url));
/** The CLI soaked: this checkout's, or another built checkout's (`--cli`, e.g. a branch before it is merged). */
const cli = (() => {
  const i = process.argv.indexOf('--cli');
  return i < 0 ? fileURLToPath(new URL('../../../../packages/server/dist/src/cli.js', import.meta.url)) : resolve(process.argv[i + 1] ?? '');
})();
const ffmpeg = process.env.FFMPEG_PATH || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;

// --- settings --------------------------------------------------------------------------------------------

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

const MINUTES = arg('minutes', 60);
const PUBLISHERS = arg('publishers', 10);
const VIEWERS = arg('viewers', 40);
const SAMPLE_MS = 10_000;
const WARMUP_MS = Math.min(5 * 60_000, (MINUTES * 60_000) / 4);
const SLOW_SHARE = 0.2;
const GC_EVERY_SAMPLES = 6; // a forced full GC once a minute
const SEED = arg('seed', Date.now() % 0x7fffffff);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const rand = (min: number, max: number): number => min + Math.random() * (max - min);
const now = (): number => performance.now();

// --- the server ----------------------------------------------------------------------------------------

interface Server {
  child: ChildProcess;
  inspector?: Inspector;
  http: number;
  rtmp: number;
  api: number;
  output: string;
}

async function startServer(extraArgs: string[]): Promise<Server> {
  // The inspector (loopback, random port) lets the soak force a full GC before the memory figures that judge
  // retention: raw heap figures are a sawtooth whose phase depends on when V8 last collected.
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', cli, '--http-listen', '127.0.0.1:0', '--rtmp-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server: Server = { child, http: 0, rtmp: 0, api: 0, output: '' };
  const keep = (d: Buffer): void => {
    server.output += d.toString('utf8');
    if (server.output.length > 2_000_000) server.output = server.output.slice(-1_000_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const deadline = now() + 15_000;
  while (!/ready/.test(server.output) || !/metrics: +http/.test(server.output)) {
    if (now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`flvcast did not start:\n${server.output}`);
    }
    await sleep(50);
  }
  server.http = Number(/play: +ffplay http:\/\/127\.0\.0\.1:(\d+)/.exec(server.output)![1]);
  server.rtmp = Number(/rtmp:\/\/127\.0\.0\.1:(\d+)/.exec(server.output)![1]);
  server.api = Number(/metrics: +http:\/\/127\.0\.0\.1:(\d+)/.exec(server.output)![1]);
  server.inspector = await Inspector.connect(/Debugger listening on (ws:\/\/\S+)/.exec(server.output)![1]!);
  return server;
}

/** The one inspector call the soak makes: HeapProfiler.collectGarbage (a full, compacting GC). */
class Inspector {
  private nextId = 1;
  private readonly waiting = new Map<number, () => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const { id } = JSON.parse(data.toString('utf8')) as { id?: number };
      if (id !== undefined) this.waiting.get(id)?.();
    });
  }

  static connect(url: string): Promise<Inspector> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Inspector(ws)));
      ws.once('error', reject);
    });
  }

  collectGarbage(): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('collectGarbage timed out')), 10_000);
      this.waiting.set(id, () => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve();
      });
      this.ws.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
    });
  }

  close(): void {
    this.ws.close();
  }
}

async function get(port: number, path: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.text();
}

/** A metric's value, summed over its label sets (flvcast_viewers has one series per protocol). */
function metric(text: string, name: string): number {
  const values = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'gm'))].map((m) => Number(m[1]));
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0);
}

// --- publishers ------------------------------------------------------------------------------------------

async function encodeInput(): Promise<string> {
  const file = `${cacheDir}input.flv`;
  if (existsSync(file)) return file;
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=10',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=10',
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', '-pix_fmt', 'yuv420p', '-threads', '1',
    '-c:a', 'aac', '-b:a', '64k', '-shortest', '-f', 'flv', '-y', file,
  ];
  const code = await new Promise<number | null>((resolve) => spawn(ffmpeg, args, { stdio: 'ignore' }).once('close', resolve));
  if (code !== 0) throw new Error(`could not encode the soak input (ffmpeg exit ${code})`);
  return file;
}

const INPUT_STALL_MS = 500;

/**
 * A pass-through in front of the RTMP port for one publisher, noting when its bytes stop coming for more
 * than INPUT_STALL_MS while flvcast was reading (not while flvcast's own backpressure held them back): a
 * viewer gap during such a stall is the input's (ffmpeg starved of CPU on a loaded machine), not the server's.
 */
class InputWatch {
  readonly stalls: Array<[number, number]> = [];
  port = 0;
  readonly #server = net.createServer((client) => {
    const upstream = net.connect({ port: this.rtmpPort, host: '127.0.0.1' });
    let last: number | undefined;
    let heldBack = false;
    client.on('data', (d: Buffer) => {
      const t = now();
      if (last !== undefined && !heldBack && t - last > INPUT_STALL_MS) this.stalls.push([last, t]);
      last = t;
      heldBack = false;
      if (!upstream.write(d)) {
        heldBack = true;
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    upstream.on('data', (d: Buffer) => client.write(d));
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', close);
      socket.on('close', close);
    }
  });

  constructor(private readonly rtmpPort: number) {}

  listen(): Promise<void> {
    return new Promise((resolve) =>
      this.#server.listen(0, '127.0.0.1', () => {
        this.port = (this.#server.address() as net.AddressInfo).port;
        resolve();
      }),
    );
  }

  /** A stall covers the viewer gap [from, to] (within 300 ms at each end: the viewer sees it a little later). */
  stalledDuring(from: number, to: number): boolean {
    return this.stalls.some(([a, b]) => a - 300 <= from && b + 300 >= to);
  }

  close(): void {
    this.#server.close();
  }
}

class Publisher {
  child: ChildProcess | undefined;
  /** [stoppedAt, restartedAt + 5 s]: viewer gaps overlapping these are the publisher's own reconnects. */
  readonly outages: Array<[number, number]> = [];
  restarts = 0;
  kills = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(
    readonly name: string,
    readonly input: string,
    readonly watch: InputWatch,
  ) {}

  start(): void {
    this.child = spawn(ffmpeg, ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'quiet', '-re', '-stream_loop', '-1', '-i', this.input, '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${this.watch.port}/live/${this.name}`], {
      stdio: 'ignore',
    });
    this.#timer = setTimeout(() => void this.#churn(), rand(60_000, 180_000));
  }

  async #churn(): Promise<void> {
    if (this.#stopped) return;
    const stoppedAt = now();
    const kill = Math.random() < 1 / 3;
    await this.#end(kill ? 'SIGKILL' : 'SIGTERM');
    if (kill) this.kills++;
    await sleep(rand(300, 2_000));
    if (this.#stopped) return;
    this.restarts++;
    this.outages.push([stoppedAt, now() + 5_000]);
    this.start();
  }

  #end(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
      child.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill(signal);
    });
  }

  excused(from: number, to: number): boolean {
    return this.outages.some(([a, b]) => from < b && to > a);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#end('SIGTERM');
    this.watch.close();
  }
}

// --- viewers ------------------------------------------------------------------------------------------------

/** A plain HTTP/1.1 viewer of one mount (raw socket: the bytes on the wire are what is counted). */
function httpKind(name: string, extension: string): ClientKind {
  return {
    name,
    open(ports, stream, slow) {
      const socket = net.connect({ port: ports.http, host: '127.0.0.1' });
      let closed = false;
      const viewer: Viewer = { kind: name, stream, slow, gaps: [], bytes: 0, close: () => socket.destroy(), get closed() { return closed; } };
      const t = track(viewer, () => socket.pause(), () => socket.resume());
      socket.on('error', () => {});
      socket.once('connect', () => socket.write(`GET /live/${stream}.${extension} HTTP/1.1\r\nHost: soak\r\nUser-Agent: flvcast-soak\r\n\r\n`));
      socket.on('data', (d: Buffer) => t.data(d.length));
      socket.once('close', () => {
        closed = true;
        t.end();
      });
      return viewer;
    },
  };
}

/** A WebSocket viewer of one mount (one binary message per packet). */
function wsKind(name: string, extension: string): ClientKind {
  return {
    name,
    open(ports, stream, slow) {
      const ws = new WebSocket(`ws://127.0.0.1:${ports.http}/live/${stream}.${extension}`, { perMessageDeflate: false });
      let closed = false;
      const viewer: Viewer = { kind: name, stream, slow, gaps: [], bytes: 0, close: () => ws.terminate(), get closed() { return closed; } };
      const t = track(viewer, () => ws.pause(), () => ws.resume());
      ws.on('error', () => {});
      ws.on('message', (d: Buffer) => t.data(d.length));
      ws.once('close', () => {
        closed = true;
        t.end();
      });
      return viewer;
    },
  };
}

/** Every kind of viewer the soak churns. A new output format or protocol joins the soak with a row here. */
const ALL_KINDS: ClientKind[] = [
  httpKind('http-flv', 'flv'),
  wsKind('ws-flv', 'flv'),
  // MPEG-TS: one encoding per stream shared by every TS viewer, each with its own resyncs.
  httpKind('http-ts', 'ts'),
  wsKind('ws-ts', 'ts'),
  // The audio mount: ADTS out of the publishers' AAC, listeners starting with the audio window.
  httpKind('http-aac', 'aac'),
  // RTMP play: our own client (RtmpClientSession); a server without RTMP play refuses them (failing viewers).
  rtmpPlayKind(),
  // Forward and pull (relay-peer.ts): streams forwarded to a second flvcast and pulled back, on demand over
  // HTTP-FLV and always on over RTMP play, watched as HTTP-FLV here.
  pulledKind('pull-http-flv', 'p'),
  pulledKind('pull-rtmp', 'r'),
];

const USAGE = `Usage: pnpm soak [-- options]
  --minutes m      how long the churn runs [60]
  --publishers n   ffmpeg publishers, each restarting every 1–3 minutes [10]
  --viewers n      viewers connected at any time, joining and leaving every second [40]
  --kinds a,b,...  viewer kinds to churn, in turn [all: ${ALL_KINDS.map((k) => k.name).join(',')}]
  --seed n         replays a run's hostile trickle [time-based]
  --cli file       the flvcast CLI to soak [this checkout's packages/server/dist/src/cli.js]
  --no-relay       no second flvcast: no forward and no pulls (and no pull-* viewers)
  --no-dvr         no recording (every publisher's stream in 60 s segments) and no VOD client
  --help           this text
The report goes to .cache/soak/; the exit code is 0 when every target held, 1 otherwise, 2 on a crash.`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}

/** The relay (forward to a second flvcast, pulls back) runs unless --no-relay. */
const RELAY = !process.argv.includes('--no-relay');
/** Recording and VOD run unless --no-dvr. */
const DVR = !process.argv.includes('--no-dvr');

/** The kinds this run churns (--kinds), in the order given. */
const CLIENT_KINDS: ClientKind[] = (() => {
  const i = process.argv.indexOf('--kinds');
  if (i < 0) return RELAY ? ALL_KINDS : ALL_KINDS.filter((k) => !k.name.startsWith('pull-'));
  const names = (process.argv[i + 1] ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
  const kinds = names.map((n) => ALL_KINDS.find((k) => k.name === n));
  const unknown = names.filter((_, j) => kinds[j] === undefined);
  if (names.length === 0 || unknown.length > 0) {
    console.error(`--kinds: ${names.length === 0 ? 'no kind given' : `unknown ${unknown.join(', ')}`} (known: ${ALL_KINDS.map((k) => k.name).join(', ')})`);
    process.exit(2);
  }
  return kinds as ClientKind[];
})();

// --- hostile trickle ---------------------------------------------------------------------------------------

/** Requests a viewer could send: the seeds the HTTP port's hostile inputs are mutated from. */
const HTTP_SEEDS = [
  'GET /live/s0.flv HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /live/s1.flv?token=abc&x=1 HTTP/1.1\r\nHost: x\r\nOrigin: http://a\r\nRange: bytes=0-\r\n\r\n',
  'HEAD /live/s2.flv HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\nGET /live/s2.flv HTTP/1.1\r\nHost: x\r\n\r\n',
  'OPTIONS /live/s3.flv HTTP/1.1\r\nHost: x\r\nOrigin: http://a\r\nAccess-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: x-a, x-b\r\n\r\n',
  'GET /live/s4.flv HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n\x81\x85\x01\x02\x03\x04ignor',
  'POST /live/s5.flv HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
].map((text) => new Uint8Array(Buffer.from(text, 'latin1')));

/**
 * Hostile inputs from the fuzz harness: mutations of the corpus's real RTMP sessions (publish and Enhanced
 * RTMP, handshake included) for the RTMP port and of real requests for the HTTP port, with some arbitrary
 * bytes, drawn in seeded batches so a run's trickle can be replayed with `--seed`.
 */
class HostileInputs {
  private readonly rtmp = bytesInput(clientSessions(), { maxRandomLength: 3000 });
  private readonly http = bytesInput(HTTP_SEEDS, { maxRandomLength: 3000, markers: [0x0d, 0x0a, 0x20, 0x3a, 0x3f, 0x26, 0x2f] });
  private batch: Uint8Array[] = [];
  private batches = 0;

  constructor(private readonly seed: number) {}

  next(rtmp: boolean): Uint8Array {
    if (this.batch.length === 0) {
      const seed = (this.seed + this.batches++) | 0;
      this.batch = [...fc.sample(this.rtmp, { seed, numRuns: 25 }), ...fc.sample(this.http, { seed, numRuns: 25 })];
    }
    // The first half of a batch is RTMP and the second HTTP; take from the matching half when there is one.
    const half = this.batch.length > 25 ? 25 : 0;
    const i = rtmp ? 0 : Math.min(half, this.batch.length - 1);
    return this.batch.splice(i, 1)[0]!;
  }
}

function hostile(server: Server, inputs: HostileInputs, i: number): void {
  const rtmp = i % 2 === 0;
  const socket = net.connect({ port: rtmp ? server.rtmp : server.http, host: '127.0.0.1' });
  socket.on('error', () => {});
  socket.on('data', () => {});
  const bytes = inputs.next(rtmp);
  socket.once('connect', () => socket.write(bytes));
  setTimeout(() => (Math.random() < 0.5 ? socket.resetAndDestroy() : socket.destroy()), rand(100, 1_500));
}

// --- figures ------------------------------------------------------------------------------------------------

interface Sample {
  t: number;
  rss: number;
  heapUsed: number;
  external: number;
  fds: number;
  procFds: number;
  handles: number;
  loopP99Ms: number;
  viewers: number;
  serverViewers: number;
  streams: number;
  droppedTags: number;
  clientsOpen: number;
}

/** Least-squares slope of y over t (t in ms), per 10 minutes. */
function slopePer10Min(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mt = points.reduce((s, [t]) => s + t, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [t, y] of points) {
    num += (t - mt) * (y - my);
    den += (t - mt) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 600_000;
}

const MB = 1048576;

function percentiles(values: number[]): { p50: number; p99: number; max: number } | undefined {
  if (values.length === 0) return undefined;
  const v = values.slice().sort((x, y) => x - y);
  const at = (q: number): number => Math.round(v[Math.min(v.length - 1, Math.floor(q * v.length))]!);
  return { p50: at(0.5), p99: at(0.99), max: Math.round(v[v.length - 1]!) };
}

async function sample(server: Server, startedAt: number, clientsOpen: number): Promise<Sample> {
  const text = await get(server.api, '/metrics');
  let procFds = Number.NaN;
  try {
    procFds = readdirSync(`/proc/${server.child.pid}/fd`).length;
  } catch {
    // not Linux: the metric stands alone
  }
  return {
    t: now() - startedAt,
    rss: metric(text, 'process_resident_memory_bytes'),
    heapUsed: metric(text, 'nodejs_heap_size_used_bytes'),
    external: metric(text, 'nodejs_external_memory_bytes'),
    fds: metric(text, 'process_open_fds'),
    procFds,
    handles: metric(text, 'nodejs_active_handles_total'),
    loopP99Ms: metric(text, 'nodejs_eventloop_lag_p99_seconds') * 1000,
    viewers: clientsOpen,
    serverViewers: metric(text, 'flvcast_viewers'),
    streams: metric(text, 'flvcast_streams'),
    droppedTags: metric(text, 'flvcast_dropped_tags_total'),
    clientsOpen,
  };
}

// --- the run ------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  mkdirSync(cacheDir, { recursive: true });
  if (!existsSync(cli)) throw new Error(`no flvcast CLI at ${cli} (tsc -b there?)`);
  console.log(`soak: ${cli} · ${MINUTES} min, ${PUBLISHERS} publishers, ~${VIEWERS} viewers (${SLOW_SHARE * 100} % slow), kinds ${CLIENT_KINDS.map((k) => k.name).join(', ')}; warm-up ${(WARMUP_MS / 60_000).toFixed(1)} min; seed ${SEED} (--seed replays the hostile trickle)`);
  const input = await encodeInput();
  const peer = RELAY ? await startPeer(cli) : undefined;
  const dvrDir = `${cacheDir}dvr-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const server = await startServer([...(peer === undefined ? [] : relayArgs(peer, PUBLISHERS)), ...(DVR ? dvrArgs(dvrDir) : [])]);
  const vod = DVR ? new VodProbe(() => server.http) : undefined;
  const startedAt = now();
  await sleep(2_000);
  await server.inspector!.collectGarbage();
  const baseline = await sample(server, startedAt, 0);
  console.log(`baseline: fds ${baseline.fds}, handles ${baseline.handles}, heap ${(baseline.heapUsed / MB).toFixed(1)} MB`);

  const publishers = await Promise.all(
    Array.from({ length: PUBLISHERS }, async (_, i) => {
      const watch = new InputWatch(server.rtmp);
      await watch.listen();
      return new Publisher(`s${i}`, input, watch);
    }),
  );
  for (const p of publishers) p.start();
  await sleep(3_000);

  const live = new Set<Viewer>();
  const finished: Viewer[] = [];
  let opened = 0;
  let hostileCount = 0;
  const hostileInputs = new HostileInputs(SEED);
  let apiPolls = 0;
  let apiErrors = 0;
  const samples: Sample[] = [];
  const relaySamples: Array<RelaySample & { t: number }> = [];
  const afterGc: Sample[] = []; // one a minute, right after a forced full GC
  const endAt = startedAt + MINUTES * 60_000;
  let nextSample = now() + SAMPLE_MS;
  let tick = 0;

  while (now() < endAt) {
    tick++;
    // Viewer churn: about VIEWERS connected, each staying 5–60 s; one or two leave and join every second.
    for (const v of [...live]) {
      if (v.closed) {
        live.delete(v);
        finished.push(v);
      }
    }
    const leaving = [...live].filter(() => Math.random() < 1 / 30).slice(0, 3);
    for (const v of leaving) v.close();
    for (let joins = 0; live.size < VIEWERS && joins < 3; joins++) {
      const kind = CLIENT_KINDS[opened % CLIENT_KINDS.length]!;
      const stream = publishers[Math.floor(Math.random() * publishers.length)]!.name;
      live.add(kind.open({ http: server.http, rtmp: server.rtmp }, stream, Math.random() < SLOW_SHARE));
      opened++;
    }
    // Hostile trickle: one connection every 2 s. API polling: every 2 s.
    if (tick % 2 === 0) hostile(server, hostileInputs, hostileCount++);
    if (tick % 2 === 1) {
      apiPolls++;
      Promise.all([get(server.api, '/api/v1/streams'), get(server.api, '/api/v1/summary')]).catch(() => apiErrors++);
    }
    if (now() >= nextSample) {
      nextSample += SAMPLE_MS;
      try {
        const s = await sample(server, startedAt, live.size);
        samples.push(s);
        if (peer !== undefined) relaySamples.push({ ...(await relaySample(server.api)), t: s.t });
        void vod?.probe();
        console.log(
          `${(s.t / 60_000).toFixed(1)} min: rss ${(s.rss / MB).toFixed(1)} MB, heap ${(s.heapUsed / MB).toFixed(1)} MB, external ${(s.external / MB).toFixed(1)} MB, ` +
            `fds ${s.fds}, handles ${s.handles}, loop p99 ${s.loopP99Ms.toFixed(1)} ms, viewers ${s.serverViewers}, streams ${s.streams}, dropped ${s.droppedTags}`,
        );
        if (samples.length % GC_EVERY_SAMPLES === 0) {
          await server.inspector!.collectGarbage();
          const g = await sample(server, startedAt, live.size);
          afterGc.push(g);
          console.log(`  after a full GC: heap ${(g.heapUsed / MB).toFixed(1)} MB, external ${(g.external / MB).toFixed(1)} MB, rss ${(g.rss / MB).toFixed(1)} MB`);
        }
      } catch (err) {
        console.log(`sample failed: ${(err as Error).message}`);
      }
    }
    if (server.child.exitCode !== null) throw new Error(`flvcast exited during the soak (code ${server.child.exitCode}):\n${server.output.slice(-4000)}`);
    if (peer !== undefined && peer.child.exitCode !== null) throw new Error(`the relay peer exited during the soak (code ${peer.child.exitCode}):\n${peer.output.slice(-4000)}`);
    await sleep(1_000);
  }

  // Everything stops; the server settles.
  for (const v of live) v.close();
  finished.push(...live);
  await Promise.all(publishers.map((p) => p.stop()));
  await sleep(15_000);
  await server.inspector!.collectGarbage();
  const final = await sample(server, startedAt, 0);
  const finalMetrics = DVR ? await get(server.api, '/metrics').catch(() => '') : '';
  server.inspector!.close();
  const stopAt = now();
  server.child.kill('SIGTERM');
  const exitCode = await new Promise<number | null>((resolve) => (server.child.exitCode !== null ? resolve(server.child.exitCode) : server.child.once('close', (code) => resolve(code))));
  // After the server's own shutdown: every recording must be finished (renamed, indexed).
  const recordings = DVR ? await checkRecordings(dvrDir) : undefined;
  // About 60 MB per publisher-hour: the report keeps the figures, the files go.
  rmSync(dvrDir, { recursive: true, force: true });
  peer?.child.kill('SIGTERM');
  const peerExitCode = peer === undefined ? undefined : await new Promise<number | null>((resolve) => (peer.child.exitCode !== null ? resolve(peer.child.exitCode) : peer.child.once('close', (code) => resolve(code))));

  // Gaps of healthy viewers (not slow), not across their publisher's own restarts.
  const byName = new Map(publishers.map((p) => [p.name, p]));
  const healthy = finished.filter((v) => !v.slow && v.bytes > 0);
  // A gap is the server's unless its publisher was restarting or its input had stalled (InputWatch).
  const gapsOf = (which: 'server' | 'restart' | 'input') =>
    healthy.flatMap((v) =>
      v.gaps
        .filter(([a, b]) => {
          const p = byName.get(v.stream)!;
          const cause = p.excused(a, b) ? 'restart' : p.watch.stalledDuring(a, b) ? 'input' : 'server';
          return cause === which;
        })
        .map(([a, b]) => ({ kind: v.kind, stream: v.stream, at: +((a - startedAt) / 1000).toFixed(1), ms: Math.round(b - a) })),
    );
  // Refused viewers (the server said no: an RTMP player's NetStream.Play.Failed, say), by kind and reason; a
  // refusal while its publisher was restarting is the stream's absence, reported apart.
  const refusalExcused = (v: Viewer): boolean => v.failedAt !== undefined && byName.get(v.stream)!.excused(v.failedAt, v.failedAt);
  const refusedViewers = finished.filter((v) => v.failed !== undefined && !refusalExcused(v));
  const refusalsByKind = Object.fromEntries(
    CLIENT_KINDS.map((k) => {
      const mine = refusedViewers.filter((v) => v.kind === k.name);
      const reasons: Record<string, number> = {};
      for (const v of mine) reasons[v.failed!] = (reasons[v.failed!] ?? 0) + 1;
      return [k.name, { viewers: finished.filter((v) => v.kind === k.name).length, refused: mine.length, reasons }];
    }).filter(([, f]) => (f as { refused: number }).refused > 0),
  );
  const badGaps = gapsOf('server');
  const inputGaps = gapsOf('input');
  const excusedGaps = gapsOf('restart').length;

  const after = samples.filter((s) => s.t >= WARMUP_MS);
  const slope = (pick: (s: Sample) => number, from = after): number => slopePer10Min(from.map((s) => [s.t, pick(s)]));
  const afterGcWarm = afterGc.filter((s) => s.t >= WARMUP_MS);
  const report = {
    minutes: MINUTES,
    warmupMinutes: WARMUP_MS / 60_000,
    startedAt: new Date(Date.now() - (stopAt - startedAt)).toISOString(),
    clients: {
      publishers: PUBLISHERS,
      publisherRestarts: publishers.reduce((n, p) => n + p.restarts, 0),
      publisherKills: publishers.reduce((n, p) => n + p.kills, 0),
      viewersOpened: opened,
      viewersByKind: Object.fromEntries(CLIENT_KINDS.map((k) => [k.name, finished.filter((v) => v.kind === k.name).length])),
      slowViewers: finished.filter((v) => v.slow).length,
      viewersThatGotMedia: finished.filter((v) => v.bytes > 0).length,
      viewersThatGotMediaByKind: Object.fromEntries(CLIENT_KINDS.map((k) => [k.name, finished.filter((v) => v.kind === k.name && v.bytes > 0).length])),
      hostileConnections: hostileCount,
      apiPolls,
      apiErrors,
    },
    seed: SEED,
    // Retention: samples taken right after a forced full GC, once a minute. These judge the memory targets.
    slopesPer10MinAfterWarmupAfterGc: {
      heapUsedMB: slope((s) => s.heapUsed, afterGcWarm) / MB,
      externalMB: slope((s) => s.external, afterGcWarm) / MB,
      rssMB: slope((s) => s.rss, afterGcWarm) / MB,
      points: afterGcWarm.length,
    },
    // Raw scrapes every 10 s: a sawtooth whose phase depends on when V8 last collected.
    slopesPer10MinAfterWarmup: {
      heapUsedMB: slope((s) => s.heapUsed) / MB,
      externalMB: slope((s) => s.external) / MB,
      rssMB: slope((s) => s.rss) / MB,
      fds: slope((s) => s.fds),
      handles: slope((s) => s.handles),
    },
    eventLoopP99Ms: { max: Math.max(...samples.map((s) => s.loopP99Ms)), median: samples.map((s) => s.loopP99Ms).sort((a, b) => a - b)[Math.floor(samples.length / 2)] },
    baseline: { fds: baseline.fds, procFds: baseline.procFds, handles: baseline.handles, heapUsedMB: baseline.heapUsed / MB, externalMB: baseline.external / MB, rssMB: baseline.rss / MB },
    final: { fds: final.fds, procFds: final.procFds, handles: final.handles, heapUsedMB: final.heapUsed / MB, externalMB: final.external / MB, rssMB: final.rss / MB, viewers: final.serverViewers, streams: final.streams },
    droppedTags: final.droppedTags,
    // Viewers the server refused; not excused silently: a failing viewer fails the run.
    failingViewers: {
      refused: refusedViewers.length,
      refusedDuringPublisherRestart: finished.filter((v) => v.failed !== undefined && refusalExcused(v)).length,
      byKind: refusalsByKind,
    },
    gaps: {
      healthyViewers: healthy.length,
      over1s: badGaps.length,
      excusedByPublisherRestart: excusedGaps,
      // Printed, not excused silently: gaps during a publisher's input stall, and the stalls themselves.
      duringInputStall: inputGaps.length,
      inputStalls: publishers.reduce((n, p) => n + p.watch.stalls.length, 0),
      inputStallMs: percentiles(publishers.flatMap((p) => p.watch.stalls.map(([x, y]) => y - x))),
      worst: badGaps.sort((a, b) => b.ms - a.ms).slice(0, 10),
      worstDuringInputStall: inputGaps.sort((a, b) => b.ms - a.ms).slice(0, 5),
    },
    // Forward and pull: how often each was in its working state when sampled (after the warm-up), and the
    // totals of the last sample.
    dvr:
      recordings === undefined
        ? undefined
        : {
            ...recordings,
            failures: metric(finalMetrics, 'flvcast_dvr_failures_total'),
            droppedBytes: metric(finalMetrics, 'flvcast_dvr_dropped_bytes_total'),
            writtenBytes: metric(finalMetrics, 'flvcast_dvr_written_bytes_total'),
            vod: { lists: vod!.lists, starts: vod!.starts, errors: vod!.errors },
          },
    relay: peer === undefined ? undefined : relayFigures(relaySamples.filter((r) => r.t >= WARMUP_MS), relaySamples.at(-1), peerExitCode ?? null, peer.output),
    serverExitCode: exitCode,
    serverOutputMentionsUncaught: /uncaught|unhandled/i.test(server.output),
    samples,
    afterGc,
  };
  const targets = {
    heapSlope: Math.abs(report.slopesPer10MinAfterWarmupAfterGc.heapUsedMB) <= 1,
    externalSlope: Math.abs(report.slopesPer10MinAfterWarmupAfterGc.externalMB) <= 1,
    fdsBack: Math.abs(final.fds - baseline.fds) <= 5,
    handlesBack: Math.abs(final.handles - baseline.handles) <= 5,
    eventLoopP99: report.eventLoopP99Ms.max <= 50,
    noGaps: badGaps.length === 0,
    noFailingViewers: refusedViewers.length === 0,
    cleanExit: exitCode === 0 && !report.serverOutputMentionsUncaught,
    ...(report.dvr === undefined
      ? {}
      : {
          recordingsFinished: report.dvr.files > 0 && report.dvr.tmpLeft.length === 0 && report.dvr.invalid.length === 0 && report.dvr.failures === 0,
          vodServed: report.dvr.vod.starts > 0 && report.dvr.vod.errors.length === 0,
        }),
    ...(report.relay === undefined ? {} : { relayUp: report.relay.forwardingShare >= 0.95 && report.relay.pullingShare >= 0.95, relayPeerCleanExit: report.relay.peerCleanExit }),
  };
  const file = `${cacheDir}soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify({ ...report, targets }, null, 2));
  const { samples: _omit, afterGc: _omitToo, ...summary } = report;
  void _omit;
  void _omitToo;
  console.log(JSON.stringify({ ...summary, targets }, null, 2));
  for (const [kind, f] of Object.entries(refusalsByKind) as [string, { viewers: number; refused: number; reasons: Record<string, number> }][]) {
    console.log(`FAILING VIEWERS: ${kind}: ${f.refused} of ${f.viewers} refused by the server (${Object.entries(f.reasons).map(([r, n]) => `${r}: ${n}`).join('; ')})`);
  }
  console.log(`report: ${file}`);
  process.exitCode = Object.values(targets).every(Boolean) ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});

/**
 * The relay's share of samples in its working state: forwards `forwarding` (a publisher restart leaves it
 * waiting for at most the restart, within the grace window), always-on pulls `pulling`. On-demand pulls
 * come and go with viewers and are only counted.
 */
function relayFigures(warm: RelaySample[], last: RelaySample | undefined, peerExitCode: number | null, peerOutput: string) {
  const forwards = warm.flatMap((s) => s.forwards);
  const alwaysOn = warm.flatMap((s) => s.pulls.filter((p) => !p.onDemand));
  const share = (list: Array<{ state: string }>, state: string): number => (list.length === 0 ? 0 : list.filter((x) => x.state === state).length / list.length);
  return {
    samples: warm.length,
    forwardingShare: share(forwards, 'forwarding'),
    forwardStates: countBy(forwards.map((f) => f.state)),
    pullingShare: share(alwaysOn, 'pulling'),
    alwaysOnPullStates: countBy(alwaysOn.map((p) => p.state)),
    onDemandPullStates: countBy(warm.flatMap((s) => s.pulls.filter((p) => p.onDemand).map((p) => p.state))),
    last: last === undefined ? undefined : {
      forwards: last.forwards.length,
      forwardReconnects: last.forwards.reduce((n, f) => n + f.reconnects, 0),
      forwardDrops: last.forwards.reduce((n, f) => n + f.drops, 0),
      pulls: last.pulls.length,
      pullReconnects: last.pulls.reduce((n, p) => n + p.reconnects, 0),
    },
    peerCleanExit: peerExitCode === 0 && !/uncaught|unhandled/i.test(peerOutput),
  };
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
