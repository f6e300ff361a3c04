/**
 * flvcast's relay against nginx-rtmp, a real RTMP server: a forward pushes a stream ffmpeg publishes to
 * flvcast on to nginx-rtmp and ffprobe reads it back from nginx over RTMP; a pull plays what ffmpeg
 * publishes to nginx-rtmp and flvcast serves it as HTTP-FLV to ffprobe.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fastifyRelay from '@flvcast/fastify-relay';
import { skipWithoutNginxRtmp, startNginxRtmp } from '../src/nginx-rtmp.js';
import { HttpFlvViewer, probe, publish, startApp, waitForMedia, waitUntil } from '../src/tools.js';

const skip = skipWithoutNginxRtmp();

describe('relay with nginx-rtmp', { skip }, () => {
  test('flvcast forwards a publish to nginx-rtmp; ffprobe reads it back from nginx', async (t) => {
    const nginx = await startNginxRtmp(t);
    const { app, rtmpUrl } = await startApp({
      plugins: async (a) => {
        await a.register(fastifyRelay, { forward: [{ match: 'live/*', url: `${nginx.url}/live` }], relayReconnectMinMs: 200 });
      },
    });
    t.after(() => app.close());
    const ffmpeg = publish(`${rtmpUrl}/live/fwd1`, 'av', { seconds: 20 });
    t.after(() => ffmpeg.kill());
    await waitForMedia(app, 'fwd1');
    const forwarding = await waitUntil(() => app.relay.forwards().find((f) => f.state === 'forwarding'), 10_000, 'the forward to publish at nginx');
    assert.equal(forwarding.url, `${nginx.url}/live`);
    // nginx-rtmp takes the name without its query (flvcastHops=1 rides there).
    const result = await probe(`${nginx.url}/live/fwd1`, 20_000);
    const video = result.streams.find((s) => s.codec_type === 'video');
    const audio = result.streams.find((s) => s.codec_type === 'audio');
    assert.equal(video?.codec_name, 'h264', `ffprobe of nginx: ${result.stderr}\n${nginx.log()}`);
    assert.deepEqual([video?.width, video?.height], [320, 240]);
    assert.equal(audio?.codec_name, 'aac');
    const status = app.relay.forwards()[0]!;
    assert.ok(status.bytes > 10_000, `bytes forwarded: ${status.bytes}`);
    assert.equal(status.drops, 0);
    assert.match(nginx.log(), /flvcastHops=1/, 'nginx saw the hop count in the publish name');
  });

  test('flvcast pulls a stream from nginx-rtmp and serves it as HTTP-FLV; its viewers stay through a republish at nginx', async (t) => {
    const nginx = await startNginxRtmp(t);
    const ffmpeg = publish(`${nginx.url}/live/src`, 'av', { seconds: 30 });
    t.after(() => ffmpeg.kill());
    const { app, httpUrl } = await startApp({
      httpFlv: { reconnectGraceMs: 20_000 },
      plugins: async (a) => {
        await a.register(fastifyRelay, { pull: [{ stream: 'live/pulled', url: `${nginx.url}/live/src` }], relayReconnectMinMs: 200, relayReconnectMaxMs: 1000 });
      },
    });
    t.after(() => app.close());
    // ffmpeg may reach nginx after the first pull attempt: the pull retries until media comes.
    const stream = await waitForMedia(app, 'pulled', { timeoutMs: 20_000 });
    assert.equal(stream.publisher?.info.protocol, 'pull');
    const result = await probe(`${httpUrl}/live/pulled.flv`, 20_000);
    const video = result.streams.find((s) => s.codec_type === 'video');
    assert.equal(video?.codec_name, 'h264', result.stderr);
    assert.deepEqual([video?.width, video?.height], [320, 240]);
    assert.equal(result.streams.find((s) => s.codec_type === 'audio')?.codec_name, 'aac');
    const pull = app.relay.pulls()[0]!;
    assert.equal(pull.state, 'pulling');
    assert.ok(pull.bytes > 10_000);

    // The encoder at nginx stops and starts again: nginx tells its players with a Stream EOF user control
    // message (its statuses need play_restart / publish_notify), the pull reconnects, and flvcast's viewer
    // waits in the grace window meanwhile.
    const viewer = await HttpFlvViewer.open(`${httpUrl}/live/pulled.flv`);
    t.after(() => viewer.close());
    await viewer.waitFor((v) => v.tags.length > 10, 10_000, 'the viewer to play');
    await ffmpeg.kill();
    const noticed = await waitUntil(() => (app.relay.pulls()[0]?.state !== 'pulling' ? app.relay.pulls()[0]?.lastError : undefined), 10_000, 'the pull to hear the upstream end');
    assert.equal(noticed.code, 'ERR_RELAY_CLOSED');
    assert.match(noticed.message, /ended \(StreamEOF\)/);
    const again = publish(`${nginx.url}/live/src`, 'av', { seconds: 30 });
    t.after(() => again.kill());
    const tagsBefore = viewer.tags.length;
    await viewer.waitFor((v) => v.tags.slice(tagsBefore).some((tag) => tag.video?.isKeyframe === true), 20_000, 'media from the second publish');
    assert.equal(viewer.aborted, false);
    assert.equal(viewer.ended, false);
    assert.ok(app.relay.pulls()[0]!.reconnects >= 1);
  });
});
