/**
 * Graceful shutdown of the real `flvcast` CLI: with a real ffmpeg publisher, an Enhanced RTMP publisher,
 * an HTTP-FLV viewer and a WS-FLV viewer attached, SIGTERM must end every one of them cleanly and exit 0
 * within the grace. (ffmpeg 4.1 predates Enhanced RTMP, so the reconnect-capable encoder is our own
 * client session over a real socket.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { RtmpClientSession, type RtmpClientEvent } from '@flvcast/rtmp';
import WebSocket from 'ws';
import { FlvCollector, HttpFlvViewer, publish, sleep, spawnTool, waitUntil, withTimeout } from '../src/tools.js';

const cli = fileURLToPath(new URL('./cli.js', import.meta.resolve('@flvcast/server')));

test('SIGTERM with a live publisher and HTTP/WS viewers: clean ends for all, exit 0 within the grace', async (t) => {
  const graceMs = 3000;
  // spawnTool has no env option: the CLI reads the same settings from flags. No reconnect grace, so the
  // viewers' end comes from the shutdown itself (1001 going away), not from the publisher leaving.
  const server = spawnTool(
    process.execPath,
    [cli, '--http-listen', '127.0.0.1:0', '--rtmp-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0', '--shutdown-grace-ms', String(graceMs), '--reconnect-grace-ms', '0'],
    60_000,
  );
  t.after(() => server.kill());
  await waitUntil(() => /flvcast .* ready/.test(server.stdout), 10_000, 'the ready line');
  const httpPort = /http:\/\/127\.0\.0\.1:(\d+)/.exec(server.stdout)![1]!;
  const rtmpPort = /rtmp:\/\/127\.0\.0\.1:(\d+)/.exec(server.stdout)![1]!;

  const pub = publish(`rtmp://127.0.0.1:${rtmpPort}/live/cam1`, 'av', { seconds: 30 });
  t.after(() => pub.kill());
  const url = `http://127.0.0.1:${httpPort}/live/cam1.flv`;
  // 404 until ffmpeg's first packets are in: retry, bounded.
  let viewer: HttpFlvViewer | undefined;
  for (const deadline = performance.now() + 10_000; viewer === undefined; ) {
    assert.ok(performance.now() < deadline, 'the stream never went live');
    const v = await HttpFlvViewer.open(url);
    if (v.status === 200) viewer = v;
    else {
      v.close();
      await sleep(200);
    }
  }
  t.after(() => viewer.close());

  const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/live/cam1.flv`, { perMessageDeflate: false });
  const wsFlv = new FlvCollector();
  ws.on('message', (data: Buffer) => wsFlv.push(new Uint8Array(data)));
  const wsClosed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('error', () => {});
  t.after(() => ws.terminate());

  // An Enhanced RTMP encoder (our own client session announcing capsEx Reconnect) that does what the spec
  // asks on ReconnectRequest: it leaves (a real one would reconnect; this server is going away).
  const tcUrl = `rtmp://127.0.0.1:${rtmpPort}/live`;
  const ertmp = new RtmpClientSession({ app: 'live', tcUrl, connectProperties: { capsEx: 1 } });
  const ertmpSocket = connect({ host: '127.0.0.1', port: Number(rtmpPort) });
  t.after(() => ertmpSocket.destroy());
  ertmpSocket.on('error', () => {});
  let reconnectRequest: Extract<RtmpClientEvent, { type: 'status' }> | undefined;
  let ertmpPublished = false;
  ertmpSocket.on('data', (d: Buffer) => {
    for (const e of ertmp.push(new Uint8Array(d))) {
      if (e.type === 'published') ertmpPublished = true;
      if (e.type === 'status' && e.code === 'NetConnection.Connect.ReconnectRequest') {
        reconnectRequest = e;
        ertmpSocket.end();
      }
    }
    if (ertmpSocket.writable) for (const b of ertmp.takeOutput()) ertmpSocket.write(b);
  });
  ertmp.start();
  ertmp.publish('cam2');
  for (const b of ertmp.takeOutput()) ertmpSocket.write(b);
  await waitUntil(() => ertmpPublished, 5000, 'the E-RTMP encoder to publish');

  await viewer.waitFor((v) => v.tags.length > 10, 10_000, 'HTTP-FLV media');
  await waitUntil(() => wsFlv.tags.length > 10, 10_000, 'WS-FLV media');

  const started = performance.now();
  server.child.kill('SIGTERM');
  const exit = await withTimeout(server.done, graceMs + 3000, 'the server to exit');
  const ms = performance.now() - started;
  console.log(`# flvcast exited ${ms.toFixed(0)} ms after SIGTERM (grace ${graceMs} ms), code ${exit.code}`);

  assert.equal(exit.code, 0, `clean exit; stderr: ${exit.stderr}`);
  assert.ok(ms < graceMs + 1500, `exited after ${ms.toFixed(0)} ms`);
  assert.match(exit.stdout, /shut down cleanly/);

  // HTTP/1.1: the response ended with the terminating 0-length chunk ('end'), not a reset ('aborted').
  await viewer.waitForEnd(2000);
  assert.equal(viewer.ended, true, 'the HTTP-FLV response got its last chunk');
  assert.equal(viewer.aborted, false, 'the HTTP-FLV response was not cut off');
  assert.equal(viewer.flv.error, undefined);

  const closed = await withTimeout(wsClosed, 2000, 'the WS close');
  assert.equal(closed.code, 1001, `WS close code (reason ${closed.reason})`);

  assert.equal(reconnectRequest?.info['tcUrl'], tcUrl, 'the E-RTMP encoder was asked to reconnect to the same server');

  const ff = await withTimeout(pub.done, 5000, 'ffmpeg to end');
  assert.equal(ff.timedOut, false);
});
