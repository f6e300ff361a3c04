/**
 * HTTP semantics of the FLV mount as browsers (mpegts.js through fetch, CORS) and ffmpeg use it: preflight,
 * Range ignored on a live URL, HEAD, fast 404, 400 for hostile names, a clean end when the publisher stops.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  HttpFlvViewer,
  publish,
  request,
  startApp,
  summarize,
  waitForMedia,
  withTimeout,
} from '../src/tools.js';

/** Sends raw request bytes and returns everything the server sent until it closed the connection. */
function rawExchange(port: number, text: string, timeoutMs = 3_000): Promise<Buffer> {
  const socket = net.connect({ host: '127.0.0.1', port });
  const parts: Buffer[] = [];
  return withTimeout(
    new Promise<Buffer>((resolve, reject) => {
      socket.on('data', (d: Buffer) => parts.push(d));
      socket.once('end', () => resolve(Buffer.concat(parts)));
      socket.once('error', reject);
      socket.write(text);
    }),
    timeoutMs,
    'the server to answer and close',
  ).finally(() => socket.destroy());
}

describe('HTTP behaviour of the FLV mount', () => {
  test('CORS preflight with Range: 204, allow-origin, allow-headers incl. range', async (t) => {
    const { app, httpUrl } = await startApp();
    t.after(() => app.close());
    const res = await request(`${httpUrl}/live/cam.flv`, {
      method: 'OPTIONS',
      headers: { origin: 'https://player.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' },
    });
    assert.equal(res.status, 204);
    assert.ok(res.headers['access-control-allow-origin'] === '*' || res.headers['access-control-allow-origin'] === 'https://player.example', `allow-origin: ${res.headers['access-control-allow-origin']}`);
    const allowHeaders = String(res.headers['access-control-allow-headers'] ?? '').toLowerCase().split(/\s*,\s*/);
    assert.ok(allowHeaders.includes('range'), `allow-headers: ${res.headers['access-control-allow-headers']}`);
    const allowMethods = String(res.headers['access-control-allow-methods'] ?? '').toUpperCase();
    assert.ok(allowMethods.includes('GET'), `allow-methods: ${allowMethods}`);
  });

  test('GET with Range: bytes=0- (and ffmpeg\'s Icy-MetaData, Connection: close): 200, a fresh FLV stream with CORS headers', async (t) => {
    const { app, httpUrl, rtmpUrl } = await startApp();
    t.after(() => app.close());
    // A dotted name is a valid name.
    const pub = publish(`${rtmpUrl}/live/cam.1`, 'av', { seconds: 10 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'cam.1');

    const viewer = await HttpFlvViewer.open(`${httpUrl}/live/cam.1.flv`, {
      headers: { range: 'bytes=0-', 'icy-metadata': '1', connection: 'close', origin: 'https://player.example' },
    });
    t.after(() => viewer.close());
    assert.equal(viewer.status, 200, 'a Range header on a live URL is ignored (not 206/416)');
    assert.equal(viewer.headers['content-type'], 'video/x-flv');
    assert.equal(viewer.headers['content-range'], undefined);
    assert.equal(viewer.headers['transfer-encoding'], 'chunked');
    assert.match(String(viewer.headers['cache-control']), /no-cache|no-store/);
    assert.ok(viewer.headers['access-control-allow-origin'] !== undefined, 'CORS allow-origin on the stream response');
    assert.ok(viewer.headers['access-control-expose-headers'] !== undefined, 'CORS expose-headers on the stream response');
    await viewer.waitFor((v) => v.tags.some((x) => x.video?.isKeyframe), 3_000, 'a keyframe');
    viewer.close();
    assert.deepEqual(viewer.firstBytes.slice(0, 3), [0x46, 0x4c, 0x56], 'starts with the FLV header (fresh stream from its start)');
    assert.equal(viewer.tags[0]?.script?.name, 'onMetaData', summarize(viewer.tags));
  });

  test('HEAD: 200, video/x-flv, no body', async (t) => {
    const { app, httpUrl, rtmpUrl } = await startApp();
    t.after(() => app.close());
    const pub = publish(`${rtmpUrl}/live/head`, 'av', { seconds: 8 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'head');

    const res = await request(`${httpUrl}/live/head.flv`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'video/x-flv');
    // The HTTP client never reads a HEAD body: check the raw bytes on the wire instead.
    const port = Number(new URL(httpUrl).port);
    const raw = await rawExchange(port, 'HEAD /live/head.flv HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    const text = raw.toString('latin1');
    const split = text.indexOf('\r\n\r\n');
    assert.ok(split > 0, `a complete response head: ${JSON.stringify(text.slice(0, 200))}`);
    assert.match(text.slice(0, split), /^HTTP\/1\.1 200/);
    assert.equal(raw.length - (split + 4), 0, `no body bytes after the head: ${JSON.stringify(text.slice(split + 4, split + 80))}`);
    assert.equal(app.streams.get({ vhost: '', app: 'live', stream: 'head' })?.subscribers.size, 0, 'HEAD attached no viewer');
  });

  test('unknown stream: 404 at once', async (t) => {
    const { app, httpUrl } = await startApp();
    t.after(() => app.close());
    const res = await request(`${httpUrl}/live/nobody.flv`);
    assert.equal(res.status, 404);
    assert.ok(res.ms < 200, `404 took ${res.ms.toFixed(0)} ms`);
    const head = await request(`${httpUrl}/live/nobody.flv`, { method: 'HEAD' });
    assert.equal(head.status, 404);
    assert.equal(app.streams.size, 0);
  });

  test('hostile names get 400: NUL, backslash, encoded ../, .. inside a name; cam.1 is a valid name', async (t) => {
    const { app, httpUrl } = await startApp();
    t.after(() => app.close());
    const bad = [
      '/live/a%00b.flv',
      '/live/a%5Cb.flv',
      '/live/%5C.flv',
      '/live/%2e%2e%2fsecret.flv',
      '/live/..%2fsecret.flv',
      '/live/%2E%2E%2Fsecret.flv',
      '/live/a..b.flv',
      '/a..b/cam.flv',
      '/%2e%2e/cam.flv',
      '/live/..flv',
    ];
    for (const path of bad) {
      const res = await request(httpUrl, { path });
      assert.equal(res.status, 400, `${path} -> ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
    }
    // Syntactically fine, just not published: 404, not 400.
    const ok = await request(httpUrl, { path: '/live/cam.1.flv' });
    assert.equal(ok.status, 404, `cam.1 is a valid name: ${ok.body.toString('utf8').slice(0, 200)}`);
    assert.equal(app.streams.size, 0);
  });

  test('publisher stops: the response ends cleanly (chunked terminator) within the reconnect grace', async (t) => {
    const graceMs = 500;
    const { app, httpUrl, rtmpUrl } = await startApp({ httpFlv: { reconnectGraceMs: graceMs } });
    t.after(() => app.close());
    const pub = publish(`${rtmpUrl}/live/short`, 'av', { seconds: 3 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'short');
    const viewer = await HttpFlvViewer.open(`${httpUrl}/live/short.flv`);
    t.after(() => viewer.close());
    assert.equal(viewer.status, 200);

    const result = await withTimeout(pub.done, 10_000, 'ffmpeg to finish its 3 s encode');
    assert.equal(result.code, 0, `ffmpeg publish ended cleanly: ${result.stderr}`);
    const exitedAt = performance.now();
    await viewer.waitForEnd(graceMs + 2_000);
    assert.equal(viewer.aborted, false, 'the response was not cut (no connection reset before the terminator)');
    assert.equal(viewer.ended, true, 'the response ended');
    const after = viewer.endedAt! - exitedAt;
    assert.ok(after < graceMs + 1_000, `the response ended ${after.toFixed(0)} ms after the publisher left (grace ${graceMs} ms)`);
    assert.equal(viewer.flv.error, undefined);
    assert.equal(viewer.flv.demuxer.bufferedBytes, 0, 'the stream ends on a tag boundary');
    assert.ok(viewer.tags.some((x) => x.video?.isKeyframe), 'the viewer got media before the end');
    await withTimeout(
      (async () => {
        while (app.streams.size > 0) await new Promise((r) => setTimeout(r, 20));
      })(),
      2_000,
      'the stream entry to be freed',
    );
  });
  test('app.close() with a live publisher and viewers finishes promptly and ends the responses', async (t) => {
    const { app, httpUrl, rtmpUrl } = await startApp();
    let closed = false;
    t.after(async () => {
      if (!closed) await app.close();
    });
    const pub = publish(`${rtmpUrl}/live/shutdown`, 'av', { seconds: 10 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'shutdown');
    const viewer = await HttpFlvViewer.open(`${httpUrl}/live/shutdown.flv`);
    t.after(() => viewer.close());
    await viewer.waitFor((v) => v.tags.length > 5, 3_000, 'media');
    const started = performance.now();
    await withTimeout(app.close(), 3_000, 'app.close()');
    closed = true;
    const ms = performance.now() - started;
    assert.ok(ms < 2_000, `app.close() took ${ms.toFixed(0)} ms`);
    await viewer.waitForEnd(1_000);
    assert.equal(viewer.ended, true, 'the viewer\'s response ended (not left hanging)');
    const r = await withTimeout(pub.done, 5_000, 'ffmpeg to notice the server is gone');
    assert.notEqual(r.code, 0, 'the publisher lost its server');
  });
});
