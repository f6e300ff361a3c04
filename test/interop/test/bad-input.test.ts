/**
 * Hostile input on the RTMP port and the HTTP mount. For each attack: only the offending connection is
 * closed, the server logs one clear warn line carrying an error code, and a separate stream published by a
 * real ffmpeg keeps flowing to an HTTP viewer throughout.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket from 'ws';
import { encodeAmf0 } from '@flvcast/amf0';
import { ChunkWriter, ClientHandshake, RtmpClientSession, type RtmpClientEvent } from '@flvcast/rtmp';
import {
  HttpFlvViewer,
  publish,
  request,
  startApp,
  waitForMedia,
  waitUntil,
  withTimeout,
  type LogLine,
  type Proc,
  type StartedApp,
} from '../src/tools.js';

const HANDSHAKE_TIMEOUT_MS = 400;
const MAX_MESSAGE_SIZE = 1024 * 1024;

/** Deterministic bytes (xorshift32), so a failure can be replayed. */
function pseudoRandomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];
/** AMF0 string marker + u16 length + bytes. */
const amfString = (s: string): number[] => [0x02, s.length >> 8, s.length & 0xff, ...ascii(s)];
const amfNumber = (n: number): number[] => {
  const b = Buffer.alloc(9);
  b[0] = 0x00;
  b.writeDoubleBE(n, 1);
  return [...b];
};

/** A raw TCP client on the RTMP port that records what it receives and when the server closes. */
class RawClient {
  readonly socket: net.Socket;
  readonly received: Buffer[] = [];
  receivedBytes = 0;
  connectedAt = 0;
  closedAt: number | undefined;
  /** The server sent FIN (or reset): our side saw the end. */
  ended = false;
  readonly closed: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.on('data', (d: Buffer) => {
      this.received.push(d);
      this.receivedBytes += d.length;
    });
    this.socket.on('error', () => {});
    this.socket.on('end', () => (this.ended = true));
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.closedAt = performance.now();
        resolve();
      }),
    );
  }

  connect(): Promise<void> {
    return withTimeout(
      new Promise<void>((resolve, reject) => {
        this.socket.once('connect', () => {
          this.connectedAt = performance.now();
          resolve();
        });
        this.socket.once('error', reject);
      }),
      2_000,
      'the RTMP port to accept',
    );
  }

  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Resolves when the server has closed the connection; fails after `ms`. */
  waitClosed(ms: number, what: string): Promise<void> {
    return withTimeout(this.closed, ms, `the server to close the connection (${what})`);
  }

  /** Completes a simple handshake as an encoder would. */
  async handshake(): Promise<void> {
    const hs = new ClientHandshake();
    this.write(hs.start());
    let fed = 0;
    await waitUntil(
      () => {
        while (fed < this.received.length) {
          const result = hs.push(new Uint8Array(this.received[fed++]!));
          for (const out of result.output) this.write(out);
        }
        return hs.done;
      },
      2_000,
      'the handshake to complete',
      5,
    );
  }

  destroy(): void {
    this.socket.destroy();
  }
}

describe('hostile input', () => {
  let server: StartedApp;
  let encoder: Proc;
  let viewer: HttpFlvViewer;

  before(async () => {
    server = await startApp({
      captureLogs: true,
      rtmp: { handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS, maxMessageSizeBytes: MAX_MESSAGE_SIZE },
    });
    encoder = publish(`${server.rtmpUrl}/live/victim`, 'av', { seconds: 90 });
    await waitForMedia(server.app, 'victim');
    viewer = await HttpFlvViewer.open(`${server.httpUrl}/live/victim.flv`);
    assert.equal(viewer.status, 200);
    await viewer.waitFor((v) => v.flv.bytes > 0, 3_000, 'the viewer to start receiving');
  });

  after(async () => {
    viewer?.close();
    await encoder?.kill();
    await server?.app.close();
  });

  /**
   * Runs an attack, then checks its consequences: a warn line was logged, only the publisher's connection is
   * left, the viewer keeps receiving; last, that the warn line carries an error code matching `expectedCode`.
   */
  async function attack(name: string, run: () => Promise<void>, expectedCode: RegExp): Promise<LogLine> {
    const mark = server.logs.length;
    await run();
    const describeNew = (): string => JSON.stringify(server.logs.slice(mark).map((l) => ({ level: l.level, msg: l.msg, code: l.code })));
    const warns = (): LogLine[] => server.logs.slice(mark).filter((l) => l.level >= 40);
    await waitUntil(() => warns().length > 0, 2_000, `a warn log line after "${name}"; new lines: ${describeNew()}`);
    await waitUntil(() => server.app.rtmp.connections === 1, 2_000, `only the publisher's connection left (open: ${server.app.rtmp.connections})`);
    const bytes = viewer.flv.bytes;
    await viewer.waitFor((v) => v.flv.bytes > bytes + 2_000, 2_000, `the viewer to keep receiving after "${name}"`);
    assert.equal(viewer.ended || viewer.aborted, false, 'the viewer is still connected');
    assert.equal(encoder.exited, false, `the ffmpeg publisher is still running: ${encoder.stderr}`);
    assert.equal(viewer.flv.error, undefined, 'the viewer\'s stream still parses');
    const line = warns().find((l) => typeof l.code === 'string' && expectedCode.test(l.code));
    assert.ok(line !== undefined, `a warn line with an error code matching ${expectedCode} after "${name}"; new lines: ${describeNew()}`);
    assert.ok(line.msg.length > 10, `the log line says what happened: ${line.msg}`);
    return line;
  }

  test('wrong RTMP version in C0 (and an HTTP request on the RTMP port)', async () => {
    for (const first of [0x06, 0x47 /* 'G' of "GET /" */, 0xff]) {
      await attack(`C0 = ${first}`, async () => {
        const c = new RawClient(server.rtmpPort);
        await c.connect();
        c.write(new Uint8Array([first, ...pseudoRandomBytes(1536, first)]));
        await c.waitClosed(1_000, `C0 ${first}`);
        assert.ok(c.closedAt! - c.connectedAt < HANDSHAKE_TIMEOUT_MS, 'closed on the bad byte, not by the handshake timeout');
        assert.equal(c.receivedBytes, 0, 'no S0/S1 sent to a non-RTMP peer');
      }, /^ERR_RTMP_HANDSHAKE$/);
    }
  });

  test('random bytes after a valid handshake', async () => {
    for (const seed of [1, 42, 0xdeadbeef]) {
      await attack(`garbage seed ${seed}`, async () => {
        const c = new RawClient(server.rtmpPort);
        await c.connect();
        await c.handshake();
        const garbage = pseudoRandomBytes(64 * 1024, seed);
        for (let i = 0; i < garbage.length && !c.socket.destroyed; i += 4096) c.write(garbage.subarray(i, i + 4096));
        await c.waitClosed(1_500, `garbage seed ${seed}`);
      }, /^ERR_RTMP_/);
    }
  });

  test('connect with malformed AMF0 (hand-made bytes through ChunkWriter)', async () => {
    const bodies: Record<string, number[]> = {
      // command name string claims 0xffff bytes, 7 follow
      'truncated string': [0x02, 0xff, 0xff, ...ascii('connect')],
      // valid name and transaction id, then an object whose property value has an unknown marker
      'unknown marker': [...amfString('connect'), ...amfNumber(1), 0x03, 0x00, 0x03, ...ascii('app'), 0x42, 0x00, 0x00, 0x09],
      // an object that never ends
      'unterminated object': [...amfString('connect'), ...amfNumber(1), 0x03, 0x00, 0x03, ...ascii('app'), ...amfString('live')],
      // nesting far beyond any real connect command
      'deep nesting': [...amfString('connect'), ...amfNumber(1), ...Array.from({ length: 5000 }, () => [0x03, 0x00, 0x01, 0x61]).flat()],
      // not starting with a command name at all
      'number first': [...amfNumber(3), ...amfNumber(1), 0x05],
    };
    for (const [what, body] of Object.entries(bodies)) {
      await attack(`connect: ${what}`, async () => {
        const c = new RawClient(server.rtmpPort);
        await c.connect();
        await c.handshake();
        const writer = new ChunkWriter();
        c.write(writer.write({ csid: 3, type: 20, streamId: 0, timestamp: 0, payload: new Uint8Array(body) }));
        await c.waitClosed(1_500, what);
      }, /^ERR_RTMP_BAD_COMMAND$/);
    }
    // Sanity check of the hand-made framing: a well-formed connect through the same path is answered.
    const c = new RawClient(server.rtmpPort);
    await c.connect();
    await c.handshake();
    const before = c.receivedBytes;
    c.write(new ChunkWriter().write({ csid: 3, type: 20, streamId: 0, timestamp: 0, payload: encodeAmf0('connect', 1, { app: 'live', tcUrl: 'rtmp://127.0.0.1/live' }) }));
    await waitUntil(() => c.receivedBytes > before, 2_000, 'a reply to a well-formed connect');
    assert.equal(c.closedAt, undefined, 'a well-formed connect keeps the connection open');
    c.destroy();
    await waitUntil(() => server.app.rtmp.connections === 1, 2_000, 'the sanity-check connection to go');
  });

  test('a chunk declaring a message over maxMessageSizeBytes: closed before the body is buffered', async () => {
    for (const length of [MAX_MESSAGE_SIZE + 1, 0xffffff]) {
      await attack(`message of ${length} bytes`, async () => {
        const c = new RawClient(server.rtmpPort);
        await c.connect();
        await c.handshake();
        // Type 0 header on csid 6: timestamp 0, length, type 9 (video), stream id 1; then 100 body bytes only.
        const header = [0x06, 0, 0, 0, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff, 0x09, 1, 0, 0, 0];
        c.write(new Uint8Array([...header, ...pseudoRandomBytes(100, length)]));
        await c.waitClosed(1_000, `declared length ${length}`);
      }, /^ERR_RTMP_MESSAGE_TOO_LARGE$/);
    }
  });

  test('publish names with NUL, backslash or "..": refused with an error onStatus, then closed', async () => {
    const cases: Array<[app: string, name: string]> = [
      ['live', 'a\u0000b'],
      ['live', 'a\\b'],
      ['live', '..'],
      ['live', 'a..b'],
      ['live', '../victim'],
      ['live', 'x/../victim'],
      ['live', 'victim?vhost=..'],
      ['..', 'victim'],
      ['a\\b', 'victim'],
    ];
    for (const [appName, name] of cases) {
      await attack(`publish ${JSON.stringify(`${appName}/${name}`)}`, async () => {
        const c = new RawClient(server.rtmpPort);
        const session = new RtmpClientSession({ app: appName, tcUrl: `${server.rtmpUrl}/${appName}` });
        const events: RtmpClientEvent[] = [];
        c.socket.on('data', (d: Buffer) => {
          try {
            events.push(...session.push(new Uint8Array(d)));
          } catch (err) {
            events.push({ type: 'error', code: 'client-parse', description: (err as Error).message });
          }
          for (const out of session.takeOutput()) c.write(out);
        });
        await c.connect();
        session.publish(name);
        session.start();
        for (const out of session.takeOutput()) c.write(out);
        await c.waitClosed(2_000, `publish ${JSON.stringify(name)}`);
        const status = events.find((e): e is Extract<RtmpClientEvent, { type: 'status' }> => e.type === 'status' && e.level === 'error');
        assert.ok(status !== undefined, `an error onStatus before the close: ${JSON.stringify(events.map((e) => e.type === 'status' ? `${e.level}:${e.code}` : e.type))}`);
        assert.equal(status.code, 'NetStream.Publish.BadName');
        assert.ok(status.description.length > 0, 'with a description');
        assert.equal(events.some((e) => e.type === 'published'), false, 'never published');
      }, /^ERR_HUB_BAD_STREAM_NAME$/);
    }
    assert.deepEqual([...server.app.streams.list()].map((s) => s.name), ['live/victim'], 'no stream entry for refused names');
    assert.equal(server.app.streams.get({ vhost: '', app: 'live', stream: 'victim' })?.publisher?.ended, false, 'the victim\'s publisher is untouched');
  });

  test('a client that connects and sends nothing is closed after handshakeTimeoutMs', async () => {
    await attack('silent client', async () => {
      const c = new RawClient(server.rtmpPort);
      await c.connect();
      await c.waitClosed(HANDSHAKE_TIMEOUT_MS + 1_500, 'silent client');
      const after = c.closedAt! - c.connectedAt;
      assert.ok(after >= HANDSHAKE_TIMEOUT_MS - 50, `closed after ${after.toFixed(0)} ms, not before the timeout`);
    }, /^ERR_/);
  });

  test('a client that stops in the middle of C1 is closed after handshakeTimeoutMs', async () => {
    await attack('half a handshake', async () => {
      const c = new RawClient(server.rtmpPort);
      await c.connect();
      c.write(new Uint8Array([0x03, ...pseudoRandomBytes(700, 7)]));
      await c.waitClosed(HANDSHAKE_TIMEOUT_MS + 1_500, 'half a handshake');
      assert.ok(c.closedAt! - c.connectedAt >= HANDSHAKE_TIMEOUT_MS - 50);
    }, /^ERR_/);
  });

  test('200 GETs of random unknown paths: nothing leaks', async () => {
    const baseline = server.app.streams.size;
    const victim = server.app.streams.get({ vhost: '', app: 'live', stream: 'victim' })!;
    const viewersBefore = victim.subscribers.size;
    const rnd = pseudoRandomBytes(200 * 8, 99);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      const token = Buffer.from(rnd.subarray(i * 8, i * 8 + 8)).toString('hex');
      const paths = [`/live/${token}.flv`, `/${token}/${token}.flv`, `/live/${token}`, `/${token}`, `/live/${token}.flv?x=${i}`];
      const res = await request(server.httpUrl, { path: paths[i % paths.length]! });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    assert.deepEqual([...statuses.keys()], [404], `all unknown: ${JSON.stringify([...statuses])}`);
    assert.equal(server.app.streams.size, baseline, 'no stream entries created');
    assert.equal(victim.subscribers.size, viewersBefore, 'no viewers attached');
    const bytes = viewer.flv.bytes;
    await viewer.waitFor((v) => v.flv.bytes > bytes + 2_000, 2_000, 'the viewer to keep receiving');
  });

  test('viewers that vanish abruptly (HTTP reset, WS terminate) are all detached', async () => {
    const victim = server.app.streams.get({ vhost: '', app: 'live', stream: 'victim' })!;
    const viewersBefore = victim.subscribers.size;
    const https = await Promise.all(Array.from({ length: 20 }, () => HttpFlvViewer.open(`${server.httpUrl}/live/victim.flv`)));
    const sockets = await Promise.all(
      Array.from({ length: 20 }, () =>
        withTimeout(
          new Promise<WebSocket>((resolve, reject) => {
            const ws = new WebSocket(`${server.wsUrl}/live/victim.flv`);
            ws.once('open', () => resolve(ws));
            ws.once('error', reject);
          }),
          3_000,
          'a WS viewer to open',
        ),
      ),
    );
    await waitUntil(() => victim.subscribers.size === viewersBefore + 40, 2_000, `40 more viewers attached (now ${victim.subscribers.size})`);
    for (const v of https) v.close();
    for (const ws of sockets) ws.terminate();
    await waitUntil(() => victim.subscribers.size === viewersBefore, 2_000, `the vanished viewers to be detached (left: ${victim.subscribers.size - viewersBefore})`);
    const bytes = viewer.flv.bytes;
    await viewer.waitFor((v) => v.flv.bytes > bytes + 2_000, 2_000, 'the remaining viewer to keep receiving');
  });
});
