/**
 * The server over TLS with real clients: HTTPS (ffprobe, Node's https client, a wss:// WebSocket),
 * HTTP/2 with TLS (Node's http2 client: several FLV streams on one session, VOD files with Range and ?starttime=; HTTP/1.1 clients still served
 * through allowHTTP1), and RTMPS ingest (ffmpeg publishing to rtmps://). The bundled ffmpeg/ffprobe are
 * built with GnuTLS, so they speak https:// and rtmps:// themselves; they don't verify certificates by
 * default, which is what lets them accept the throwaway self-signed one.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { buildServer, resolveConfig } from '@flvcast/server';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { testCert } from '../src/self-signed.js';
import { makeVodRecording } from '../src/vod-recording.js';
import { FlvCollector, ffmpegPath, probe, publish, spawnTool, waitForMedia, waitUntil, withTimeout } from '../src/tools.js';

interface Server {
  app: FastifyInstance;
  httpPort: number;
  rtmpPort: number;
}

async function startServer(t: TestContext, overrides: Record<string, unknown>): Promise<Server> {
  const config = resolveConfig({ httpListen: ['127.0.0.1:0'], rtmpListen: ['127.0.0.1:0'], logLevel: 'silent', ...overrides });
  const { app, listen } = await buildServer(config);
  t.after(() => app.close());
  const [address] = await listen();
  return { app, httpPort: address!.port, rtmpPort: app.rtmp.addresses().find((a) => !a.tls)!.port };
}

interface TlsViewer {
  flv: FlvCollector;
  httpVersion: string;
  alpn: string | false | null;
  ended: boolean;
}

/** HTTP/1.1 over TLS with Node's https client, trusting only our CA; reads until `tags` FLV tags. */
function httpsFlv(url: string, ca: string, tags: number): Promise<TlsViewer> {
  return withTimeout(
    new Promise<TlsViewer>((resolve, reject) => {
      // Offer only HTTP/1.1 by ALPN, as an HTTP/1 client should (Node's typings omit the pass-through option).
      const options: https.RequestOptions & Pick<ConnectionOptions, 'ALPNProtocols'> = { ca, agent: false, ALPNProtocols: ['http/1.1'] };
      const req = https.get(url, options, (res) => {
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['content-type'], 'video/x-flv');
        const viewer: TlsViewer = { flv: new FlvCollector(), httpVersion: res.httpVersion, alpn: (res.socket as TLSSocket).alpnProtocol, ended: false };
        res.on('data', (chunk: Buffer) => {
          viewer.flv.push(new Uint8Array(chunk));
          if (viewer.flv.tags.length >= tags) {
            req.destroy();
            resolve(viewer);
          }
        });
      });
      req.once('error', reject);
    }),
    10_000,
    `${tags} tags from ${url}`,
  );
}

describe('HTTPS', () => {
  test('ffprobe, Node https and wss:// play the live stream over TLS', async (t) => {
    const cert = await testCert();
    const { app, httpPort, rtmpPort } = await startServer(t, { httpsCert: cert.certPath, httpsKey: cert.keyPath });
    const pub = publish(`rtmp://127.0.0.1:${rtmpPort}/live/tls`, 'av', { seconds: 20 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'tls');
    const url = `https://127.0.0.1:${httpPort}/live/tls.flv`;

    const probed = await probe(url);
    assert.equal(probed.code, 0, probed.stderr);
    assert.deepEqual(probed.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);

    const viewer = await httpsFlv(url, cert.cert, 20);
    assert.equal(viewer.httpVersion, '1.1');
    assert.equal(viewer.flv.error, undefined);
    assert.ok(viewer.flv.tags.some((tag) => tag.video?.isKeyframe));

    // Plain http:// on the TLS port gets nowhere: the listener really is TLS only.
    const plain = await probe(`http://127.0.0.1:${httpPort}/live/tls.flv`, 10_000);
    assert.notEqual(plain.code, 0);

    const ws = new WebSocket(`wss://127.0.0.1:${httpPort}/live/tls.flv`, { ca: cert.cert, perMessageDeflate: false });
    t.after(() => ws.terminate());
    const wsFlv = new FlvCollector();
    ws.on('message', (data: Buffer) => wsFlv.push(new Uint8Array(data)));
    ws.on('error', () => {});
    await waitUntil(() => wsFlv.tags.length >= 20, 10_000, 'WSS-FLV media');
    assert.equal(wsFlv.error, undefined);
    assert.equal(wsFlv.header?.hasVideo, true);
  });

  test('close() does not wait on a client stuck in the TLS handshake', async (t) => {
    const cert = await testCert();
    const { app, httpPort } = await startServer(t, { httpsCert: cert.certPath, httpsKey: cert.keyPath });
    const silent = connect({ host: '127.0.0.1', port: httpPort });
    t.after(() => silent.destroy());
    silent.on('error', () => {});
    await new Promise((resolve) => silent.once('connect', resolve));
    const started = performance.now();
    await withTimeout(app.close(), 5000, 'app.close() (the HTTPS handshake timeout is 2 minutes)');
    assert.ok(performance.now() - started < 3000);
  });

  test('a missing certificate file is a config error naming the option', async () => {
    await assert.rejects(
      buildServer(resolveConfig({ httpsCert: '/nonexistent/cert.pem', httpsKey: '/nonexistent/key.pem', logLevel: 'silent' })),
      (err: Error & { code?: string }) => err.code === 'ERR_FLVCAST_CONFIG' && /httpsCert \(--https-cert, FLVCAST_HTTPS_CERT\)/.test(err.message),
    );
    assert.throws(() => resolveConfig({ http2: true }), /http2 .*needs httpsCert/);
    assert.throws(() => resolveConfig({ httpsCert: 'c.pem' }), /httpsKey .*needed with httpsCert/);
  });
});

describe('HTTP/2 with TLS', () => {
  test('one h2 session carries several HTTP-FLV streams; HTTP/1.1 clients and WS still work; close() ends h2 streams cleanly', async (t) => {
    const cert = await testCert();
    const { app, httpPort, rtmpPort } = await startServer(t, { httpsCert: cert.certPath, httpsKey: cert.keyPath, http2: true, reconnectGraceMs: 0 });
    const cam = publish(`rtmp://127.0.0.1:${rtmpPort}/live/cam`, 'av', { seconds: 25 });
    const radio = publish(`rtmp://127.0.0.1:${rtmpPort}/live/radio`, 'audio', { seconds: 25 });
    t.after(() => cam.kill());
    t.after(() => radio.kill());
    await waitForMedia(app, 'cam');
    await waitForMedia(app, 'radio');

    const origin = `https://127.0.0.1:${httpPort}`;
    const session = http2.connect(origin, { ca: cert.cert });
    t.after(() => session.destroy());
    session.on('error', () => {});
    await withTimeout(new Promise((resolve) => session.once('connect', resolve)), 5000, 'the h2 session');
    assert.equal(session.alpnProtocol, 'h2');

    // A camera wall: many live streams, one connection (no 6-per-host limit).
    const paths = ['/live/cam.flv', '/live/cam.flv', '/live/radio.flv', '/live/cam.flv'];
    const views = paths.map((path) => {
      const view = { path, status: 0, flv: new FlvCollector(), ended: false, error: undefined as Error | undefined };
      const req = session.request({ ':path': path });
      req.on('response', (headers) => {
        view.status = Number(headers[':status']);
        assert.equal(headers['content-type'], 'video/x-flv');
      });
      req.on('data', (chunk: Buffer) => view.flv.push(new Uint8Array(chunk)));
      req.on('end', () => (view.ended = true));
      req.on('error', (err) => (view.error = err));
      return view;
    });
    await waitUntil(() => views.every((v) => v.flv.tags.length >= 15), 15_000, 'media on every h2 stream');
    for (const v of views) {
      assert.equal(v.status, 200, v.path);
      assert.equal(v.flv.error, undefined, v.path);
    }
    assert.deepEqual(
      views.map((v) => [v.flv.header?.hasAudio, v.flv.header?.hasVideo]),
      [
        [true, true],
        [true, true],
        [true, false],
        [true, true],
      ],
    );
    assert.ok(views[0]!.flv.tags.some((tag) => tag.video?.codec === 'avc'));

    // allowHTTP1: ffprobe and Node's https client (ALPN http/1.1) on the same port.
    const probed = await probe(`${origin}/live/cam.flv`);
    assert.equal(probed.code, 0, probed.stderr);
    assert.deepEqual(probed.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    const h1 = await httpsFlv(`${origin}/live/cam.flv`, cert.cert, 10);
    assert.equal(h1.httpVersion, '1.1');
    assert.equal(h1.alpn, 'http/1.1');

    const ws = new WebSocket(`wss://127.0.0.1:${httpPort}/live/cam.flv`, { ca: cert.cert, perMessageDeflate: false });
    t.after(() => ws.terminate());
    const wsFlv = new FlvCollector();
    ws.on('message', (data: Buffer) => wsFlv.push(new Uint8Array(data)));
    ws.on('error', () => {});
    await waitUntil(() => wsFlv.tags.length >= 10, 10_000, 'WSS-FLV media on the HTTP/2 listener');

    // Shutdown: every h2 stream ends with END_STREAM (an 'end'), none is reset.
    await withTimeout(app.close(), 5000, 'app.close()');
    await waitUntil(() => views.every((v) => v.ended || v.error), 3000, 'the h2 streams to end');
    for (const v of views) {
      assert.equal(v.error, undefined, `${v.path} was reset`);
      assert.equal(v.ended, true, v.path);
    }
  });
});

describe('RTMPS', () => {
  test('VOD over HTTP/2: the whole file, a Range and a ?starttime= start, at once on one h2 session', async (t) => {
    const cert = await testCert();
    const dir = mkdtempSync(join(tmpdir(), 'flvcast-vod-h2-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const rec = await makeVodRecording(dir);
    const { httpPort } = await startServer(t, { httpsCert: cert.certPath, httpsKey: cert.keyPath, http2: true, vodDir: dir });
    const session = http2.connect(`https://127.0.0.1:${httpPort}`, { ca: cert.cert });
    t.after(() => session.destroy());
    session.on('error', () => {});
    await withTimeout(new Promise((resolve) => session.once('connect', resolve)), 5000, 'the h2 session');
    assert.equal(session.alpnProtocol, 'h2');
    const get = (path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: Uint8Array }> =>
      withTimeout(
        new Promise((resolve, reject) => {
          const req = session.request({ ':path': path, ...headers });
          const chunks: Buffer[] = [];
          let head: http2.IncomingHttpHeaders = {};
          req.on('response', (h) => (head = h));
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => resolve({ status: Number(head[':status']), headers: head, body: new Uint8Array(Buffer.concat(chunks)) }));
          req.on('error', reject);
        }),
        10_000,
        `GET ${path} over h2`,
      );
    const url = `/vod/${rec.path}`;
    const [whole, part, start] = await Promise.all([get(url), get(url, { range: 'bytes=1000-1999' }), get(`${url}?starttime=6`)]);
    assert.equal(whole.status, 200);
    assert.deepEqual(whole.body, rec.bytes, 'the whole file, byte for byte');
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 1000-1999/${rec.bytes.length}`);
    assert.deepEqual(part.body, rec.bytes.subarray(1000, 2000));
    assert.equal(start.status, 200);
    const keyframe = rec.index.keyframes.filepositions[rec.index.keyframes.times.indexOf(6)]!;
    assert.ok(keyframe > 0, `a keyframe at 6 s (${JSON.stringify(rec.index.keyframes)})`);
    const tail = rec.bytes.subarray(keyframe);
    assert.deepEqual(start.body.subarray(start.body.length - tail.length), tail, '?starttime=6 ends with the file from the keyframe at 6 s');
    assert.deepEqual([...start.body.subarray(0, 3)], [0x46, 0x4c, 0x56], 'and starts with an FLV header');
  });

  test('ffmpeg publishes over rtmps://; viewers get the media', async (t) => {
    const cert = await testCert();
    const { app, httpPort } = await startServer(t, { rtmpsListen: ['127.0.0.1:0'], rtmpsCert: cert.certPath, rtmpsKey: cert.keyPath });
    const rtmps = app.rtmp.addresses().find((a) => a.tls);
    assert.ok(rtmps, 'an RTMPS listener');
    const pub = publish(`rtmps://127.0.0.1:${rtmps.port}/live/secure`, 'av', { seconds: 20 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'secure', { timeoutMs: 15_000 });
    assert.equal(app.streams.get({ vhost: '', app: 'live', stream: 'secure' })?.publisher?.info.protocol, 'rtmp');

    const probed = await probe(`http://127.0.0.1:${httpPort}/live/secure.flv`);
    assert.equal(probed.code, 0, probed.stderr);
    const video = probed.streams.find((s) => s.codec_type === 'video');
    assert.equal(video?.codec_name, 'h264');
    assert.equal(video?.width, 320);
    assert.ok(probed.streams.some((s) => s.codec_name === 'aac'));
  });

  test('ffmpeg plays over rtmps:// from the flvcast server: a clean decode, counted as an rtmps viewer', async (t) => {
    const cert = await testCert();
    const { app } = await startServer(t, { rtmpsListen: ['127.0.0.1:0'], rtmpsCert: cert.certPath, rtmpsKey: cert.keyPath });
    const rtmps = app.rtmp.addresses().find((a) => a.tls)!;
    const pub = publish(`rtmps://127.0.0.1:${rtmps.port}/live/secureplay`, 'av', { seconds: 25 });
    t.after(() => pub.kill());
    const stream = await waitForMedia(app, 'secureplay', { timeoutMs: 15_000 });
    const protocols = new Set<string>();
    app.streams.events.on('play', ({ subscriber }) => protocols.add(`${subscriber.info.protocol}/${subscriber.format}`));
    const r = await spawnTool(ffmpegPath(), ['-hide_banner', '-nostdin', '-nostats', '-v', 'error', '-i', `rtmps://127.0.0.1:${rtmps.port}/live/secureplay`, '-t', '3', '-f', 'null', '-'], 30_000).done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'no error line while decoding');
    assert.deepEqual([...protocols], ['rtmps/rtmp']);
    assert.ok(stream.publisher !== undefined);
  });

  test('close() does not wait on a peer stuck in the TLS handshake', async (t) => {
    const cert = await testCert();
    const { app } = await startServer(t, { rtmpsListen: ['127.0.0.1:0'], rtmpsCert: cert.certPath, rtmpsKey: cert.keyPath, handshakeTimeoutMs: 20_000 });
    const rtmps = app.rtmp.addresses().find((a) => a.tls)!;
    const silent = connect({ host: '127.0.0.1', port: rtmps.port });
    t.after(() => silent.destroy());
    silent.on('error', () => {});
    await new Promise((resolve) => silent.once('connect', resolve));
    const closed = new Promise<number>((resolve) => silent.once('close', () => resolve(performance.now())));
    const started = performance.now();
    await withTimeout(app.close(), 5000, 'app.close()');
    const at = await withTimeout(closed, 2000, 'the silent socket to be closed');
    assert.ok(at - started < 2000, `closed after ${(at - started).toFixed(0)} ms (handshake timeout 20 s)`);
  });
});
