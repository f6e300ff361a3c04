/**
 * Edge mode with real processes: an origin and an edge as two `flvcast` servers, ffmpeg publishing to the
 * origin, ffprobe and an RTMP player on the edge; failover between two origins with one SIGKILLed; an
 * unknown stream's 404; and nginx-rtmp as the origin of a flvcast edge.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { signStream } from '@flvcast/access';
import { apiJson, startFlvcast, type FlvcastProcess } from '../src/flvcast-process.js';
import { skipWithoutNginxRtmp, startNginxRtmp } from '../src/nginx-rtmp.js';
import { RtmpTestPlayer } from '../src/rtmp-test-player.js';
import { ffprobePath, HttpFlvViewer, probe, publish, request, waitAsync } from '../src/tools.js';

interface StreamInfo {
  name: string;
  publishing: boolean;
  viewers: { total: number };
}
interface PullInfo {
  stream: string;
  url: string;
  state: string;
  connectedSince: string | null;
  reconnects: number;
}

const streams = async (p: FlvcastProcess): Promise<StreamInfo[]> => (await apiJson<{ streams: StreamInfo[] }>(p, '/api/v1/streams')).streams;
const pulls = async (p: FlvcastProcess): Promise<PullInfo[]> => (await apiJson<{ pulls: PullInfo[] }>(p, '/api/v1/pulls')).pulls;

const waitForPublish = (p: FlvcastProcess, name: string): Promise<true> =>
  waitAsync(async () => (await streams(p)).some((s) => s.name === name && s.publishing) || undefined, 20_000, `${name} to publish at ${p.httpUrl}`);

const videoOf = (r: Awaited<ReturnType<typeof probe>>) => r.streams.find((s) => s.codec_type === 'video')?.codec_name;
const audioOf = (r: Awaited<ReturnType<typeof probe>>) => r.streams.find((s) => s.codec_type === 'audio')?.codec_name;

test('origin and edge as two processes: .flv, .ts and RTMP play from the edge, 50 viewers make one upstream connection, idle stop and reuse', async (t) => {
  const origin = await startFlvcast(t);
  const edge = await startFlvcast(t, ['--origin', origin.httpUrl, '--edge-idle-ms', '2000']);
  const ffmpeg = publish(`rtmp://127.0.0.1:${origin.rtmpPort}/live/cam1`, 'av', { seconds: 60 });
  t.after(() => ffmpeg.kill());
  await waitForPublish(origin, 'live/cam1');

  const flv = await probe(`${edge.httpUrl}/live/cam1.flv`);
  assert.deepEqual([videoOf(flv), audioOf(flv)], ['h264', 'aac'], `ffprobe .flv from the edge: ${flv.stderr}`);
  // The static ffprobe of @ffprobe-installer crashes in the SDT's iconv (see ts-mount.test.ts): Debian's reads TS.
  const ts = await probe(`${edge.httpUrl}/live/cam1.ts`, 15_000, process.env.FFPROBE_PATH || (existsSync('/usr/bin/ffprobe') ? '/usr/bin/ffprobe' : ffprobePath()));
  assert.deepEqual([videoOf(ts), audioOf(ts)], ['h264', 'aac'], `ffprobe .ts from the edge: ${ts.stderr}`);

  const player = new RtmpTestPlayer(edge.rtmpPort, 'cam1');
  t.after(() => player.close());
  await player.waitFor((p) => p.media('video').length > 0, 'RTMP media from the edge');
  assert.ok(player.statuses.includes('NetStream.Play.Start'));

  const viewers = await Promise.all(Array.from({ length: 50 }, () => HttpFlvViewer.open(`${edge.httpUrl}/live/cam1.flv`)));
  t.after(() => viewers.forEach((v) => v.close()));
  await Promise.all(viewers.map((v) => v.waitFor((x) => x.tags.some((tag) => tag.type === 9), 10_000, 'video at an edge viewer')));
  const atOrigin = (await streams(origin)).find((s) => s.name === 'live/cam1');
  assert.equal(atOrigin?.viewers.total, 1, '51 viewers on the edge are one viewer at the origin');
  const [pull] = await pulls(edge);
  assert.equal(pull?.state, 'pulling');
  assert.equal(pull?.reconnects, 0);

  // Everyone leaves; one comes back within edgeIdleMs and gets the stream at once, from the same pull.
  viewers.forEach((v) => v.close());
  player.close();
  await waitAsync(async () => (await streams(edge)).find((s) => s.name === 'live/cam1')?.viewers.total === 0, 5000, 'the edge viewers to go');
  const back = await HttpFlvViewer.open(`${edge.httpUrl}/live/cam1.flv`);
  t.after(() => back.close());
  await back.waitFor((x) => x.tags.some((tag) => tag.type === 9), 1000, 'video at once for a viewer within edgeIdleMs');
  assert.equal((await pulls(edge))[0]?.connectedSince, pull?.connectedSince, 'the same upstream connection');
  back.close();

  // Then nobody for edgeIdleMs: the pull stops and the origin loses its one viewer.
  await waitAsync(async () => (await pulls(edge)).length === 0, 6000, 'the edge pull to stop after edgeIdleMs');
  await waitAsync(async () => (await streams(origin)).find((s) => s.name === 'live/cam1')?.viewers.total === 0, 3000, 'the origin viewer to go');
  assert.equal((await streams(edge)).length, 0, 'the edge holds no stream');
});

test('an edge asked for a stream nobody publishes answers 404 within edgeWaitMs + 1 s (HTTP) and StreamNotFound (RTMP)', async (t) => {
  const origin = await startFlvcast(t);
  const edge = await startFlvcast(t, ['--origin', origin.httpUrl, '--edge-wait-ms', '3000']);
  const started = performance.now();
  const res = await request(`${edge.httpUrl}/live/nobody.flv`, { timeoutMs: 6000 });
  const ms = performance.now() - started;
  assert.equal(res.status, 404);
  assert.ok(ms < 4000, `404 after ${ms.toFixed(0)} ms`);
  const player = new RtmpTestPlayer(edge.rtmpPort, 'nobody');
  t.after(() => player.close());
  await player.waitFor((p) => p.statuses.includes('NetStream.Play.StreamNotFound'), 'StreamNotFound', 4000);
  assert.deepEqual(await pulls(edge), [], 'no pull is left behind');
});

test('failover: the origin is SIGKILLed mid-stream and the encoder moves to the second; edge viewers continue within the grace window', async (t) => {
  const first = await startFlvcast(t);
  const second = await startFlvcast(t);
  const edge = await startFlvcast(t, ['--origin', first.httpUrl, '--origin', second.httpUrl, '--relay-reconnect-min-ms', '200', '--relay-reconnect-max-ms', '400']);
  const encoder = publish(`rtmp://127.0.0.1:${first.rtmpPort}/live/cam1`, 'av', { seconds: 60 });
  t.after(() => encoder.kill());
  await waitForPublish(first, 'live/cam1');
  const viewer = await HttpFlvViewer.open(`${edge.httpUrl}/live/cam1.flv`);
  t.after(() => viewer.close());
  await viewer.waitFor((v) => v.tags.filter((tag) => tag.type === 9).length > 50, 15_000, 'two seconds of video through the first origin');

  const killedAt = performance.now();
  await first.kill('SIGKILL');
  await encoder.kill();
  const encoder2 = publish(`rtmp://127.0.0.1:${second.rtmpPort}/live/cam1`, 'av', { seconds: 60 });
  t.after(() => encoder2.kill());
  const before = viewer.tags.length;
  await viewer.waitFor((v) => v.tags.length > before + 100, 20_000, 'media again through the second origin');
  assert.equal(viewer.ended || viewer.aborted, false, 'the viewer kept its connection');
  const [pull] = await pulls(edge);
  assert.equal(pull?.url, `${second.httpUrl}/live/cam1.flv`, 'the pull moved to the second origin');

  const media = viewer.tags.filter((tag) => tag.type === 8 || tag.type === 9);
  let longestGap = 0;
  for (let i = 1; i < media.length; i++) longestGap = Math.max(longestGap, media[i]!.at - media[i - 1]!.at);
  t.diagnostic(`failover: SIGKILL to media again ${(media.find((m) => m.at > killedAt + 1)?.at ?? NaN) - killedAt} ms; longest gap ${longestGap.toFixed(0)} ms`);
  assert.ok(longestGap < 5000, `the longest gap (${longestGap.toFixed(0)} ms) stays within the 5 s grace window`);
  for (const type of [8, 9]) {
    const times = viewer.tags.filter((tag) => tag.type === type).map((tag) => tag.timestamp);
    const back = times.findIndex((ts, i) => i > 0 && ts < times[i - 1]!);
    assert.equal(back, -1, `${type === 8 ? 'audio' : 'video'} timestamps never go back (at ${back}: ${times.slice(Math.max(0, back - 2), back + 2).join(', ')})`);
  }
});

test('token traversal: the viewer\'s signed query goes to an origin that requires signed play URLs, for HTTP and RTMP viewers', async (t) => {
  const secret = 'edge-test-secret-0123456789';
  const origin = await startFlvcast(t, ['--signed-url-secret', secret, '--signed-url-actions', 'play']);
  const edge = await startFlvcast(t, ['--origin', origin.httpUrl, '--edge-idle-ms', '300']);
  const encoder = publish(`rtmp://127.0.0.1:${origin.rtmpPort}/live/cam1`, 'av', { seconds: 60 });
  t.after(() => encoder.kill());
  await waitForPublish(origin, 'live/cam1');
  const query = new URLSearchParams(signStream({ secret, action: 'play', stream: 'live/cam1', expiresAt: Date.now() / 1000 + 600 })).toString();

  // Without a token the origin refuses the edge's pull: the edge has nothing to serve.
  assert.equal((await request(`${edge.httpUrl}/live/cam1.flv`, { timeoutMs: 6000 })).status, 404);
  // An RTMP viewer's token starts the pull.
  const player = new RtmpTestPlayer(edge.rtmpPort, `cam1?${query}`);
  t.after(() => player.close());
  await player.waitFor((p) => p.media('video').length > 0, 'RTMP media through the edge with the token');
  player.close();
  await waitAsync(async () => (await pulls(edge)).length === 0 || undefined, 5000, 'the idle stop');
  // So does an HTTP viewer's.
  const viewer = await HttpFlvViewer.open(`${edge.httpUrl}/live/cam1.flv?${query}`);
  t.after(() => viewer.close());
  assert.equal(viewer.status, 200);
  await viewer.waitFor((v) => v.tags.some((tag) => tag.type === 9), 10_000, 'HTTP media through the edge with the token');
});

describe('a flvcast edge with nginx-rtmp as its origin', { skip: skipWithoutNginxRtmp() }, () => {
  test('the edge plays from nginx-rtmp over RTMP and serves HTTP-FLV', async (t) => {
    const nginx = await startNginxRtmp(t);
    const ffmpeg = publish(`${nginx.url}/live/src`, 'av', { seconds: 30 });
    t.after(() => ffmpeg.kill());
    const edge = await startFlvcast(t, ['--origin', nginx.url, '--relay-reconnect-min-ms', '200']);
    // ffmpeg may reach nginx after the edge asks: a 404 is retried until the stream is there.
    const result = await waitAsync(
      async () => {
        const r = await probe(`${edge.httpUrl}/live/src.flv`);
        return videoOf(r) === 'h264' ? r : undefined;
      },
      20_000,
      'ffprobe of the edge to see nginx-rtmp\'s stream',
      500,
    );
    assert.equal(audioOf(result), 'aac');
    assert.match((await pulls(edge))[0]?.url ?? '', new RegExp(`^${nginx.url}/live/src`));
  });
});
