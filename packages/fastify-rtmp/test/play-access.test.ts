import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessContext, AccessEndContext } from '@flvcast/access';
import { signStream } from '@flvcast/access';
import { type RtmpClientEvent } from '@flvcast/rtmp';
import { aacFrame, aacSequenceHeader, avcKeyframe, avcSequenceHeader } from '@flvcast/test-fixtures';
import { rtmpClient, startApp, until } from './test-client.js';

const SECRET = 'a-secret-of-at-least-16-chars';

const client = (port: number, name: string, role: 'play' | 'publish', tcUrl?: string) => rtmpClient(port, name, role, tcUrl === undefined ? {} : { tcUrl });

async function publishStream(port: number, name: string) {
  const pub = client(port, name, 'publish');
  await until(() => pub.events.some((e) => e.type === 'published'), 'the publish');
  pub.session.sendMetadata({ width: 320, height: 240 });
  pub.session.sendVideo(0, avcSequenceHeader);
  pub.session.sendAudio(0, aacSequenceHeader);
  pub.session.sendVideo(0, avcKeyframe(0));
  pub.session.sendAudio(0, aacFrame(0));
  pub.flush();
  return pub;
}

const failure = (events: RtmpClientEvent[]) => {
  const e = events.find((x) => x.type === 'status' && x.level === 'error');
  return e?.type === 'status' ? { code: e.code, description: e.description } : undefined;
};

test('onPlay judges RTMP players (protocol rtmp, the name and tcUrl query); a refusal is Play.Failed with the reason, a deny event, no media, the close', async (t) => {
  const seen: AccessContext[] = [];
  const { app, port } = await startApp({ onPlay: (ctx: AccessContext) => (seen.push(ctx), ctx.query.pass === '1' ? true : { status: 403, reason: 'not on the list' }) });
  t.after(() => app.close());
  const denies: Array<{ action: string; protocol: string; reason: string }> = [];
  app.streams.events.on('deny', (d) => denies.push(d));
  const pub = await publishStream(port, 'cam');
  t.after(() => pub.socket.destroy());

  const refused = client(port, 'cam?x=2', 'play', 'rtmp://127.0.0.1/live?key=k');
  await until(() => refused.closed(), 'the refused player to be closed');
  assert.deepEqual(failure(refused.events), { code: 'NetStream.Play.Failed', description: 'play refused (forbidden): not on the list' });
  assert.equal(refused.media().length, 0);
  assert.equal(seen[0]!.action, 'play');
  assert.equal(seen[0]!.protocol, 'rtmp');
  assert.equal(seen[0]!.stream, 'cam');
  assert.deepEqual({ ...seen[0]!.query }, { key: 'k', x: '2' });
  assert.deepEqual(denies.map((d) => [d.action, d.protocol, d.reason]), [['play', 'rtmp', 'not on the list']]);

  const allowed = client(port, 'cam?pass=1', 'play');
  await until(() => allowed.media().length > 0, 'media for the admitted player');
  allowed.socket.destroy();
});

test('playSignedUrls: an unsigned play is refused (401); a token in the play name or in the tcUrl plays; onStop hears of the end with the bytes sent', async (t) => {
  const ends: AccessEndContext[] = [];
  const { app, port } = await startApp({ playSignedUrls: { secret: SECRET }, onStop: (ctx: AccessEndContext) => void ends.push(ctx) });
  t.after(() => app.close());
  const pub = await publishStream(port, 'cam');
  t.after(() => pub.socket.destroy());

  const unsigned = client(port, 'cam', 'play');
  await until(() => unsigned.closed(), 'the unsigned player to be closed');
  assert.equal(failure(unsigned.events)?.code, 'NetStream.Play.Failed');
  assert.match(failure(unsigned.events)!.description, /^play refused \(unauthorized\): /);

  const params = signStream({ secret: SECRET, action: 'play', stream: 'live/cam', expiresAt: Date.now() / 1000 + 60 });
  const qs = new URLSearchParams(params).toString();
  const inName = client(port, `cam?${qs}`, 'play');
  await until(() => inName.media().length > 0, 'media for the player signed in its name');
  const inTcUrl = client(port, 'cam', 'play', `rtmp://127.0.0.1/live?${qs}`);
  await until(() => inTcUrl.media().length > 0, 'media for the player signed in its tcUrl');
  const wrongAction = signStream({ secret: SECRET, action: 'publish', stream: 'live/cam', expiresAt: Date.now() / 1000 + 60 });
  const publishToken = client(port, `cam?${new URLSearchParams(wrongAction).toString()}`, 'play');
  await until(() => publishToken.closed(), 'a publish token not to open play');
  assert.equal(publishToken.media().length, 0);

  inName.socket.destroy();
  await until(() => ends.length === 1, 'onStop for the player that left');
  assert.equal(ends[0]!.reason, 'left');
  assert.ok(ends[0]!.bytes > 0, 'bytes sent reported');
  inTcUrl.socket.destroy();
});
