/**
 * Fault injection over real loopback sockets. Publishers cut mid-handshake and mid-chunk (FIN and RST);
 * viewers reset mid-write on the HTTP/1.1 fast path, over HTTP/2 (RST_STREAM, session destroy, TCP RST under
 * the session) and over WebSocket; write errors (ENOSPC, EPIPE, ECONNRESET) surfaced by the socket layer itself
 * (the server socket's libuv handle returns the errno, as the kernel would); an encoder whose clock jumps by
 * hours either way. After each fault a witness stream is still flowing, a new stream can be published and
 * watched, and every count (RTMP connections, streams, viewers, HTTP sockets) is back to its baseline. The
 * process never sees an uncaughtException or unhandledRejection (listeners are installed for the file's
 * duration), and the real CLI, put through the same faults, exits 0 on SIGTERM with no "uncaught" output.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import httpFlv from '@flvcast/fastify-http-flv';
import rtmp from '@flvcast/fastify-rtmp';
import { FlvCollector, HttpFlvViewer, sleep, spawnTool, startApp, waitUntil, withTimeout, type ReceivedTag, type StartedApp } from '../src/tools.js';
import { SyntheticPublisher } from '../src/synthetic-publisher.js';

const HANDSHAKE_TIMEOUT_MS = 1000;
const cli = fileURLToPath(new URL('./cli.js', import.meta.resolve('@flvcast/server')));

// --- process-wide: nothing escapes ---------------------------------------------------------------------

const escaped: string[] = [];
const onUncaught = (err: unknown): void => void escaped.push(`uncaughtException: ${String((err as Error)?.stack ?? err)}`);
const onUnhandled = (err: unknown): void => void escaped.push(`unhandledRejection: ${String((err as Error)?.stack ?? err)}`);
process.on('uncaughtException', onUncaught);
process.on('unhandledRejection', onUnhandled);

// --- helpers -----------------------------------------------------------------------------------------------

/** A raw HTTP/1.1 viewer socket that can stop reading (the server's writes back up) and be reset. */
function rawViewer(port: number, path: string): { socket: net.Socket; received: () => number; closed: Promise<void> } {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  let received = 0;
  socket.on('data', (d: Buffer) => (received += d.length));
  socket.once('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => received, closed };
}

/**
 * Makes the next writes of a server-side socket fail the way the kernel fails them: the libuv handle's write
 * entry points return the negative errno, so Node's stream layer raises the error exactly as on a real
 * ENOSPC/EPIPE/ECONNRESET (destroy with an ErrnoException `write <CODE>`).
 */
function failWrites(socket: net.Socket, code: 'ENOSPC' | 'EPIPE' | 'ECONNRESET'): void {
  const handle = (socket as unknown as { _handle: Record<string, unknown> | null })._handle;
  assert.ok(handle, 'the server socket still has its handle');
  const errno = osConstants.errno[code];
  for (const method of ['writev', 'writeBuffer', 'writeLatin1String', 'writeUtf8String', 'writeAsciiString', 'writeUcs2String']) {
    if (typeof handle[method] === 'function') handle[method] = () => -errno;
  }
}

/** Media tags of one type, sequence headers excluded. */
const media = (tags: readonly ReceivedTag[], type: 8 | 9): ReceivedTag[] => tags.filter((t) => t.type === type && !(t.video?.isSequenceHeader || t.audio?.isSequenceHeader));

/** Per track: timestamps never go back, and the largest step between consecutive tags. */
function timestampSteps(tags: readonly ReceivedTag[]): { backwards: number; maxStep: number } {
  let backwards = 0;
  let maxStep = 0;
  for (const type of [8, 9] as const) {
    const ts = media(tags, type).map((t) => t.timestamp);
    for (let i = 1; i < ts.length; i++) {
      if (ts[i]! < ts[i - 1]!) backwards++;
      maxStep = Math.max(maxStep, ts[i]! - ts[i - 1]!);
    }
  }
  return { backwards, maxStep };
}

function maxArrivalGap(tags: readonly ReceivedTag[]): number {
  let gap = 0;
  for (let i = 1; i < tags.length; i++) gap = Math.max(gap, tags[i]!.at - tags[i - 1]!.at);
  return gap;
}

// --- the server ---------------------------------------------------------------------------------------------

describe('fault injection: the server survives, keeps serving, and its counts return to baseline', { timeout: 60_000 }, () => {
  let server: StartedApp;
  let port: number;
  let witness: SyntheticPublisher;
  let witnessViewer: HttpFlvViewer;
  /** Server-side sockets by the client's port, to inject faults on the server's end of a real connection. */
  const serverSockets = new Map<number, net.Socket>();
  const timings: string[] = [];

  const httpSockets = (): Promise<number> => new Promise((resolve, reject) => server.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  const counts = async () => ({
    rtmpConnections: server.app.rtmp.connections,
    rtmpClientAddresses: server.app.rtmp.clientAddresses,
    streams: server.app.streams.size,
    viewers: server.app.flvViewers.viewers,
    witnessViewers: server.app.streams.get({ vhost: '', app: 'live', stream: 'witness' })?.subscribers.size,
    httpSockets: await httpSockets(),
  });
  const BASELINE = { rtmpConnections: 1, rtmpClientAddresses: 1, streams: 1, viewers: 1, witnessViewers: 1, httpSockets: 1 };

  async function assertBaseline(what: string): Promise<void> {
    const deadline = performance.now() + HANDSHAKE_TIMEOUT_MS + 4_000;
    let now = await counts();
    while (JSON.stringify(now) !== JSON.stringify(BASELINE) && performance.now() < deadline) {
      await sleep(25);
      now = await counts();
    }
    assert.deepEqual(now, BASELINE, `counts back to baseline after ${what}`);
  }

  /** The witness keeps flowing, and a brand-new stream can be published and watched end to end. */
  async function assertServing(what: string): Promise<void> {
    const bytes = witnessViewer.flv.bytes;
    await witnessViewer.waitFor((v) => v.flv.bytes > bytes + 200, 3_000, `the witness viewer to keep receiving after ${what}`);
    assert.equal(witnessViewer.ended || witnessViewer.aborted, false, 'the witness viewer is still attached');
    const name = `fresh${Math.floor(performance.now())}`;
    const pub = await SyntheticPublisher.start(server.rtmpPort, name);
    try {
      const viewer = await HttpFlvViewer.open(`${server.httpUrl}/live/${name}.flv`);
      try {
        assert.equal(viewer.status, 200, `a new stream can be watched after ${what}`);
        await viewer.waitFor((v) => media(v.tags, 9).length >= 3, 3_000, `media on a new stream after ${what}`);
      } finally {
        viewer.close();
      }
    } finally {
      await pub.close();
    }
  }

  async function phase(name: string, run: () => Promise<void>): Promise<void> {
    const started = performance.now();
    await run();
    await assertServing(name);
    await assertBaseline(name);
    timings.push(`${name}: ${(performance.now() - started).toFixed(0)} ms`);
  }

  before(async () => {
    server = await startApp({
      captureLogs: true,
      logLevel: 'warn',
      rtmp: { handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS, firstPacketTimeoutMs: 2000, idleTimeoutMs: 3000 },
      // No reconnect grace: a cut publisher's viewers end at once, so the counts settle within the phase.
      httpFlv: { reconnectGraceMs: 0, stallTimeoutMs: 2000 },
    });
    port = Number(new URL(server.httpUrl).port);
    server.app.server.on('connection', (s: net.Socket) => {
      const remote = s.remotePort!;
      serverSockets.set(remote, s);
      s.once('close', () => serverSockets.delete(remote));
    });
    witness = await SyntheticPublisher.start(server.rtmpPort, 'witness');
    witnessViewer = await HttpFlvViewer.open(`${server.httpUrl}/live/witness.flv`);
    await witnessViewer.waitFor((v) => media(v.tags, 9).length >= 3, 5_000, 'the witness stream');
    await assertBaseline('startup');
  });

  after(async () => {
    witnessViewer?.close();
    await witness?.close();
    await server?.app.close();
    for (const line of timings) console.log(`# ${line}`);
  });

  test('publisher cut mid-handshake: partial C1, partial C2, with FIN and with RST', async () => {
    await phase('mid-handshake cuts', async () => {
      for (const stage of ['c1', 'c2'] as const) {
        for (const how of ['destroy', 'reset'] as const) {
          const socket = net.connect({ port: server.rtmpPort, host: '127.0.0.1' });
          socket.on('error', () => {});
          const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
          await new Promise((resolve) => socket.once('connect', resolve));
          let got = 0;
          socket.on('data', (d: Buffer) => (got += d.length));
          if (stage === 'c1') {
            socket.write(Buffer.concat([Buffer.of(3), Buffer.alloc(700, 1)]));
          } else {
            socket.write(Buffer.concat([Buffer.of(3), Buffer.alloc(1536, 1)]));
            await waitUntil(() => got >= 1 + 1536 * 2, 3_000, 'S0 S1 S2');
            socket.write(Buffer.alloc(900, 2));
          }
          await waitUntil(() => server.app.rtmp.connections === 2, 2_000, 'the server to hold the half-shaken connection');
          if (how === 'reset') socket.resetAndDestroy();
          else socket.destroy();
          await closed;
        }
      }
    });
  });

  test('publisher cut mid-chunk and mid-message (FIN and RST) with a viewer attached: the viewer ends cleanly', async () => {
    await phase('mid-chunk cuts', async () => {
      // 20 000-byte video messages in 4096-byte chunks: 1 % cuts inside the first chunk's header area, 50 % in
      // the middle of the third chunk, 99 % in the last one.
      for (const fraction of [0.0005, 0.5, 0.99]) {
        for (const how of ['destroy', 'reset'] as const) {
          const name = `cut${how}${Math.round(fraction * 1000)}`;
          const pub = await SyntheticPublisher.start(server.rtmpPort, name);
          const viewer = await HttpFlvViewer.open(`${server.httpUrl}/live/${name}.flv`);
          await viewer.waitFor((v) => media(v.tags, 9).length >= 2, 3_000, `media from ${name}`);
          await pub.cutMidMessage(20_000, fraction, how);
          await viewer.waitForEnd(3_000);
          assert.equal(viewer.ended, true, `the viewer of ${name} got the end of its response, not a reset`);
          assert.equal(viewer.flv.error, undefined, `and what it got parses (${name})`);
          viewer.close();
        }
      }
    });
  });

  test('HTTP/1.1 viewers reset (RST) mid-write on the fast path, reading or with the server backed up', async () => {
    await phase('HTTP/1.1 RST mid-write', async () => {
      // 25 video frames of 60 kB a second: every write is large, and paused readers back the server up fast.
      const pub = await SyntheticPublisher.start(server.rtmpPort, 'heavy', { videoPadding: 60_000 });
      const viewers = Array.from({ length: 12 }, () => rawViewer(port, '/live/heavy.flv'));
      await waitUntil(() => viewers.every((v) => v.received() > 100_000), 5_000, 'the heavy viewers to receive');
      // Half stop reading: the kernel buffers fill and the server's writes queue up in user space.
      for (const v of viewers.slice(0, 6)) v.socket.pause();
      await sleep(400);
      for (const [i, v] of viewers.entries()) {
        v.socket.resetAndDestroy();
        if (i % 3 === 0) await sleep(30);
      }
      await Promise.all(viewers.map((v) => v.closed));
      await pub.close();
    });
  });

  test('WS-FLV viewers: RST mid-write, and a socket closed without a close frame', async () => {
    await phase('WS RST mid-write', async () => {
      const pub = await SyntheticPublisher.start(server.rtmpPort, 'wsheavy', { videoPadding: 60_000 });
      const clients = Array.from({ length: 8 }, () => {
        const ws = new WebSocket(`${server.wsUrl}/live/wsheavy.flv`, { perMessageDeflate: false });
        let received = 0;
        ws.on('message', (d: Buffer) => (received += d.length));
        ws.on('error', () => {});
        const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
        return { ws, received: () => received, closed };
      });
      await waitUntil(() => clients.every((c) => c.received() > 100_000), 5_000, 'the WS viewers to receive');
      for (const c of clients.slice(0, 4)) c.ws.pause();
      await sleep(400);
      for (const [i, c] of clients.entries()) {
        // `ws` keeps the net.Socket private: reach it to reset the TCP connection under the WebSocket.
        const socket = (c.ws as unknown as { _socket: net.Socket })._socket;
        if (i % 2 === 0) socket.resetAndDestroy();
        else socket.destroy();
      }
      await Promise.all(clients.map((c) => c.closed));
      await pub.close();
    });
  });

  test('write errors surfaced by the socket layer (ENOSPC, EPIPE, ECONNRESET) on HTTP/1.1 and WS viewers', async () => {
    await phase('socket write errors', async () => {
      for (const code of ['ENOSPC', 'EPIPE', 'ECONNRESET'] as const) {
        // HTTP/1.1 fast path.
        const raw = rawViewer(port, '/live/witness.flv');
        await waitUntil(() => raw.received() > 1000, 3_000, 'the HTTP viewer to receive');
        const local = raw.socket.localPort!;
        const serverSide = await waitUntil(() => serverSockets.get(local), 1_000, 'the server side of the HTTP viewer');
        failWrites(serverSide, code);
        await withTimeout(raw.closed, 3_000, `the server to drop the HTTP viewer after ${code}`);
        // WebSocket.
        const ws = new WebSocket(`${server.wsUrl}/live/witness.flv`, { perMessageDeflate: false });
        ws.on('error', () => {});
        let received = 0;
        ws.on('message', (d: Buffer) => (received += d.length));
        const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
        await waitUntil(() => received > 1000, 3_000, 'the WS viewer to receive');
        const wsLocal = (ws as unknown as { _socket: net.Socket })._socket.localPort!;
        failWrites(await waitUntil(() => serverSockets.get(wsLocal), 1_000, 'the server side of the WS viewer'), code);
        await withTimeout(closed, 3_000, `the server to drop the WS viewer after ${code}`);
      }
    });
  });

  test('an encoder clock jumping hours forward and back (and past 2^24 ms): monotonic timestamps, no gap', async () => {
    await phase('clock jumps', async () => {
      const HOUR = 3_600_000;
      // 0.6 s at a time: normal, +5 h (extended timestamps), -5 h (back to near 0), +3 h, -2 h, then normal.
      const jumps = [0, 5 * HOUR, 0, 3 * HOUR, HOUR];
      const SEGMENT = 15;
      const at = (n: number): number => n * 40 + jumps[Math.min(jumps.length - 1, Math.floor(n / SEGMENT))]!;
      const pub = await SyntheticPublisher.start(server.rtmpPort, 'jumpy', { timestamp: at });
      const viewer = await HttpFlvViewer.open(`${server.httpUrl}/live/jumpy.flv`);
      const wsFlv = new FlvCollector();
      const ws = new WebSocket(`${server.wsUrl}/live/jumpy.flv`, { perMessageDeflate: false });
      ws.on('message', (d: Buffer) => wsFlv.push(new Uint8Array(d)));
      ws.on('error', () => {});
      await waitUntil(() => pub.frames >= SEGMENT * jumps.length + SEGMENT, 10_000, 'the encoder to go through every jump');
      await sleep(200);
      for (const [kind, tags] of [['HTTP-FLV', viewer.tags], ['WS-FLV', wsFlv.tags]] as const) {
        const steps = timestampSteps(tags);
        assert.ok(media(tags, 9).length >= SEGMENT * jumps.length, `${kind} got the whole run (${media(tags, 9).length} video tags)`);
        assert.equal(steps.backwards, 0, `${kind}: timestamps never go back`);
        assert.ok(steps.maxStep <= 1000, `${kind}: no step over 1 s in stream time (largest ${steps.maxStep} ms)`);
        assert.ok(maxArrivalGap(tags) < 1000, `${kind}: no silence over 1 s (${maxArrivalGap(tags).toFixed(0)} ms)`);
      }
      viewer.close();
      ws.terminate();
      await pub.close();
    });
  });

  test('no uncaughtException or unhandledRejection so far, and no untyped error in the log', () => {
    assert.deepEqual(escaped, []);
    const untyped = server.logs.filter((l) => l.level >= 50 || (l.level >= 40 && (typeof l.code !== 'string' || l.code === 'ERR_UNEXPECTED')));
    assert.deepEqual(untyped, [], 'every warning names its code; nothing at error level');
  });
});

// --- HTTP/2 -------------------------------------------------------------------------------------------------

describe('fault injection over HTTP/2 (h2c): stream reset, session destroy, TCP reset under the session', { timeout: 30_000 }, () => {
  let app: FastifyInstance<http2.Http2Server, http2.Http2ServerRequest, http2.Http2ServerResponse>;
  let origin: string;
  let rtmpPort: number;

  before(async () => {
    app = Fastify({ http2: true, logger: false });
    await app.register(httpFlv, { reconnectGraceMs: 0 });
    await app.register(rtmp, { listen: { host: '127.0.0.1', port: 0 } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}`;
    rtmpPort = app.rtmp.addresses()[0]!.port;
  });
  after(() => app?.close());

  test('h2 viewers cancelled, their session destroyed, their TCP connection reset: counts return to 0, serving goes on', async () => {
    const started = performance.now();
    const pub = await SyntheticPublisher.start(rtmpPort, 'h2cam', { videoPadding: 30_000 });
    const open = (session: http2.ClientHttp2Session): { req: http2.ClientHttp2Stream; flv: FlvCollector } => {
      const flv = new FlvCollector();
      const req = session.request({ ':path': '/live/h2cam.flv' });
      req.on('data', (d: Buffer) => flv.push(new Uint8Array(d)));
      req.on('error', () => {});
      return { req, flv };
    };
    const sessions: Array<{ session: http2.ClientHttp2Session; socket: net.Socket }> = [];
    for (let i = 0; i < 3; i++) {
      const socket = net.connect({ port: Number(new URL(origin).port), host: '127.0.0.1' });
      socket.on('error', () => {});
      const session = http2.connect(origin, { createConnection: () => socket });
      session.on('error', () => {});
      sessions.push({ session, socket });
    }
    const views = sessions.flatMap(({ session }) => [open(session), open(session), open(session)]);
    await waitUntil(() => views.every((v) => v.flv.bytes > 60_000), 5_000, 'every h2 stream to receive');
    const viewers = (): number => app.flvViewers.viewers;
    assert.equal(viewers(), 9);
    // Session 0: its streams are reset one by one (RST_STREAM CANCEL, then INTERNAL_ERROR), mid-write.
    views[0]!.req.close(http2.constants.NGHTTP2_CANCEL);
    views[1]!.req.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    await waitUntil(() => viewers() === 7, 3_000, 'the reset h2 streams to be dropped');
    assert.ok(views[2]!.flv.bytes > 0 && !views[2]!.req.closed, 'the third stream of that session goes on');
    // Session 1: destroyed (GOAWAY-less close of every stream). Session 2: its TCP connection reset under it.
    sessions[1]!.session.destroy();
    sessions[2]!.socket.resetAndDestroy();
    await waitUntil(() => viewers() === 1, 3_000, 'the viewers of the destroyed and reset sessions to be dropped');
    const bytes = views[2]!.flv.bytes;
    await waitUntil(() => views[2]!.flv.bytes > bytes + 30_000, 3_000, 'the surviving h2 stream to keep receiving');
    sessions[0]!.session.destroy();
    // A new session on the same server, a new stream.
    const fresh = http2.connect(origin);
    fresh.on('error', () => {});
    const view = open(fresh);
    await waitUntil(() => media(view.flv.tags, 9).length >= 3, 3_000, 'a new h2 session to be served');
    fresh.destroy();
    await pub.close();
    const connections = (): Promise<number> => new Promise((resolve, reject) => app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    const deadline = performance.now() + 3_000;
    while (performance.now() < deadline && (app.flvViewers.viewers !== 0 || app.streams.size !== 0 || app.rtmp.connections !== 0 || (await connections()) !== 0)) await sleep(25);
    assert.deepEqual(
      { viewers: app.flvViewers.viewers, streams: app.streams.size, rtmp: app.rtmp.connections, sockets: await connections() },
      { viewers: 0, streams: 0, rtmp: 0, sockets: 0 },
    );
    console.log(`# HTTP/2 faults: ${(performance.now() - started).toFixed(0)} ms`);
  });
});

// --- the CLI ------------------------------------------------------------------------------------------------

test('the flvcast CLI through the same faults: exit 0 on SIGTERM, no "uncaught" or "unhandled" in its output', { timeout: 30_000 }, async (t) => {
  const server = spawnTool(process.execPath, [cli, '--http-listen', '127.0.0.1:0', '--rtmp-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0', '--reconnect-grace-ms', '0', '--shutdown-grace-ms', '2000'], 30_000);
  t.after(() => server.kill());
  await waitUntil(() => /flvcast .* ready/.test(server.stdout), 10_000, 'the ready line');
  const httpPort = Number(/http:\/\/127\.0\.0\.1:(\d+)/.exec(server.stdout)![1]);
  const rtmpPort = Number(/rtmp:\/\/127\.0\.0\.1:(\d+)/.exec(server.stdout)![1]);
  // Half a handshake, reset.
  const half = net.connect({ port: rtmpPort, host: '127.0.0.1' });
  half.on('error', () => {});
  half.once('connect', () => half.write(Buffer.concat([Buffer.of(3), Buffer.alloc(500)])));
  await sleep(100);
  half.resetAndDestroy();
  // A publisher cut mid-message, with paused and reset viewers over HTTP/1.1 and WS.
  const pub = await SyntheticPublisher.start(rtmpPort, 'cam', { videoPadding: 60_000 });
  await sleep(300);
  const raws = Array.from({ length: 4 }, () => rawViewer(httpPort, '/live/cam.flv'));
  const wss = Array.from({ length: 2 }, () => {
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/live/cam.flv`, { perMessageDeflate: false });
    ws.on('error', () => {});
    return ws;
  });
  await waitUntil(() => raws.every((r) => r.received() > 50_000), 5_000, 'the CLI viewers to receive');
  raws[0]!.socket.pause();
  await sleep(300);
  for (const r of raws.slice(0, 2)) r.socket.resetAndDestroy();
  (wss[0] as unknown as { _socket: net.Socket })._socket?.resetAndDestroy();
  await pub.cutMidMessage(30_000, 0.5, 'reset');
  await Promise.all(raws.map((r) => withTimeout(r.closed, 3_000, 'the CLI viewers to end')));
  // Still serving.
  const pub2 = await SyntheticPublisher.start(rtmpPort, 'cam2');
  const viewer = await HttpFlvViewer.open(`http://127.0.0.1:${httpPort}/live/cam2.flv`);
  await viewer.waitFor((v) => media(v.tags, 9).length >= 3, 3_000, 'the CLI to serve a new stream');
  viewer.close();
  await pub2.close();
  for (const ws of wss) ws.terminate();
  server.child.kill('SIGTERM');
  const exit = await withTimeout(server.done, 5_000, 'the CLI to exit');
  const output = `${exit.stdout}\n${exit.stderr}`;
  assert.equal(exit.code, 0, `exit code; output: ${output.slice(-2000)}`);
  assert.doesNotMatch(output, /uncaught|unhandled/i);
});

test('the whole file: no uncaughtException or unhandledRejection in this process', () => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUnhandled);
  assert.deepEqual(escaped, []);
});
