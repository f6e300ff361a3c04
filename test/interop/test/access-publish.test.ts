/**
 * Access control for RTMP publishers, with real ffmpeg: the onPublish hook is asked before the publish is
 * answered; a refusal is an error onStatus (ffmpeg exits printing the server's description) and the
 * connection closes with no stream created. Signed publish URLs, expiry kicks, onUnpublish.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signStream, type AccessContext, type AccessEndContext, type AccessVerdict } from '@flvcast/access';
import type { AccessDenial } from '@flvcast/hub';
import { publish, startApp, streamKey, waitForMedia, waitUntil, withTimeout, type StartedApp } from '../src/tools.js';

const secret = 'interop-secret-0123456789abcdef';

const signed = (stream: string, action: 'publish' | 'play' = 'publish', seconds = 600): string =>
  new URLSearchParams(signStream({ secret, action, stream: `live/${stream}`, expiresAt: Math.floor(Date.now() / 1000) + seconds })).toString();

describe('access control for publishers', () => {
  let s: StartedApp;
  let verdict: (ctx: AccessContext) => AccessVerdict | Promise<AccessVerdict> = () => undefined;
  const seen: AccessContext[] = [];
  const unpublished: AccessEndContext[] = [];
  const denials: AccessDenial[] = [];

  before(async () => {
    s = await startApp({
      captureLogs: true,
      rtmp: {
        signedUrls: { secret },
        onPublish: (ctx) => {
          seen.push(ctx);
          return verdict(ctx);
        },
        onUnpublish: (ctx) => void unpublished.push(ctx),
        accessTimeoutMs: 500,
      },
    });
    s.app.streams.events.on('deny', (d) => void denials.push(d));
  });
  after(() => s.app.close());

  /** ffmpeg publishing for a few seconds; resolves with its exit once it gave up (or the test's time is up). */
  const refusedPublish = async (url: string) => {
    const pub = publish(url, 'video', { seconds: 5 });
    const result = await withTimeout(pub.done, 10_000, 'ffmpeg to give up');
    return result;
  };

  test('onPublish refusing: ffmpeg aborts with the server description, no stream, one deny event', async () => {
    verdict = () => ({ status: 403, reason: 'camera not registered' });
    const result = await refusedPublish(`${s.rtmpUrl}/live/cam1?${signed('cam1')}`);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /publish refused: camera not registered/);
    assert.equal(s.app.streams.get(streamKey('cam1')), undefined, 'no stream was created');
    assert.deepEqual(denials.at(-1), { action: 'publish', protocol: 'rtmp', remoteAddress: '127.0.0.1', stream: 'live/cam1', reason: 'camera not registered' });
    const ctx = seen.at(-1)!;
    assert.deepEqual([ctx.action, ctx.protocol, ctx.ip, ctx.app, ctx.stream], ['publish', 'rtmp', '127.0.0.1', 'live', 'cam1']);
    assert.match(ctx.tcUrl ?? '', /^rtmp:\/\/127\.0\.0\.1:\d+\/live$/);
    assert.equal(typeof ctx.query.token, 'string');
    assert.ok(s.logs.some((l) => l.msg === 'rtmp: publish refused' && l.status === 403));
  });

  test('a hook that throws or hangs refuses too; the server stays up', async () => {
    verdict = () => {
      throw new Error('auth db down');
    };
    const thrown = await refusedPublish(`${s.rtmpUrl}/live/cam2?${signed('cam2')}`);
    assert.match(thrown.stderr, /publish refused: access check failed/);
    verdict = () => new Promise(() => {});
    const hung = await refusedPublish(`${s.rtmpUrl}/live/cam2?${signed('cam2')}`);
    assert.match(hung.stderr, /publish refused: access check timed out/);
    assert.equal(s.app.streams.get(streamKey('cam2')), undefined);
  });

  test('signed publish URLs: none, forged or a play token are refused (401) before the hook runs', async () => {
    verdict = () => true;
    const asked = seen.length;
    const none = await refusedPublish(`${s.rtmpUrl}/live/cam3`);
    assert.match(none.stderr, /publish refused: signed URL required/);
    const playToken = await refusedPublish(`${s.rtmpUrl}/live/cam3?${signed('cam3', 'play')}`);
    assert.match(playToken.stderr, /publish refused: invalid token/, 'a play token cannot publish');
    assert.equal(seen.length, asked, 'the hook was not asked');
    assert.equal(s.app.streams.get(streamKey('cam3')), undefined);
  });

  test('a slow hook that allows: publishing starts once it resolves; onUnpublish hears bytes and reason', async () => {
    verdict = () => new Promise((resolve) => setTimeout(() => resolve(true), 200));
    const pub = publish(`${s.rtmpUrl}/live/cam4?${signed('cam4')}`, 'video', { seconds: 2 });
    try {
      await waitForMedia(s.app, 'cam4');
      const clientId = seen.at(-1)!.clientId;
      const result = await withTimeout(pub.done, 10_000, 'ffmpeg to finish');
      assert.equal(result.code, 0, result.stderr);
      const end = await waitUntil(() => unpublished.find((u) => u.clientId === clientId), 3_000, 'onUnpublish');
      assert.equal(end.stream, 'cam4');
      assert.ok(end.bytes > 1000, `bytes ${end.bytes}`);
      assert.match(end.reason, /^(unpublished|disconnected)$/);
    } finally {
      await pub.kill();
    }
  });

  test('a publisher is cut when its signed URL expires: ffmpeg exits with the reason, the stream ends', async () => {
    verdict = () => true;
    const pub = publish(`${s.rtmpUrl}/live/cam5?${signed('cam5', 'publish', 2)}`, 'video', { seconds: 20 });
    try {
      await waitForMedia(s.app, 'cam5');
      const result = await withTimeout(pub.done, 6_000, 'ffmpeg to be cut');
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /token expired/);
      await waitUntil(() => s.app.streams.get(streamKey('cam5'))?.publisher === undefined, 2_000, 'the publisher to be gone');
      assert.ok(unpublished.some((u) => u.stream === 'cam5' && u.reason === 'token-expired'));
    } finally {
      await pub.kill();
    }
  });
});
