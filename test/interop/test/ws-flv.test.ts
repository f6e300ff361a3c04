/**
 * WebSocket-FLV as mpegts.js uses it: `new WebSocket(url)`, binary messages only, concatenated into one
 * FLV byte stream carrying the same tags as HTTP-FLV. Unknown streams are refused at the upgrade.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import {
  FlvCollector,
  HttpFlvViewer,
  publish,
  startApp,
  summarize,
  waitForMedia,
  waitUntil,
  withTimeout,
  type ReceivedTag,
} from '../src/tools.js';

interface WsViewer {
  ws: WebSocket;
  flv: FlvCollector;
  textMessages: number;
  firstMessage: Buffer | undefined;
  closeCode: number | undefined;
}

function openWs(url: string): Promise<WsViewer> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const viewer: WsViewer = { ws, flv: new FlvCollector(), textMessages: 0, firstMessage: undefined, closeCode: undefined };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      viewer.textMessages++;
      return;
    }
    viewer.firstMessage ??= Buffer.from(data);
    viewer.flv.push(new Uint8Array(data));
  });
  ws.on('close', (code) => (viewer.closeCode = code));
  return withTimeout(
    new Promise<WsViewer>((resolve, reject) => {
      ws.once('open', () => resolve(viewer));
      ws.once('error', reject);
    }),
    5_000,
    `WebSocket ${url} to open`,
  );
}

/** Index of the first keyframe at or after `timestamp`. */
function keyframeIndex(tags: readonly ReceivedTag[], timestamp: number): number {
  return tags.findIndex((t) => t.video?.isKeyframe === true && t.timestamp >= timestamp);
}

describe('WebSocket-FLV', () => {
  test('binary messages only, one valid FLV stream, same tags as HTTP-FLV', async (t) => {
    const { app, httpUrl, wsUrl, rtmpUrl } = await startApp();
    t.after(() => app.close());
    const pub = publish(`${rtmpUrl}/live/ws`, 'av', { seconds: 12 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'ws');

    // Both viewers join at (about) the same moment.
    const [ws, http] = await Promise.all([openWs(`${wsUrl}/live/ws.flv`), HttpFlvViewer.open(`${httpUrl}/live/ws.flv`)]);
    t.after(() => ws.ws.terminate());
    t.after(() => http.close());
    const enough = (tags: readonly ReceivedTag[]): boolean => tags.filter((x) => x.video?.isKeyframe).length >= 2 && tags.length >= 80;
    await waitUntil(() => enough(ws.flv.tags) && enough(http.tags), 8_000, 'both viewers to receive two GOPs');
    ws.ws.terminate();
    http.close();

    assert.equal(ws.textMessages, 0, 'no text frames (mpegts.js treats them as errors)');
    assert.ok(ws.firstMessage !== undefined && ws.firstMessage.subarray(0, 3).toString('latin1') === 'FLV', 'the first message starts with the FLV header');
    assert.equal(ws.flv.error, undefined, `the concatenated messages parse as FLV: ${ws.flv.error?.message}`);
    assert.deepEqual(ws.flv.header, { hasAudio: true, hasVideo: true, headerSize: 9 });
    assert.equal(ws.flv.demuxer.previousTagSizeMismatches, 0, 'PreviousTagSize fields are right');

    const wsTags = ws.flv.tags;
    const httpTags = http.tags;
    // Start of stream: same shape over both transports.
    const head = (tags: readonly ReceivedTag[]): string[] =>
      tags.slice(0, 4).map((x) => (x.type === 18 ? `script:${x.script?.name}@${x.timestamp}` : x.type === 9 ? `video:${x.video?.isSequenceHeader ? 'seq' : x.video?.isKeyframe ? 'key' : 'inter'}` : `audio:${x.audio?.isSequenceHeader ? 'seq' : 'frame'}`));
    assert.deepEqual(head(wsTags), ['script:onMetaData@0', 'video:seq', 'audio:seq', 'video:key'], `WS: ${summarize(wsTags)}`);
    assert.deepEqual(head(httpTags), head(wsTags), `HTTP: ${summarize(httpTags)}`);

    // Live part: align both at the later viewer's first keyframe, then the tags must be the same ones.
    const start = Math.max(wsTags[3]!.timestamp, httpTags[3]!.timestamp);
    const wi = keyframeIndex(wsTags, start);
    const hi = keyframeIndex(httpTags, start);
    assert.ok(wi >= 0 && hi >= 0, 'both have the common keyframe');
    const n = Math.min(wsTags.length - wi, httpTags.length - hi, 60);
    assert.ok(n >= 30, `at least 30 common tags to compare (got ${n})`);
    const key = (x: ReceivedTag): string => `${x.type}@${x.timestamp}/${x.payload.byteLength}/${Buffer.from(x.payload.subarray(0, 16)).toString('hex')}`;
    assert.deepEqual(wsTags.slice(wi, wi + n).map(key), httpTags.slice(hi, hi + n).map(key), 'WS-FLV and HTTP-FLV carry the same tags');
  });

  test('an unknown stream is refused at the upgrade (404), no hang', async (t) => {
    const { app, wsUrl } = await startApp();
    t.after(() => app.close());
    const ws = new WebSocket(`${wsUrl}/live/nobody.flv`);
    t.after(() => ws.terminate());
    const started = performance.now();
    const outcome = await withTimeout(
      new Promise<{ kind: string; status?: number; code?: number }>((resolve) => {
        ws.once('unexpected-response', (_req, res) => resolve({ kind: 'http', status: res.statusCode ?? 0 }));
        ws.once('open', () => ws.once('close', (code) => resolve({ kind: 'opened-then-closed', code })));
        ws.once('error', () => resolve({ kind: 'error' }));
      }),
      3_000,
      'the refused WebSocket upgrade',
    );
    const ms = performance.now() - started;
    assert.deepEqual(outcome, { kind: 'http', status: 404 }, 'the upgrade gets a 404 response');
    assert.ok(ms < 1_000, `refused in ${ms.toFixed(0)} ms`);
    assert.equal(app.streams.size, 0, 'the refused viewer created no stream entry');
  });

  test('a bad stream name over WS gets 400', async (t) => {
    const { app, wsUrl } = await startApp();
    t.after(() => app.close());
    const ws = new WebSocket(`${wsUrl}/live/a..b.flv`);
    t.after(() => ws.terminate());
    const status = await withTimeout(
      new Promise<number>((resolve) => {
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => resolve(101));
        ws.once('error', () => resolve(-1));
      }),
      3_000,
      'the refused WebSocket upgrade',
    );
    assert.equal(status, 400);
  });
  test('publisher stops: the WebSocket is closed with 1000 after the reconnect grace', async (t) => {
    const graceMs = 500;
    const { app, wsUrl, rtmpUrl } = await startApp({ httpFlv: { reconnectGraceMs: graceMs } });
    t.after(() => app.close());
    const pub = publish(`${rtmpUrl}/live/wsend`, 'av', { seconds: 2 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'wsend');
    const viewer = await openWs(`${wsUrl}/live/wsend.flv`);
    t.after(() => viewer.ws.terminate());
    const r = await withTimeout(pub.done, 8_000, 'ffmpeg to finish');
    assert.equal(r.code, 0, r.stderr);
    const exitedAt = performance.now();
    await waitUntil(() => viewer.closeCode !== undefined, graceMs + 2_000, 'the server to close the WebSocket');
    assert.equal(viewer.closeCode, 1000, 'normal closure: the stream ended');
    const ms = performance.now() - exitedAt;
    assert.ok(ms < graceMs + 1_000, `closed ${ms.toFixed(0)} ms after the publisher left`);
    assert.equal(viewer.flv.error, undefined);
    assert.equal(viewer.flv.demuxer.bufferedBytes, 0, 'the stream ends on a tag boundary');
  });
});
