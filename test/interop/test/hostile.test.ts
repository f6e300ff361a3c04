/**
 * The hostile-input suite. Against one server (both plugins, limits and HTTP timeouts set as the flvcast server
 * sets them): seeded mutations of a real ffmpeg publish session, chunk-header and AMF0 fuzz, fuzzed media
 * payloads, 10 000 rapid connect/close cycles on each port, slowloris, and path tricks. Throughout, a real
 * ffmpeg stream keeps flowing to an HTTP-FLV and a WS-FLV viewer; afterwards every count (RTMP connections,
 * client addresses, streams, viewers, open HTTP sockets) is back to its baseline. The seed is printed, and
 * FLVCAST_FUZZ_SEED replays a run. Each fuzz phase runs a fixed number of iterations or until its time
 * budget is spent (whichever comes first), so the suite stays within about a minute on a loaded machine.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { Amf0EcmaArray, encodeAmf0, type Amf0Value } from '@flvcast/amf0';
import { ChunkWriter, RtmpClientSession, type RtmpClientEvent } from '@flvcast/rtmp';
import {
  HttpFlvViewer,
  publish,
  sleep,
  startApp,
  waitForMedia,
  waitUntil,
  withTimeout,
  type Proc,
  type StartedApp,
} from '../src/tools.js';

const SEED = Number(process.env.FLVCAST_FUZZ_SEED ?? 0x5eed2026) >>> 0;
const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
const HANDSHAKE_TIMEOUT_MS = 1000;
/** C0 + C1 + C2 of the simple handshake. */
const HANDSHAKE_BYTES = 1 + 1536 + 1536;

/** Deterministic random numbers (xorshift32): a failing run is replayed with its seed. */
class Rng {
  #x: number;
  constructor(seed: number) {
    this.#x = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.#x;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#x = x >>> 0;
    return this.#x;
  }
  int(n: number): number {
    return this.next() % n;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

const BOUNDARY = [0x00, 0x01, 0x02, 0x03, 0x05, 0x08, 0x09, 0x0a, 0x7f, 0x80, 0xc0, 0xfe, 0xff];

/** One random edit of a byte stream within [from, to): flips, boundary values, inserts, deletes, repeats, truncation. */
function mutate(src: Uint8Array, rng: Rng, from = 0, to = src.length): Uint8Array {
  const at = from + rng.int(Math.max(1, to - from));
  switch (rng.int(6)) {
    case 0: {
      const b = Uint8Array.from(src);
      for (let n = 1 + rng.int(16); n > 0; n--) {
        const j = from + rng.int(Math.max(1, to - from));
        b[j] = b[j]! ^ (1 << rng.int(8));
      }
      return b;
    }
    case 1: {
      const b = Uint8Array.from(src);
      for (let n = 1 + rng.int(4); n > 0; n--) b[from + rng.int(Math.max(1, to - from))] = rng.pick(BOUNDARY);
      return b;
    }
    case 2:
      return concat(src.subarray(0, at), rng.bytes(1 + rng.int(64)), src.subarray(at));
    case 3:
      return concat(src.subarray(0, at), src.subarray(Math.min(src.length, at + 1 + rng.int(256))));
    case 4: {
      const piece = src.subarray(at, at + 1 + rng.int(512));
      return concat(src.subarray(0, at), piece, piece, piece, src.subarray(at));
    }
    default:
      return concat(src.subarray(0, at), rng.bytes(rng.int(128)));
  }
}

/** The parts, joined (a plain Uint8Array, as the parsers get). */
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

/** Runs `count` jobs with at most `concurrency` at once; stops starting new ones once `budgetMs` is spent. */
async function pool(count: number, concurrency: number, budgetMs: number, job: (i: number) => Promise<void>): Promise<{ done: number; ms: number }> {
  const started = performance.now();
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < count && performance.now() - started < budgetMs) {
      const i = next++;
      await job(i);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { done, ms: performance.now() - started };
}

/**
 * Opens a TCP connection, writes `bytes` (in up to three pieces), then waits for the server to close it, for
 * `holdMs` at most, and closes our side. Never throws: the server may refuse or reset at any point.
 */
async function fire(port: number, bytes: Uint8Array, holdMs: number, rng: Rng): Promise<void> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  socket.on('data', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const connected = await Promise.race([new Promise<boolean>((resolve) => socket.once('connect', () => resolve(true))), closed.then(() => false)]);
  if (connected) {
    const cuts = [rng.int(bytes.length + 1), rng.int(bytes.length + 1)].sort((a, b) => a - b);
    for (const [a, b] of [[0, cuts[0]!], [cuts[0]!, cuts[1]!], [cuts[1]!, bytes.length]] as const) {
      if (b > a && !socket.destroyed) socket.write(bytes.subarray(a, b));
    }
    await Promise.race([closed, sleep(holdMs)]);
  }
  socket.destroy();
  await withTimeout(closed, 2_000, 'a fuzz socket to close');
}

/** C0 C1 C2 without waiting for S1: the server does not check C2 (encoders send anything there). */
function blindHandshake(rng: Rng): Uint8Array {
  return concat(Uint8Array.of(3), rng.bytes(1536 * 2));
}

function command(writer: ChunkWriter, streamId: number, ...values: Amf0Value[]): Uint8Array {
  return writer.write({ csid: 3, type: 20, streamId, timestamp: 0, payload: encodeAmf0(...values) });
}

/** A well-formed connect, createStream and publish, as raw bytes (the server answers; we don't wait). */
function publishPreamble(writer: ChunkWriter, name: string): Uint8Array {
  return concat(
    command(writer, 0, 'connect', 1, { app: 'live', tcUrl: 'rtmp://127.0.0.1/live', flashVer: 'FMLE/3.0', type: 'nonprivate' }),
    command(writer, 0, 'releaseStream', 2, null, name),
    command(writer, 0, 'FCPublish', 3, null, name),
    command(writer, 0, 'createStream', 4, null),
    command(writer, 1, 'publish', 5, null, name, 'live'),
  );
}

/** Random chunks: any fmt, the three csid encodings, extended timestamps, any type and length. */
function randomChunks(rng: Rng, n: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const fmt = rng.int(4);
    const form = rng.int(4);
    const head: number[] = [];
    if (form === 0) head.push(fmt << 6, rng.int(256));
    else if (form === 1) head.push((fmt << 6) | 1, rng.int(256), rng.int(256));
    else head.push((fmt << 6) | (2 + rng.int(62)));
    const ts = rng.int(4) === 0 ? 0xffffff : rng.int(0x1000000);
    const length = rng.pick([0, 1, 4, 5, 128, 129, 4096, rng.int(300), rng.int(0x1000000), 0xffffff]);
    const type = rng.pick([1, 2, 3, 4, 5, 6, 8, 9, 15, 16, 17, 18, 19, 20, 22, rng.int(256)]);
    if (fmt <= 2) head.push((ts >> 16) & 0xff, (ts >> 8) & 0xff, ts & 0xff);
    if (fmt <= 1) head.push((length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff, type);
    if (fmt === 0) head.push(...rng.bytes(4));
    if (ts === 0xffffff && fmt <= 2) head.push(...rng.bytes(4));
    parts.push(Uint8Array.from(head), rng.bytes(rng.int(200)));
  }
  return concat(...parts);
}

/** Real AMF0 as encoders and players send it, to be mutated. */
const AMF_SEEDS: Amf0Value[][] = [
  ['connect', 1, { app: 'live', flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)', tcUrl: 'rtmp://127.0.0.1:1935/live', fpad: false, capabilities: 15, audioCodecs: 3575, videoCodecs: 252, videoFunction: 1, objectEncoding: 0, fourCcList: ['hvc1', 'av01', 'vp09'] }],
  ['@setDataFrame', 'onMetaData', new Amf0EcmaArray({ duration: 0, width: 1920, height: 1080, videodatarate: 2500, framerate: 30, videocodecid: 7, audiodatarate: 128, audiosamplerate: 48000, audiosamplesize: 16, stereo: true, audiocodecid: 10, encoder: 'Lavf61.7.100', filesize: 0 })],
  ['publish', 5, null, 'cam?token=abc&vhost=x', 'live'],
  ['FCPublish', 3, null, 'cam'],
  ['onStatus', 0, null, { level: 'status', code: 'NetStream.Publish.Start', description: 'x', details: [1, 'two', { three: new Date(0) }], nested: { a: { b: { c: [null, undefined, true] } } } }],
];

/** FLV media bodies as encoders send them (sequence headers are parsed by the hub), to be mutated. */
const MEDIA_SEEDS: Array<{ type: 8 | 9; payload: Uint8Array }> = [
  { type: 9, payload: Uint8Array.from([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 14, 0x67, 0x42, 0xc0, 0x1e, 0xd9, 1, 0x41, 0xfb, 1, 0x10, 0, 0, 3, 0, 1, 0, 4, 0x68, 0xcb, 0x83, 0xcb]) },
  { type: 9, payload: Uint8Array.from([0x17, 1, 0, 0, 0x28, 0, 0, 0, 5, 0x65, 0x88, 0x84, 0x00, 0x33]) },
  // Enhanced RTMP: HEVC sequence start (hvc1) with a truncated record, and AV1 coded frames.
  { type: 9, payload: Uint8Array.from([0x90, 0x68, 0x76, 0x63, 0x31, 1, 1, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x5d, 0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 3, 0x20, 0, 1, 0, 24]) },
  { type: 9, payload: Uint8Array.from([0x91, 0x61, 0x76, 0x30, 0x31, 0x12, 0, 0x0a, 0x0b, 0, 0, 0, 0x24, 0x4f, 0x7e, 0x7f]) },
  { type: 8, payload: Uint8Array.from([0xaf, 0, 0x12, 0x10]) },
  { type: 8, payload: Uint8Array.from([0xaf, 1, 0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c]) },
  // Enhanced audio: Opus sequence start.
  { type: 8, payload: Uint8Array.from([0x90, 0x4f, 0x70, 0x75, 0x73, 0x4f, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64, 1, 2, 0x38, 1, 0x80, 0xbb, 0, 0, 0, 0, 0]) },
];

/** A viewer's arrival times: the longest silence between two consecutive deliveries. */
function maxGap(times: readonly number[], from: number): number {
  let gap = 0;
  let prev = from;
  for (const t of times) {
    if (t < from) continue;
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return Math.max(gap, performance.now() - prev);
}

function gcIfExposed(): (() => void) | undefined {
  try {
    // Only to make the printed heap figures meaningful; the assertions are on counts.
    v8.setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

const mb = (n: number): string => (n / 1048576).toFixed(1);

describe('hostile input: the process survives, other streams keep flowing, counts return to baseline', { timeout: 150_000 }, () => {
  let server: StartedApp;
  let encoder: Proc;
  let viewer: HttpFlvViewer;
  let ws: WebSocket;
  const wsArrivals: number[] = [];
  let capture: Uint8Array;
  let suiteStart = 0;
  const gc = gcIfExposed();
  let baseline: NodeJS.MemoryUsage;
  const figures: string[] = [];

  const connectionsOpen = (): Promise<number> => new Promise((resolve, reject) => server.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  const victim = () => server.app.streams.get({ vhost: '', app: 'live', stream: 'victim' });

  /** The victim's stream is still flowing to both viewers (new bytes within 2 s). */
  async function assertFlowing(what: string): Promise<void> {
    const bytes = viewer.flv.bytes;
    const wsCount = wsArrivals.length;
    await viewer.waitFor((v) => v.flv.bytes > bytes + 1000, 3_000, `the HTTP-FLV viewer to keep receiving after ${what}`);
    await waitUntil(() => wsArrivals.length > wsCount + 5, 3_000, `the WS-FLV viewer to keep receiving after ${what}`);
    assert.equal(viewer.ended || viewer.aborted, false, 'the HTTP viewer is still connected');
    assert.equal(viewer.flv.error, undefined, 'and its stream still parses');
    assert.equal(encoder.exited, false, `the ffmpeg publisher is still running: ${encoder.stderr}`);
  }

  /** Every count is back where it was once the attack's connections are gone. */
  async function assertBaseline(what: string): Promise<void> {
    const counts = async () => ({
      rtmpConnections: server.app.rtmp.connections,
      rtmpClientAddresses: server.app.rtmp.clientAddresses,
      streams: server.app.streams.size,
      victimViewers: victim()?.subscribers.size,
      flvViewers: server.app.flvViewers.viewers,
      flvKeys: server.app.flvViewers.trackedKeys,
      httpSockets: await connectionsOpen(),
    });
    const expected = { rtmpConnections: 1, rtmpClientAddresses: 1, streams: 1, victimViewers: 2, flvViewers: 2, flvKeys: { clientAddresses: 1, streams: 1 }, httpSockets: 2 };
    const deadline = performance.now() + HANDSHAKE_TIMEOUT_MS + 5_000;
    let now = await counts();
    while (JSON.stringify(now) !== JSON.stringify(expected) && performance.now() < deadline) {
      await sleep(50);
      now = await counts();
    }
    assert.deepEqual(now, expected, `counts back to baseline after ${what}`);
  }

  before(async () => {
    server = await startApp({
      captureLogs: true,
      logLevel: 'warn',
      // As the flvcast server sets them (packages/server/src/build-server.ts), with short timeouts.
      fastify: {
        requestTimeout: REQUEST_TIMEOUT_MS,
        keepAliveTimeout: 1000,
        http: { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 250 },
      },
      rtmp: { handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS, firstPacketTimeoutMs: 2000, idleTimeoutMs: 2000, maxMessageSizeBytes: 1024 * 1024, maxConnectionsPerIp: 500 },
      httpFlv: { maxViewersPerIp: 30, reconnectGraceMs: 0 },
    });
    console.log(`# hostile suite seed ${SEED} (replay with FLVCAST_FUZZ_SEED=${SEED})`);

    // A real ffmpeg publish session, captured through a recording proxy: the raw material of the mutations.
    const recorded: Buffer[] = [];
    let size = 0;
    const proxy = net.createServer((client) => {
      const upstream = net.connect({ port: server.rtmpPort, host: '127.0.0.1' });
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('data', (d: Buffer) => {
        if (size < 48 * 1024) recorded.push(d);
        size += d.length;
        upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => client.write(d));
      for (const s of [client, upstream]) s.on('close', end).on('error', end);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const recorder = publish(`rtmp://127.0.0.1:${(proxy.address() as net.AddressInfo).port}/live/fuzz`, 'av', { seconds: 5 });
    await waitUntil(() => size >= 48 * 1024 || recorder.exited, 15_000, 'ffmpeg to send 48 KiB through the recording proxy');
    await recorder.kill();
    proxy.close();
    capture = Buffer.concat(recorded).subarray(0, 48 * 1024);
    assert.ok(capture.length >= 16 * 1024, `captured ${capture.length} bytes of a real publish session`);
    assert.equal(capture[0], 3, 'the capture starts with C0');
    await waitUntil(() => server.app.streams.size === 0 && server.app.rtmp.connections === 0, 5_000, 'the recording session to be gone');

    encoder = publish(`${server.rtmpUrl}/live/victim`, 'av', { seconds: 150 });
    await waitForMedia(server.app, 'victim');
    viewer = await HttpFlvViewer.open(`${server.httpUrl}/live/victim.flv`);
    assert.equal(viewer.status, 200);
    ws = new WebSocket(`${server.wsUrl}/live/victim.flv`, { perMessageDeflate: false });
    ws.on('message', () => wsArrivals.push(performance.now()));
    await withTimeout(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 3_000, 'the WS viewer to open');
    await viewer.waitFor((v) => v.flv.bytes > 10_000, 5_000, 'the viewer to start receiving');
    gc?.();
    baseline = process.memoryUsage();
    suiteStart = performance.now();
    await assertBaseline('startup');
  });

  after(async () => {
    viewer?.close();
    ws?.terminate();
    await encoder?.kill();
    await server?.app.close();
    for (const line of figures) console.log(`# ${line}`);
  });

  test('mutations of a real ffmpeg publish session (handshake, commands, metadata, media)', async () => {
    const rng = new Rng(SEED);
    const result = await pool(2000, 25, 8_000, async () => {
      // Most mutations land past the handshake, so they reach the chunk and command parsers.
      const region = rng.int(10);
      const [from, to] = region < 2 ? [0, HANDSHAKE_BYTES] : region < 6 ? [HANDSHAKE_BYTES, HANDSHAKE_BYTES + 1024] : [HANDSHAKE_BYTES, capture.length];
      let bytes = mutate(capture, rng, from, to);
      if (rng.int(3) === 0) bytes = mutate(bytes, rng, HANDSHAKE_BYTES, bytes.length);
      await fire(server.rtmpPort, bytes, 150, rng);
    });
    figures.push(`ffmpeg-session mutations: ${result.done} connections in ${result.ms.toFixed(0)} ms`);
    assert.ok(result.done >= 100, `at least 100 mutated sessions ran (${result.done})`);
    await assertFlowing('the session mutations');
    await assertBaseline('the session mutations');
  });

  test('chunk-header fuzz: random fmt, csid forms, extended timestamps, types and lengths', async () => {
    const rng = new Rng(SEED ^ 0x1111);
    const result = await pool(1000, 25, 4_000, async () => {
      const writer = new ChunkWriter();
      const preamble = rng.int(2) === 0 ? command(writer, 0, 'connect', 1, { app: 'live' }) : new Uint8Array(0);
      await fire(server.rtmpPort, concat(blindHandshake(rng), preamble, randomChunks(rng, 1 + rng.int(40))), 100, rng);
    });
    figures.push(`chunk-header fuzz: ${result.done} connections in ${result.ms.toFixed(0)} ms`);
    await assertFlowing('the chunk-header fuzz');
    await assertBaseline('the chunk-header fuzz');
  });

  test('AMF0 fuzz: mutated commands and data messages after a well-formed publish', async () => {
    const rng = new Rng(SEED ^ 0x2222);
    const result = await pool(1000, 25, 4_000, async (i) => {
      const writer = new ChunkWriter();
      const parts = [blindHandshake(rng), publishPreamble(writer, `amf${i}`)];
      for (let n = 1 + rng.int(8); n > 0; n--) {
        let payload = encodeAmf0(...rng.pick(AMF_SEEDS));
        for (let m = 1 + rng.int(3); m > 0; m--) payload = mutate(payload, rng);
        const type = rng.pick([20, 20, 18, 18, 17, 15]);
        // AMF3 variants (17, 15) start with a format byte.
        if (type === 17 || type === 15) payload = concat(Uint8Array.of(0), payload);
        parts.push(writer.write({ csid: rng.pick([3, 4, 5]), type, streamId: rng.pick([0, 1, 1, 2]), timestamp: rng.int(1000), payload }));
      }
      await fire(server.rtmpPort, concat(...parts), 100, rng);
    });
    figures.push(`AMF0 fuzz: ${result.done} connections in ${result.ms.toFixed(0)} ms`);
    await assertFlowing('the AMF0 fuzz');
    await assertBaseline('the AMF0 fuzz');
  });

  test('media fuzz: mutated sequence headers and frames (AVC, HEVC, AV1, AAC, Opus) from a real client session', async () => {
    const rng = new Rng(SEED ^ 0x3333);
    let published = 0;
    const result = await pool(100, 10, 5_000, async (i) => {
      const socket = net.connect({ port: server.rtmpPort, host: '127.0.0.1' });
      socket.on('error', () => {});
      const session = new RtmpClientSession({ app: 'live', tcUrl: `${server.rtmpUrl}/live` });
      const events: RtmpClientEvent[] = [];
      const flush = (): void => {
        for (const out of session.takeOutput()) if (!socket.destroyed) socket.write(out);
      };
      socket.on('data', (d: Buffer) => {
        try {
          events.push(...session.push(new Uint8Array(d)));
        } catch {
          socket.destroy();
        }
        flush();
      });
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      session.publish(`media${i}`);
      session.start();
      flush();
      await Promise.race([closed, waitUntil(() => events.some((e) => e.type === 'published'), 3_000, 'the fuzz publisher to start').catch(() => {})]);
      if (events.some((e) => e.type === 'published')) {
        published++;
        session.sendMetadata({ width: rng.int(5000), height: -1, framerate: Number.NaN, videocodecid: rng.pick([7, 12, 'hvc1', 'av01']) });
        for (let n = 0; n < 200 && !socket.destroyed; n++) {
          const seed = rng.pick(MEDIA_SEEDS);
          const payload = rng.int(8) === 0 ? rng.bytes(rng.int(64)) : mutate(seed.payload, rng);
          if (seed.type === 9) session.sendVideo(n * 40, payload);
          else session.sendAudio(n * 40, payload);
          if (n % 20 === 0) {
            flush();
            await sleep(1);
          }
        }
        flush();
        await Promise.race([closed, sleep(100)]);
      }
      socket.destroy();
      await withTimeout(closed, 2_000, 'a media fuzz socket to close');
    });
    figures.push(`media fuzz: ${result.done} sessions (${published} publishing) in ${result.ms.toFixed(0)} ms`);
    assert.ok(published > 0, 'some fuzz sessions got to publish, so their media reached the hub');
    await assertFlowing('the media fuzz');
    await assertBaseline('the media fuzz');
  });

  test('10 000 rapid connect/close cycles on the RTMP port (50 at a time)', async () => {
    const rng = new Rng(SEED ^ 0x4444);
    const c0c1 = concat(Uint8Array.of(3), rng.bytes(1536));
    const result = await pool(10_000, 50, 30_000, async (i) => {
      const socket = net.connect({ port: server.rtmpPort, host: '127.0.0.1' });
      socket.on('error', () => {});
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await Promise.race([new Promise((resolve) => socket.once('connect', resolve)), closed]);
      const mode = i % 3;
      if (mode === 1) socket.write(c0c1.subarray(0, 1 + rng.int(c0c1.length)));
      if (mode === 2) socket.resetAndDestroy();
      else socket.destroy();
      await closed;
    });
    figures.push(`RTMP connect/close: ${result.done} cycles in ${result.ms.toFixed(0)} ms`);
    assert.equal(result.done, 10_000);
    await assertFlowing('10 000 RTMP cycles');
    await assertBaseline('10 000 RTMP cycles');
  });

  test('10 000 rapid connect/close cycles on the HTTP port (50 at a time): bare, half requests, 404s, viewers, WS upgrades', async () => {
    const rng = new Rng(SEED ^ 0x5555);
    const statuses = new Map<string, number>();
    const count = (s: string): void => void statuses.set(s, (statuses.get(s) ?? 0) + 1);
    const port = Number(new URL(server.httpUrl).port);
    const requests = [
      '',
      'GET /live/vic',
      'GET /live/nope.flv HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /live/victim.flv HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /live/victim.flv HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      '',
    ];
    const result = await pool(10_000, 50, 30_000, async (i) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.on('error', () => {});
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await Promise.race([new Promise((resolve) => socket.once('connect', resolve)), closed]);
      const text = requests[i % requests.length]!;
      if (i % requests.length === 5) socket.write(rng.bytes(1 + rng.int(200)));
      else if (text !== '') socket.write(text);
      if (text.endsWith('\r\n\r\n')) {
        // Wait for the first bytes of the answer, then leave without reading the rest.
        const first = await Promise.race([new Promise<Buffer>((resolve) => socket.once('data', resolve)), closed.then(() => undefined), sleep(2_000).then(() => undefined)]);
        count(first === undefined ? 'none' : /^HTTP\/1\.1 (\d+)/.exec(first.toString('latin1'))?.[1] ?? 'other');
      }
      if (i % 2 === 0) socket.resetAndDestroy();
      else socket.destroy();
      await closed;
    });
    figures.push(`HTTP connect/close: ${result.done} cycles in ${result.ms.toFixed(0)} ms; answers ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.equal(result.done, 10_000);
    assert.equal(statuses.get('none') ?? 0, 0, 'every complete request was answered');
    await assertFlowing('10 000 HTTP cycles');
    await assertBaseline('10 000 HTTP cycles');
  });

  test('WS-FLV viewers that send garbage frames, oversized frames or random bytes after the upgrade', async () => {
    const rng = new Rng(SEED ^ 0x6666);
    const port = Number(new URL(server.httpUrl).port);
    const upgrade = 'GET /live/victim.flv HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    const frame = (opcode: number, payload: Uint8Array, declared = payload.length): Uint8Array => {
      // Client frames are masked (bit 0x80 of the second byte); a zero mask keeps the payload as it is.
      const head = declared < 126 ? [0x80 | opcode, 0x80 | declared] : declared < 65536 ? [0x80 | opcode, 0x80 | 126, declared >> 8, declared & 0xff] : [0x80 | opcode, 0x80 | 127, 0, 0, 0, 0, (declared >>> 24) & 0xff, (declared >> 16) & 0xff, (declared >> 8) & 0xff, declared & 0xff];
      return concat(Uint8Array.from([...head, 0, 0, 0, 0]), payload);
    };
    const result = await pool(300, 25, 8_000, async (i) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.on('error', () => {});
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.once('connect', () => socket.write(upgrade));
      const first = await Promise.race([new Promise<Buffer>((resolve) => socket.once('data', resolve)), closed.then(() => undefined)]);
      if (first !== undefined && first.toString('latin1').startsWith('HTTP/1.1 101')) {
        socket.on('data', () => {});
        const attacks = [
          () => rng.bytes(1 + rng.int(2000)),
          () => frame(0x2, rng.bytes(10), 16 * 1024 * 1024), // declares 16 MiB, past maxPayload
          () => frame(0x1, Uint8Array.of(0xff, 0xfe, 0xfd)), // text frame that is not UTF-8
          () => frame(0x9, rng.bytes(200)), // ping with a payload over 125 bytes
          () => frame(rng.pick([0x3, 0x4, 0xb, 0xf]), rng.bytes(5)), // reserved opcodes
          () => concat(frame(0x0, rng.bytes(5)), frame(0x2, rng.bytes(5))), // continuation with nothing to continue
          () => frame(0x8, Uint8Array.of(0x03, 0xe8)), // a polite close
        ];
        socket.write(attacks[i % attacks.length]!());
        await Promise.race([closed, sleep(300)]);
      }
      socket.destroy();
      await withTimeout(closed, 2_000, 'a WS fuzz socket to close');
    });
    figures.push(`WS frame fuzz: ${result.done} upgraded connections in ${result.ms.toFixed(0)} ms`);
    await assertFlowing('the WS frame fuzz');
    await assertBaseline('the WS frame fuzz');
  });

  test('a client hammering a viewer limit 10 000 times: every hit counted, a few log lines, nothing kept', async () => {
    const port = Number(new URL(server.httpUrl).port);
    const hits: string[] = [];
    const off = server.app.streams.events.on('limit', (h) => void (h.remoteAddress === '127.0.0.5' && hits.push(h.limit)));
    const mark = server.logs.length;
    // Fill the address's 30 slots with real viewers, then hammer.
    const held = await Promise.all(
      Array.from({ length: 30 }, () =>
        new Promise<net.Socket>((resolve) => {
          const socket = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.5' });
          socket.on('error', () => {});
          socket.once('connect', () => socket.write('GET /live/victim.flv HTTP/1.1\r\nHost: x\r\n\r\n'));
          socket.once('data', () => resolve(socket));
        }),
      ),
    );
    const statuses = new Map<string, number>();
    const result = await pool(10_000, 50, 30_000, async () => {
      const socket = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.5' });
      socket.on('error', () => {});
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.once('connect', () => socket.write('GET /live/victim.flv HTTP/1.1\r\nHost: x\r\n\r\n'));
      const first = await Promise.race([new Promise<Buffer>((resolve) => socket.once('data', resolve)), closed.then(() => undefined)]);
      const status = first === undefined ? 'none' : (/^HTTP\/1\.1 (\d+)/.exec(first.toString('latin1'))?.[1] ?? 'other');
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      socket.resetAndDestroy();
      await closed;
    });
    off();
    for (const socket of held) socket.destroy();
    const lines = server.logs.slice(mark).filter((l) => l.code === 'ERR_FLV_TOO_MANY_VIEWERS_PER_IP');
    figures.push(`limit hammering: ${result.done} refused GETs in ${result.ms.toFixed(0)} ms, ${hits.length} limit events, ${lines.length} warn lines`);
    assert.deepEqual(Object.fromEntries(statuses), { 429: 10_000 }, 'every request past the limit is refused with 429');
    assert.equal(hits.length, 10_000, 'every refusal is a limit event');
    assert.ok(hits.every((h) => h === 'maxViewersPerIp'));
    // The log throttle lets 20 lines per client and reason through per 10 s window: however long a loaded
    // machine takes to hammer, that bounds the lines, and 10 000 refusals never become 10 000 lines.
    const windows = Math.ceil(result.ms / 10_000) + 1;
    assert.ok(lines.length >= 1 && lines.length <= 20 * windows, `${lines.length} warn lines for 10 000 refusals in ${windows} throttle windows`);
    await assertFlowing('the limit hammering');
    await assertBaseline('the limit hammering');
  });

  test('slowloris: trickled headers, silent sockets and trickled bodies are cut by the HTTP timeouts', async () => {
    const port = Number(new URL(server.httpUrl).port);
    const openedAt = performance.now();
    const clients = Array.from({ length: 60 }, (_, i) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.on('error', () => {});
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      const kind = i % 3;
      socket.once('connect', () => {
        if (kind === 0) socket.write('GET /live/victim.flv HTTP/1.1\r\nHost: x\r\nX-Slow: ');
        if (kind === 2) socket.write('POST /live/victim.flv HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
      });
      // One byte every 200 ms: always making progress, never done.
      const timer = kind === 1 ? undefined : setInterval(() => socket.write('a'), 200);
      const closed = new Promise<number>((resolve) =>
        socket.once('close', () => {
          clearInterval(timer);
          resolve(performance.now() - openedAt);
        }),
      );
      return { kind, closed, answer: () => answer, socket };
    });
    const lifetimes = await withTimeout(Promise.all(clients.map((c) => c.closed)), REQUEST_TIMEOUT_MS + 4_000, 'the server to cut every slow connection');
    figures.push(`slowloris: ${clients.length} slow sockets cut after ${Math.min(...lifetimes).toFixed(0)}–${Math.max(...lifetimes).toFixed(0)} ms`);
    for (const c of clients.filter((c) => c.kind === 0)) assert.match(c.answer(), /^HTTP\/1\.1 408/, 'a header trickler is told 408');
    await assertFlowing('slowloris');
    await assertBaseline('slowloris');
  });

  test('path tricks: encoded dots, double slashes, NUL, overlong and unicode names are 400/404/414/431, never a stream', async () => {
    const port = Number(new URL(server.httpUrl).port);
    const paths = [
      '/live/../live/victim.flv',
      '/live/%2e%2e/victim.flv',
      '/live/%2E%2E%2Fvictim.flv',
      '/live/..%2fvictim.flv',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/live/%2e%2e.flv',
      '/..%5c..%5cwindows/win.ini.flv',
      '/live/..%5cvictim.flv',
      '//live/victim2.flv',
      '/live//victim2.flv',
      '/live/victim%00.flv',
      '/live/vic%00tim.flv',
      `/live/${'a'.repeat(129)}.flv`,
      `/live/${'a'.repeat(8000)}.flv`,
      `/${'b'.repeat(20_000)}/x.flv`,
      '/live/%E2%80%AEvictim.flv',
      '/live/caf%C3%A9.flv',
      '/live/%F0%9F%92%A9.flv',
      '/live/%C0%AE%C0%AE.flv',
      '/live/%FF%FE.flv',
      '/live/%.flv',
      '/live/%zz.flv',
      '/live/victim.flv%2f..',
      '/live/.flv',
      '/%20/victim.flv',
      '/live/victim .flv',
    ];
    // Bytes that no client library would send: raw non-ASCII, NUL, a line break inside the target.
    const raw = ['/live/caf\u00e9.flv', '/live/vic\u0000tim.flv', '/live/vic\r\ntim.flv'];
    const answers: Array<[string, string]> = [];
    for (const target of [...paths, ...raw]) {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.on('error', () => {});
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.once('connect', () => socket.end(Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 'latin1')));
      await withTimeout(Promise.race([closed, waitUntil(() => /\r\n\r\n/.test(answer), 3_000, 'an answer')]), 4_000, `an answer to ${JSON.stringify(target.slice(0, 60))}`);
      socket.destroy();
      answers.push([target.length > 60 ? `${target.slice(0, 40)}…(${target.length})` : target, /^HTTP\/1\.1 (\d+)/.exec(answer)?.[1] ?? 'closed']);
    }
    const bad = answers.filter(([, status]) => !['400', '404', '414', '431', 'closed'].includes(status));
    assert.deepEqual(bad, [], `every trick refused; answers: ${JSON.stringify(answers)}`);
    assert.ok(answers.filter(([, s]) => s === 'closed').length <= raw.length, 'the server answers (rather than drops) all but raw protocol violations');
    figures.push(`path tricks: ${JSON.stringify(Object.fromEntries(answers.reduce((m, [, s]) => m.set(s, (m.get(s) ?? 0) + 1), new Map<string, number>())))}`);
    await assertFlowing('the path tricks');
    await assertBaseline('the path tricks');
  });

  test('throughout: no gap in delivery, a bounded log, memory back near its baseline', async () => {
    const httpGap = maxGap(viewer.tags.map((t) => t.at), suiteStart);
    const wsGap = maxGap(wsArrivals, suiteStart);
    const seconds = (performance.now() - suiteStart) / 1000;
    const warns = server.logs.filter((l) => l.level >= 40);
    const codes = new Map<string, number>();
    for (const l of warns) codes.set(String(l.code), (codes.get(String(l.code)) ?? 0) + 1);
    // Buffers' backing stores are freed after the collection that finds them dead: collect, wait, collect.
    gc?.();
    await sleep(200);
    gc?.();
    const now = process.memoryUsage();
    figures.push(`delivery over ${seconds.toFixed(1)} s: longest silence ${httpGap.toFixed(0)} ms (HTTP-FLV), ${wsGap.toFixed(0)} ms (WS-FLV); ${viewer.tags.length} tags`);
    figures.push(`log: ${warns.length} warn lines for the whole attack; by code ${JSON.stringify(Object.fromEntries(codes))}`);
    figures.push(
      `memory${gc ? ' (after gc)' : ''}: RSS ${mb(baseline.rss)} -> ${mb(now.rss)} MB, heap ${mb(baseline.heapUsed)} -> ${mb(now.heapUsed)} MB, ` +
        `external ${mb(baseline.external)} -> ${mb(now.external)} MB (RSS is what the allocator keeps, not what is in use)`,
    );
    // The encoder runs in real time on a shared machine: a second of silence is already a visible stall.
    assert.ok(httpGap < 1500, `the HTTP-FLV viewer never waited ${httpGap.toFixed(0)} ms for a tag`);
    assert.ok(wsGap < 1500, `the WS-FLV viewer never waited ${wsGap.toFixed(0)} ms for a message`);
    // Tens of thousands of hostile connections; the log says so in a bounded number of lines.
    assert.ok(warns.length < 2_000, `${warns.length} warn lines`);
    if (gc !== undefined) {
      // A leak check with a wide margin, not a benchmark: after ~25 000 hostile connections, what is in use
      // (JS heap, Buffers) is back near where it started. RSS is printed only.
      assert.ok(now.heapUsed - baseline.heapUsed < 24 * 1048576, `heap grew by ${mb(now.heapUsed - baseline.heapUsed)} MB`);
      assert.ok(now.external - baseline.external < 24 * 1048576, `external memory grew by ${mb(now.external - baseline.external)} MB`);
    }
    // Every refusal came from a check that names it; an untyped error would be a bug the fuzz found.
    assert.deepEqual(warns.filter((l) => typeof l.code !== 'string' || l.code === 'ERR_UNEXPECTED'), [], 'no untyped errors');
    await assertBaseline('the whole suite');
  });
});
