/**
 * IPv6 and dual stack with real clients: ffmpeg publishing to rtmp://[::1]:port, ffprobe and Node clients
 * playing over http://[::1]:port; one `[::]` socket serving IPv4 and IPv6 alike; and several HTTP listen
 * addresses at once (127.0.0.1 and ::1). Skipped, with the reason, where the machine has no IPv6 loopback.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import { connect, createServer } from 'node:net';
import { buildServer, resolveConfig, type BuiltServer } from '@flvcast/server';
import WebSocket from 'ws';
import { testCert } from '../src/self-signed.js';
import { FlvCollector, HttpFlvViewer, probe, publish, waitForMedia, waitUntil, withTimeout } from '../src/tools.js';

const ipv6 = await new Promise<boolean>((resolve) => {
  const server = createServer();
  server.once('error', () => resolve(false));
  server.listen(0, '::1', () => server.close(() => resolve(true)));
});
const skip = ipv6 ? false : 'this machine has no IPv6 loopback (::1)';

async function start(t: TestContext, httpListen: string[], rtmpListen: string[], more: Record<string, unknown> = {}): Promise<BuiltServer & { ports: number[]; rtmpPort: number }> {
  const built = await buildServer(resolveConfig({ httpListen, rtmpListen, logLevel: 'silent', reconnectGraceMs: 0, ...more }));
  t.after(() => built.app.close());
  const bound = await built.listen();
  return { ...built, ports: bound.map((a) => a.port), rtmpPort: built.app.rtmp.addresses()[0]!.port };
}

describe('IPv6', { skip }, () => {
  test('dual stack on one [::] socket: ffmpeg publishes to rtmp://[::1], ffprobe plays over ::1 and 127.0.0.1', async (t) => {
    const { app, ports, rtmpPort } = await start(t, ['[::]:0'], ['[::]:0']);
    const pub = publish(`rtmp://[::1]:${rtmpPort}/live/v6`, 'av', { seconds: 20 });
    t.after(() => pub.kill());
    const stream = await waitForMedia(app, 'v6');
    assert.equal(stream.publisher?.info.remoteAddress, '::1', 'the encoder came over IPv6');

    for (const host of ['[::1]', '127.0.0.1']) {
      const probed = await probe(`http://${host}:${ports[0]}/live/v6.flv`);
      assert.equal(probed.code, 0, `${host}: ${probed.stderr}`);
      assert.deepEqual(probed.streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], host);
    }
  });

  test('several HTTP addresses (127.0.0.1 and ::1): HTTP-FLV and WS-FLV on each, all closed on shutdown', async (t) => {
    const { app, ports, rtmpPort } = await start(t, ['127.0.0.1:0', '[::1]:0'], ['127.0.0.1:0']);
    assert.equal(ports.length, 2);
    const pub = publish(`rtmp://127.0.0.1:${rtmpPort}/live/both`, 'av', { seconds: 20 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'both');

    const v4 = await HttpFlvViewer.open(`http://127.0.0.1:${ports[0]}/live/both.flv`);
    const v6 = await HttpFlvViewer.open(`http://[::1]:${ports[1]}/live/both.flv`);
    t.after(() => v4.close());
    t.after(() => v6.close());
    assert.equal(v6.status, 200);
    const ws = new WebSocket(`ws://[::1]:${ports[1]}/live/both.flv`, { perMessageDeflate: false });
    t.after(() => ws.terminate());
    const wsFlv = new FlvCollector();
    ws.on('message', (data: Buffer) => wsFlv.push(new Uint8Array(data)));
    ws.on('error', () => {});
    const wsClosed = new Promise<number>((resolve) => ws.once('close', resolve));
    await v4.waitFor((v) => v.tags.length > 10, 10_000, 'media over 127.0.0.1');
    await v6.waitFor((v) => v.tags.length > 10, 10_000, 'media over ::1');
    await waitUntil(() => wsFlv.tags.length > 10, 10_000, 'WS-FLV media over ::1');
    const probed = await probe(`http://[::1]:${ports[1]}/live/both.flv`);
    assert.equal(probed.code, 0, probed.stderr);

    await withTimeout(app.close(), 5000, 'app.close()');
    await v6.waitForEnd(2000);
    assert.equal(v6.ended, true, 'the viewer on the second address got its last chunk');
    assert.equal(v4.ended, true);
    assert.equal(await withTimeout(wsClosed, 2000, 'the WS close'), 1001);
    const refused = await new Promise<string>((resolve) => {
      const socket = connect({ host: '::1', port: ports[1]! });
      socket.once('connect', () => {
        socket.destroy();
        resolve('accepted');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    assert.equal(refused, 'ECONNREFUSED', 'the second address stopped listening');
  });

  test('the second address speaks the same TLS and HTTP/2 as the first', async (t) => {
    const cert = await testCert();
    const { ports } = await start(t, ['127.0.0.1:0', '[::1]:0'], ['127.0.0.1:0'], { httpsCert: cert.certPath, httpsKey: cert.keyPath, http2: true });
    const session = http2.connect(`https://[::1]:${ports[1]}`, { ca: cert.cert });
    t.after(() => session.destroy());
    session.on('error', () => {});
    const status = await withTimeout(
      new Promise<number>((resolve, reject) => {
        const req = session.request({ ':path': '/live/nobody.flv' });
        req.on('response', (headers) => resolve(Number(headers[':status'])));
        req.on('error', reject);
        req.resume();
      }),
      5000,
      'an h2 response over ::1',
    );
    assert.equal(session.alpnProtocol, 'h2');
    assert.equal(status, 404, 'answered by the app (no such stream)');
    const h1 = await withTimeout(
      new Promise<string>((resolve, reject) => {
        https.get(`https://[::1]:${ports[1]}/live/nobody.flv`, { ca: cert.cert, agent: false }, (res) => {
          res.resume();
          resolve(`${res.httpVersion} ${res.statusCode}`);
        }).once('error', reject);
      }),
      5000,
      'an HTTPS/1.1 response over ::1',
    );
    assert.equal(h1, '1.1 404');
  });
});
