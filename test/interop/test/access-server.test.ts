/**
 * The server's access settings end to end, as an operator runs them: `flvcast sign` makes the URLs,
 * ffmpeg publishes with one, HTTP-FLV and WS-FLV play with another, SRS-style HTTP callbacks approve and
 * hear about it all, and IP lists refuse by address.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { buildServer, resolveConfig, signCommand } from '@flvcast/server';
import type { FastifyInstance } from 'fastify';
import { startCallbackServer, type CallbackServer } from '../src/callback-server.js';
import { HttpFlvViewer, publish, request, streamKey, waitForMedia, waitUntil, withTimeout } from '../src/tools.js';

const secret = 'operator-secret-0123456789abcdef';

async function start(config: Record<string, unknown>): Promise<{ app: FastifyInstance; http: string; rtmp: string }> {
  const { app } = await buildServer(resolveConfig({ httpListen: ['127.0.0.1:0'], rtmpListen: ['127.0.0.1:0'], logLevel: 'silent', ...config }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return { app, http: `http://127.0.0.1:${port}`, rtmp: `rtmp://127.0.0.1:${app.rtmp.addresses()[0]!.port}` };
}

describe('server access settings', () => {
  let callbacks: CallbackServer;
  let cbUrl: string;
  let calls: Record<string, unknown>[] = [];

  before(async () => {
    // The operator's auth service: approves everything except the stream named "denied".
    callbacks = await startCallbackServer((body) => (body.stream === 'denied' ? 403 : 0));
    cbUrl = callbacks.url;
    calls = callbacks.calls;
  });
  after(() => callbacks.close());

  test('operator session: sign, publish with ffmpeg, play over HTTP-FLV and WS-FLV; callbacks approve and are told', async (t) => {
    const s = await start({
      signedUrlSecret: secret,
      onPublishUrl: [`${cbUrl}/on_publish`],
      onPlayUrl: [`${cbUrl}/on_play`],
      onUnpublishUrl: [`${cbUrl}/on_unpublish`],
      onStopUrl: [`${cbUrl}/on_stop`],
    });
    t.after(() => s.app.close());
    const [publishUrl] = signCommand(['--secret', secret, '--stream', 'live/cam1', '--action', 'publish', '--base-url', s.rtmp], {});
    const pub = publish(publishUrl!, 'av', { seconds: 10 });
    t.after(() => pub.kill());
    await waitForMedia(s.app, 'cam1');
    const onPublish = calls.find((c) => c.action === 'on_publish' && c.stream === 'cam1')!;
    assert.equal(onPublish.app, 'live');
    assert.match(String(onPublish.param), /^\?expires=\d+&token=/);

    const [playUrl, wsUrl] = signCommand(['--secret', secret, '--stream', 'live/cam1', '--base-url', s.http], {});
    // Without the signature: refused before the callback is even asked.
    assert.equal((await request(`${s.http}/live/cam1.flv`)).status, 401);
    const viewer = await HttpFlvViewer.open(playUrl!);
    await viewer.waitFor((v) => v.tags.length >= 10, 5_000, 'ten tags over HTTP-FLV');
    viewer.close();
    const ws = new WebSocket(wsUrl!);
    t.after(() => ws.terminate());
    const binary = await withTimeout(new Promise<boolean>((resolve) => ws.once('message', (_d, isBinary) => resolve(isBinary))), 5_000, 'a WS-FLV message');
    assert.equal(binary, true);
    ws.close();
    await waitUntil(() => calls.filter((c) => c.action === 'on_stop').length >= 2, 3_000, 'two on_stop notifications');
    assert.equal(calls.filter((c) => c.action === 'on_play').length, 2);
    // The encoder goes away (as when OBS is closed): the callback service hears it.
    await pub.kill();
    await waitUntil(() => calls.find((c) => c.action === 'on_unpublish' && c.stream === 'cam1'), 3_000, 'on_unpublish');
  });

  test('a callback answering a non-zero code refuses the publish; ffmpeg says why', async (t) => {
    const s = await start({ onPublishUrl: [`${cbUrl}/on_publish`] });
    t.after(() => s.app.close());
    const result = await withTimeout(publish(`${s.rtmp}/live/denied`, 'video', { seconds: 3 }).done, 10_000, 'ffmpeg to give up');
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /publish refused: refused by on_publish callback/);
    assert.equal(s.app.streams.get(streamKey('denied')), undefined);
  });

  test('IP lists: a denied address gets 403 for play, and an address outside the publish allow-list cannot publish', async (t) => {
    const s = await start({ demo: true, playDeny: ['127.0.0.0/8', '::1'], publishAllow: ['10.0.0.0/8'] });
    t.after(() => s.app.close());
    const play = await request(`${s.http}/live/demo.flv`);
    assert.equal(play.status, 403);
    assert.match(play.body.toString(), /address 127\.0\.0\.1 is denied/);
    const result = await withTimeout(publish(`${s.rtmp}/live/cam9`, 'video', { seconds: 3 }).done, 10_000, 'ffmpeg to give up');
    assert.match(result.stderr, /publish refused: address 127\.0\.0\.1 is not allowed/);
  });
});
