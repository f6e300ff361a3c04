import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signStream, type AccessContext, type AccessEndContext } from '@flvcast/access';
import { decodeScriptData, encodeFlvHeader, encodeOnMetaData, encodeTag, indexFlv, withKeyframeIndex } from '@flvcast/flv';
import { aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader, concatBytes } from '@flvcast/test-fixtures';
import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyVod, recordingId, type Recording, type VodDenial, type VodPluginOptions } from '../src/index.js';

/** A 6 s recording (3 GOPs of 2 s, 25 fps video and audio), with the seekable onMetaData the DVR writes. */
function recordingBytes(): Uint8Array {
  const parts = [encodeFlvHeader({ hasAudio: true, hasVideo: true }), encodeTag(18, 0, encodeOnMetaData({ width: 320, height: 240 })), encodeTag(9, 0, avcSequenceHeader), encodeTag(8, 0, aacSequenceHeader)];
  for (let ms = 0; ms < 6000; ms += 40) {
    parts.push(encodeTag(9, ms, ms % 2000 === 0 ? avcKeyframe(ms / 40) : avcInterframe(ms / 40)));
    parts.push(encodeTag(8, ms + 5, aacFrame(ms / 40)));
  }
  return withKeyframeIndex(concatBytes(...parts));
}

interface Fixture {
  app: FastifyInstance;
  dir: string;
  bytes: Uint8Array;
  keyframes: number[];
}

async function serve(t: TestContext, opts: VodPluginOptions = {}, files: Record<string, Uint8Array | string> = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'flvcast-vod-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bytes = recordingBytes();
  mkdirSync(join(dir, 'live'));
  writeFileSync(join(dir, 'live', 'cam.1700000000000.flv'), bytes);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const app = Fastify();
  t.after(() => app.close());
  await app.register(fastifyVod, { vodDir: dir, ...opts });
  await app.ready();
  return { app, dir, bytes, keyframes: [...indexFlv(bytes).keyframes.filepositions] };
}

const URL_ = '/vod/live/cam.1700000000000.flv';

test('the whole file: 200 with validators; Range: 206 with exactly those bytes; 416 past the end; 304; HEAD', async (t) => {
  const { app, bytes } = await serve(t);
  const whole = await app.inject({ url: URL_ });
  assert.equal(whole.statusCode, 200);
  assert.equal(whole.headers['content-type'], 'video/x-flv');
  assert.equal(whole.headers['accept-ranges'], 'bytes');
  assert.equal(Number(whole.headers['content-length']), bytes.length);
  assert.ok(whole.headers.etag !== undefined && whole.headers['last-modified'] !== undefined);
  assert.deepEqual(new Uint8Array(whole.rawPayload), bytes);

  const part = await app.inject({ url: URL_, headers: { range: 'bytes=1000-1999' } });
  assert.equal(part.statusCode, 206);
  assert.equal(part.headers['content-range'], `bytes 1000-1999/${bytes.length}`);
  assert.deepEqual(new Uint8Array(part.rawPayload), bytes.subarray(1000, 2000));
  const tail = await app.inject({ url: URL_, headers: { range: `bytes=${bytes.length - 10}-` } });
  assert.deepEqual(new Uint8Array(tail.rawPayload), bytes.subarray(bytes.length - 10));

  const past = await app.inject({ url: URL_, headers: { range: `bytes=${bytes.length + 5}-` } });
  assert.equal(past.statusCode, 416);
  assert.equal(past.headers['content-range'], `bytes */${bytes.length}`);
  const cached = await app.inject({ url: URL_, headers: { 'if-none-match': String(whole.headers.etag) } });
  assert.equal(cached.statusCode, 304);
  const head = await app.inject({ method: 'HEAD', url: URL_ });
  assert.equal(head.statusCode, 200);
  assert.equal(Number(head.headers['content-length']), bytes.length);
  assert.equal(head.rawPayload.length, 0);
});

/** A GET with the path sent exactly as given. */
function rawGet(port: number, path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('latin1').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The tags of an FLV body: [offset, type, timestamp] after the header. */
function tagsOf(body: Uint8Array): Array<{ at: number; type: number; ts: number; size: number }> {
  const tags = [];
  for (let at = 13; at + 11 <= body.length; ) {
    const size = (body[at + 1]! << 16) | (body[at + 2]! << 8) | body[at + 3]!;
    tags.push({ at, type: body[at]!, ts: (body[at + 4]! << 16) | (body[at + 5]! << 8) | body[at + 6]!, size });
    at += 11 + size + 4;
  }
  return tags;
}

test('?start= at a keyframe: header, onMetaData and the sequence headers, then the file from there; elsewhere 400', async (t) => {
  const { app, bytes, keyframes } = await serve(t);
  const offset = keyframes[1]!;
  const res = await app.inject({ url: `${URL_}?start=${offset}` });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'video/x-flv');
  const body = new Uint8Array(res.rawPayload);
  assert.equal(Number(res.headers['content-length']), body.length);
  const index = indexFlv(bytes);
  const prefixEnd = index.keyframes.filepositions[0]!;
  // The file up to its first keyframe is exactly header + onMetaData + video and audio configurations.
  assert.deepEqual(body.subarray(0, prefixEnd), bytes.subarray(0, prefixEnd));
  assert.deepEqual(body.subarray(prefixEnd), bytes.subarray(offset));
  const tags = tagsOf(body);
  assert.deepEqual(tags.slice(0, 4).map((tg) => tg.type), [18, 9, 8, 9]);
  assert.equal(tags[3]!.ts, 2000, 'the first media frame is the keyframe at 2 s');
  assert.equal(decodeScriptData(body.subarray(tags[0]!.at + 11, tags[0]!.at + 11 + tags[0]!.size)).name, 'onMetaData');
  assert.equal(body[tags[3]!.at + 11], 0x17, 'an AVC keyframe');

  const bad = await app.inject({ url: `${URL_}?start=${offset + 1}` });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json<{ message: string }>().message, /not the offset of a keyframe tag/);
  assert.equal((await app.inject({ url: `${URL_}?start=abc` })).statusCode, 400);
  const zero = await app.inject({ url: `${URL_}?start=0`, headers: { range: 'bytes=0-9' } });
  assert.equal(zero.statusCode, 206, 'start=0 is the file, Range applies');

  const byTime = await app.inject({ url: `${URL_}?starttime=4.5` });
  assert.equal(byTime.statusCode, 200);
  assert.deepEqual(new Uint8Array(byTime.rawPayload).subarray(prefixEnd), bytes.subarray(keyframes[2]!), 'the keyframe at 4 s');
  const head = await app.inject({ method: 'HEAD', url: `${URL_}?starttime=4.5` });
  assert.equal(Number(head.headers['content-length']), byTime.rawPayload.length);
  assert.equal(head.rawPayload.length, 0);
});

test('confinement: traversal, hidden and non-FLV names, .tmp, directories, and links out of the directory serve nothing', async (t) => {
  const outside = mkdtempSync(join(tmpdir(), 'flvcast-outside-'));
  t.after(() => rmSync(outside, { recursive: true, force: true }));
  writeFileSync(join(outside, 'secret.flv'), 'SECRET');
  const { app, dir } = await serve(t, {}, { 'live/cam.flv.tmp': 'TMP', 'live/notes.txt': 'TXT', 'dir.flv/x.flv': 'X', '.hidden/a.flv': 'HIDDEN' });
  symlinkSync(join(outside, 'secret.flv'), join(dir, 'live', 'out.flv'));
  symlinkSync(outside, join(dir, 'outdir'));
  symlinkSync(join(dir, 'live', 'cam.flv.tmp'), join(dir, 'live', 'tmp-link.flv'));
  symlinkSync(join(dir, 'live', 'cam.1700000000000.flv'), join(dir, 'live', 'alias.flv'));
  const cases: Array<[string, number]> = [
    ['/vod/../vod/live/cam.flv.tmp', 400],
    ['/vod/%2e%2e/secret.flv', 400],
    ['/vod/..%2fsecret.flv', 400],
    ['/vod/live%2f..%2f..%2fsecret.flv', 400],
    ['/vod/%252e%252e/secret.flv', 404],
    ['/vod/live\\..\\..\\secret.flv', 400],
    ['/vod/live/cam.flv%00.flv', 400],
    ['/vod/live/cam.flv.tmp', 404],
    ['/vod/live/notes.txt', 404],
    ['/vod/dir.flv', 404],
    ['/vod/.hidden/a.flv', 400],
    ['/vod/live/out.flv', 403],
    ['/vod/outdir/secret.flv', 403],
    ['/vod/live/tmp-link.flv', 404],
    ['/vod/live/', 400],
    ['/vod/live', 404],
  ];
  // Over a socket, paths as written: inject's URL parsing would resolve `..` and `%2e%2e` first.
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  for (const [url, status] of cases) {
    const res = await rawGet(port, url);
    assert.equal(res.status, status, `${url}: ${res.body}`);
    assert.ok(!/SECRET|TMP|TXT|HIDDEN/.test(res.body), `${url}: no file byte`);
    assert.notEqual(res.type, 'video/x-flv', url);
  }
  assert.equal((await rawGet(port, '/vod/live/alias.flv')).status, 200, 'a link that stays inside is served');
});

test('CORS: allowed origin *, the seek headers exposed, a Range preflight allowed; off with crossdomain: false', async (t) => {
  const { app } = await serve(t);
  const res = await app.inject({ url: URL_, headers: { origin: 'https://player.example', range: 'bytes=0-99' } });
  assert.equal(res.headers['access-control-allow-origin'], '*');
  const exposed = String(res.headers['access-control-expose-headers']).toLowerCase();
  for (const h of ['content-range', 'accept-ranges', 'content-length']) assert.ok(exposed.includes(h), `${h} in ${exposed}`);
  const pre = await app.inject({ method: 'OPTIONS', url: URL_, headers: { origin: 'https://player.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' } });
  assert.equal(pre.statusCode, 204);
  assert.match(String(pre.headers['access-control-allow-headers']), /range/i);
  const feed = await app.inject({ url: '/vod.json' });
  assert.equal(feed.headers['access-control-allow-origin'], '*');

  const { app: closed } = await serve(t, { crossdomain: false });
  const plain = await closed.inject({ url: URL_, headers: { origin: 'https://player.example' } });
  assert.equal(plain.statusCode, 200);
  assert.equal(plain.headers['access-control-allow-origin'], undefined);
});

test('access: onPlay sees app/stream of the path and protocol http-vod, and may refuse (told to onDeny); onStop gets the bytes', async (t) => {
  const seen: AccessContext[] = [];
  const ended: AccessEndContext[] = [];
  const denied: VodDenial[] = [];
  const { app, bytes } = await serve(t, {
    onDeny: (d) => void denied.push(d),
    onPlay: (ctx) => {
      seen.push(ctx);
      return ctx.query.key === 'ok' ? true : { status: 403, reason: 'no key' };
    },
    onStop: (ctx) => void ended.push(ctx),
  });
  const refused = await app.inject({ url: URL_ });
  assert.equal(refused.statusCode, 403);
  assert.equal(refused.json<{ message: string }>().message, 'no key');
  assert.deepEqual(denied, [{ action: 'play', protocol: 'http-vod', remoteAddress: '127.0.0.1', stream: 'live/cam.1700000000000', reason: 'no key' }]);
  const ok = await app.inject({ url: `${URL_}?key=ok`, headers: { range: 'bytes=0-99' } });
  assert.equal(ok.statusCode, 206);
  assert.deepEqual(
    seen.map((c) => [c.protocol, c.app, c.stream, c.action]),
    [
      ['http-vod', 'live', 'cam.1700000000000', 'play'],
      ['http-vod', 'live', 'cam.1700000000000', 'play'],
    ],
  );
  const whole = await app.inject({ url: `${URL_}?key=ok&start=0` });
  assert.equal(whole.statusCode, 200);
  for (let i = 0; i < 50 && ended.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(denied.length, 1, 'admitted requests are no refusals');
  assert.deepEqual(
    ended.map((e) => e.bytes),
    [100, bytes.length],
  );
});

test('access: signed URLs signed for app/stream of the path', async (t) => {
  const secret = 'a-secret-of-enough-length';
  const { app } = await serve(t, { signedUrls: { secret } });
  assert.equal((await app.inject({ url: URL_ })).statusCode, 401);
  const query = new URLSearchParams(signStream({ secret, action: 'play', stream: 'live/cam.1700000000000', expiresAt: Date.now() / 1000 + 60 }));
  assert.equal((await app.inject({ url: `${URL_}?${query}` })).statusCode, 200);
  const other = new URLSearchParams(signStream({ secret, action: 'play', stream: 'live/other', expiresAt: Date.now() / 1000 + 60 }));
  assert.equal((await app.inject({ url: `${URL_}?${other}` })).statusCode, 401);
});

test('catalog: lists the *.flv files with duration, start, size and seekability; remove deletes; the feed lists the same', async (t) => {
  const unindexed = concatBytes(encodeFlvHeader({ hasAudio: false, hasVideo: true }), encodeTag(9, 0, avcSequenceHeader), encodeTag(9, 0, avcKeyframe(1)), encodeTag(9, 3000, avcKeyframe(2)));
  const { app, dir, bytes } = await serve(t, {}, { 'old.flv': unindexed, 'live/cam.flv.tmp': 'TMP', 'live/notes.txt': 'x', 'junk.flv': 'not an flv', '.hidden/x.flv': unindexed });
  const list = await app.vod.list();
  // Newest first: old.flv has no time in its name, so it started at its mtime (now) minus 3 s.
  assert.deepEqual(
    list.map((r) => r.path),
    ['old.flv', 'live/cam.1700000000000.flv'],
  );
  const cam = list[1]!;
  assert.deepEqual(cam, {
    id: recordingId('live/cam.1700000000000.flv'),
    path: 'live/cam.1700000000000.flv',
    url: '/vod/live/cam.1700000000000.flv',
    stream: 'live/cam',
    start: new Date(1700000000000).toISOString(),
    durationMs: 5965,
    bytes: bytes.length,
    seekable: true,
  } satisfies Recording);
  const old = list[0]!;
  assert.equal(old.durationMs, 3000, 'from a scan: no onMetaData');
  assert.equal(old.seekable, false);
  assert.ok(Math.abs(Date.parse(old.start) - (Date.now() - 3000)) < 60_000, 'mtime minus duration');

  const feed = await app.inject({ url: '/vod.json' });
  assert.deepEqual(feed.json(), { recordings: list });

  assert.equal(await app.vod.remove(cam.id), true);
  assert.equal(existsSync(join(dir, 'live', 'cam.1700000000000.flv')), false);
  assert.equal(await app.vod.remove(cam.id), false);
  assert.equal(await app.vod.remove(recordingId('live/cam.flv.tmp')), false);
  assert.equal(await app.vod.remove('!!'), false);
  assert.equal(existsSync(join(dir, 'live', 'cam.flv.tmp')), true);
  assert.equal((await app.inject({ url: URL_ })).statusCode, 404);
});

test('without vodDir: no routes, an empty catalog; vodFeed: false has no feed', async (t) => {
  const app = Fastify();
  t.after(() => app.close());
  await app.register(fastifyVod, {});
  assert.deepEqual(await app.vod.list(), []);
  assert.equal(await app.vod.remove(recordingId('x.flv')), false);
  assert.equal((await app.inject({ url: '/vod/x.flv' })).statusCode, 404);
  assert.equal((await app.inject({ url: '/vod.json' })).statusCode, 404);
  const { app: quiet } = await serve(t, { vodFeed: false, vodMount: '/recordings' });
  assert.equal((await quiet.inject({ url: '/recordings.json' })).statusCode, 404);
  assert.equal((await quiet.inject({ url: '/recordings/live/cam.1700000000000.flv' })).statusCode, 200);
});
