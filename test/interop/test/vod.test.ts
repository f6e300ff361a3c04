/**
 * FLV VOD against the real `flvcast` process (`--vod-dir`), with a recording ffmpeg made (12 s, 2 s GOPs,
 * H.264 + AAC) and indexed by `withKeyframeIndex`: Range, `?start=` and `?starttime=` (the bodies parsed
 * here, then read by ffprobe and decoded by ffmpeg), traversal attempts over a raw socket, `.tmp`, signed
 * URLs and the on_play callback, CORS, and the catalog in the API.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signStream } from '@flvcast/access';
import { decodeScriptData, inspectAudio, inspectVideo } from '@flvcast/flv';
import { startCallbackServer } from '../src/callback-server.js';
import { apiJson, startFlvcast } from '../src/flvcast-process.js';
import { makeVodRecording, type VodRecording } from '../src/vod-recording.js';
import { decode, probe } from '../src/tools.js';

let made: Promise<{ dir: string; rec: VodRecording }> | undefined;

/** One recording for the whole file (ffmpeg takes a couple of seconds), in a directory removed at exit. */
function recording(): Promise<{ dir: string; rec: VodRecording }> {
  made ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flvcast-vod-interop-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const rec = await makeVodRecording(dir);
    writeFileSync(join(dir, 'live', 'rec.1700000100.flv.tmp'), 'STILL BEING WRITTEN');
    return { dir, rec };
  })();
  return made;
}

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request with the path sent as written (fetch would resolve `..` and `%2e%2e` before sending). */
function rawRequest(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path, method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Tag {
  type: number;
  timestamp: number;
  payload: Buffer;
}

/** The tags of a whole FLV body (header checked), each checked against its PreviousTagSize. */
function parseFlv(body: Buffer): Tag[] {
  assert.equal(body.subarray(0, 3).toString('latin1'), 'FLV', 'FLV signature');
  const tags: Tag[] = [];
  let at = body.readUInt32BE(5) + 4;
  while (at < body.length) {
    const size = body.readUIntBE(at + 1, 3);
    const timestamp = (body.readUIntBE(at + 4, 3) | (body[at + 7]! << 24)) >>> 0;
    assert.ok(at + 11 + size + 4 <= body.length, `a whole tag at ${at}`);
    assert.equal(body.readUInt32BE(at + 11 + size), 11 + size, `PreviousTagSize after the tag at ${at}`);
    tags.push({ type: body[at]! & 0x1f, timestamp, payload: body.subarray(at + 11, at + 11 + size) });
    at += 11 + size + 4;
  }
  return tags;
}

async function server(t: TestContext, args: string[] = []) {
  const { dir, rec } = await recording();
  const proc = await startFlvcast(t, ['--vod-dir', dir, ...args]);
  return { proc, dir, rec, url: `${proc.httpUrl}/vod/${rec.path}` };
}

test('Range: 206 with exactly the bytes asked for, the headers a page may read, and the whole file with its validators', async (t) => {
  const { url, rec } = await server(t);
  const origin = { origin: 'https://player.example' };
  const whole = await fetch(url, { headers: origin });
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get('content-type'), 'video/x-flv');
  assert.ok(whole.headers.get('etag') !== null && whole.headers.get('last-modified') !== null);
  assert.deepEqual(new Uint8Array(await whole.arrayBuffer()), rec.bytes);
  const from = rec.index.keyframes.filepositions[3]!;
  const part = await fetch(url, { headers: { ...origin, range: `bytes=${from}-${from + 65535}` } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes ${from}-${from + 65535}/${rec.bytes.length}`);
  assert.deepEqual(new Uint8Array(await part.arrayBuffer()), rec.bytes.subarray(from, from + 65536));
  assert.equal(part.headers.get('access-control-allow-origin'), '*');
  const exposed = (part.headers.get('access-control-expose-headers') ?? '').toLowerCase();
  for (const h of ['content-range', 'accept-ranges', 'content-length']) assert.ok(exposed.includes(h), `${h} exposed: ${exposed}`);
  const past = await fetch(url, { headers: { range: `bytes=${rec.bytes.length}-` } });
  assert.equal(past.status, 416);
});

test('?start= at an indexed keyframe: header, onMetaData, sequence headers, then that keyframe; ffprobe and ffmpeg read it; elsewhere 400', async (t) => {
  const { url, rec, dir } = await server(t);
  const keyframes = rec.index.keyframes;
  assert.equal(keyframes.filepositions.length, 6, `a keyframe every 2 s of 12 s: ${keyframes.times.join(', ')}`);
  const offset = keyframes.filepositions[3]!;
  const res = await fetch(`${url}?start=${offset}`);
  assert.equal(res.status, 200);
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(Number(res.headers.get('content-length')), body.length);
  const tags = parseFlv(body);
  assert.equal(tags[0]!.type, 18);
  assert.equal(decodeScriptData(tags[0]!.payload).name, 'onMetaData');
  const video = inspectVideo(tags[1]!.payload);
  const audio = inspectAudio(tags[2]!.payload);
  assert.ok(video.isSequenceHeader && video.codec === 'avc', 'the AVC sequence header');
  assert.ok(audio.isSequenceHeader, 'the AAC sequence header');
  const first = inspectVideo(tags[3]!.payload);
  assert.ok(tags[3]!.type === 9 && first.isKeyframe, 'then the keyframe');
  assert.equal(tags[3]!.timestamp, Math.round(keyframes.times[3]! * 1000), 'the keyframe at 6 s');
  assert.deepEqual(new Uint8Array(body.subarray(body.length - (rec.bytes.length - offset))), rec.bytes.subarray(offset), 'then the file from the offset');

  const file = join(dir, 'started.flv.out');
  writeFileSync(file, body);
  t.after(() => rmSync(file, { force: true }));
  const probed = await probe(`file:${file}`);
  assert.deepEqual(probed.streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], probed.stderr);
  const decoded = await decode(`file:${file}`, 10);
  assert.equal(decoded.code, 0, decoded.stderr);
  assert.equal(decoded.stderr.trim(), '', 'ffmpeg decodes it with no error line');

  for (const bad of [offset + 1, offset - 4, 13]) {
    const refused = await fetch(`${url}?start=${bad}`);
    assert.equal(refused.status, 400, `start=${bad}`);
    const text = await refused.text();
    assert.match(text, /not the offset of a keyframe tag/);
    assert.ok(!text.includes('FLV'), 'no file byte');
  }
});

test('?starttime= lands on the keyframe at or before the time', async (t) => {
  const { url, rec } = await server(t);
  for (const [seconds, expected] of [[7, 6], [8, 8], [0, 0], [11.9, 10]] as const) {
    const body = Buffer.from(await (await fetch(`${url}?starttime=${seconds}`)).arrayBuffer());
    const media = parseFlv(body).find((tag) => tag.type === 9 && !inspectVideo(tag.payload).isSequenceHeader)!;
    assert.ok(inspectVideo(media.payload).isKeyframe, `starttime=${seconds}: a keyframe first`);
    assert.equal(media.timestamp, Math.round(expected * 1000), `starttime=${seconds}`);
    const i = rec.index.keyframes.times.findIndex((time) => Math.abs(time - expected) < 0.001);
    assert.ok(i >= 0, `a keyframe at ${expected} s in the index`);
    const from = rec.index.keyframes.filepositions[i]!;
    assert.deepEqual(new Uint8Array(body.subarray(body.length - (rec.bytes.length - from))), rec.bytes.subarray(from), `starttime=${seconds}: the file from that keyframe`);
  }
  assert.equal((await fetch(`${url}?starttime=abc`)).status, 400);
});

test('confinement: traversal in every spelling, links out of the directory and .tmp get 4xx and no file byte', async (t) => {
  const { proc, dir } = await server(t);
  const outside = mkdtempSync(join(tmpdir(), 'flvcast-vod-outside-'));
  t.after(() => rmSync(outside, { recursive: true, force: true }));
  writeFileSync(join(outside, 'x.flv'), 'FLV OUTSIDE SECRET');
  const link = join(dir, 'live', 'escape.flv');
  symlinkSync(join(outside, 'x.flv'), link);
  t.after(() => rmSync(link, { force: true }));
  const attempts = [
    '/vod/../x.flv',
    '/vod/../../../../etc/passwd',
    '/vod/%2e%2e/%2e%2e/x.flv',
    '/vod/%2e%2e%2f%2e%2e%2fx.flv',
    '/vod/..%2f..%2fx.flv',
    '/vod/live/..%2f..%2f..%2fetc%2fpasswd',
    '/vod/%252e%252e/%252e%252e/x.flv',
    '/vod/..\\..\\x.flv',
    '/vod/live%5c..%5c..%5cx.flv',
    '/vod/live/x.flv%00.txt',
    '/vod/live/escape.flv',
    '/vod/live/rec.1700000100.flv.tmp',
    '/vod/live/',
    '/vod/',
  ];
  for (const path of attempts) {
    const res = await rawRequest(proc.httpUrl, path);
    assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`);
    const text = res.body.toString('latin1');
    assert.ok(!/SECRET|STILL BEING|root:/.test(text) && !text.startsWith('FLV'), `${path}: no file byte (${text.slice(0, 80)})`);
  }
  assert.equal((await rawRequest(proc.httpUrl, '/vod/live/escape.flv')).status, 403);
  assert.equal((await rawRequest(proc.httpUrl, '/vod/live/rec.1700000100.flv.tmp')).status, 404);
});

test('play access applies: a signed URL for app/stream of the path, and the on_play callback', async (t) => {
  const secret = 'vod-test-secret-0123456789';
  const { url, rec, proc } = await server(t, ['--signed-url-secret', secret, '--signed-url-actions', 'play']);
  assert.equal((await fetch(url)).status, 401);
  const stream = rec.path.replace(/\.flv$/, '');
  const signed = new URLSearchParams(signStream({ secret, action: 'play', stream, expiresAt: Date.now() / 1000 + 60 }));
  const ok = await fetch(`${url}?${signed}`, { headers: { range: 'bytes=0-12' } });
  assert.equal(ok.status, 206);
  assert.equal(Buffer.from(await ok.arrayBuffer()).subarray(0, 3).toString(), 'FLV');
  assert.equal((await fetch(`${url}?${signed}&start=${rec.index.keyframes.filepositions[1]}`)).status, 200, 'start= passes the same check');
  await proc.kill();

  // on_play: the callback says no to one file and yes to the other; it is told the path's app and stream.
  const hook = await startCallbackServer((body) => (body.stream === 'rec.1700000000' ? 0 : 403));
  t.after(() => hook.close());
  const calls = hook.calls;
  const hooked = await server(t, ['--on-play-url', `${hook.url}/on_play`]);
  assert.equal((await fetch(hooked.url)).status, 200);
  assert.ok(calls.some((c) => c.action === 'on_play' && c.app === 'live' && c.stream === 'rec.1700000000'), JSON.stringify(calls));
  const { dir } = await recording();
  const other = join(dir, 'live', 'other.flv');
  writeFileSync(other, rec.bytes);
  t.after(() => rmSync(other, { force: true }));
  const refused = await fetch(`${hooked.proc.httpUrl}/vod/live/other.flv`);
  assert.equal(refused.status, 403);
  // Counted with the live refusals: the server hands VOD's to the hub's deny event.
  const metrics = await (await fetch(`${hooked.proc.apiUrl}/metrics`)).text();
  assert.match(metrics, /^flvcast_access_denied_total\{[^}]*action="play"[^}]*protocol="http-vod"[^}]*\} 1$/m, metrics.split('\n').filter((l) => l.includes('denied')).join('\n'));
});

test('the catalog: GET /api/v1/recordings and the public /vod.json list the recording (not the .tmp); DELETE removes it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flvcast-vod-catalog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rec = await makeVodRecording(dir, 'live/cam.1700000000.flv');
  writeFileSync(join(dir, 'live', 'cam.1700000100.flv.tmp'), 'x');
  const proc = await startFlvcast(t, ['--vod-dir', dir]);
  const { recordings } = await apiJson<{ recordings: Array<{ id: string; path: string; url: string; durationMs: number; bytes: number; seekable: boolean; stream: string }> }>(proc, '/api/v1/recordings');
  assert.equal(recordings.length, 1);
  const [one] = recordings;
  assert.deepEqual([one!.path, one!.url, one!.stream, one!.bytes, one!.seekable], [rec.path, '/vod/live/cam.1700000000.flv', 'live/cam', rec.bytes.length, true]);
  assert.ok(Math.abs(one!.durationMs - 12_000) < 200, `duration ${one!.durationMs} ms`);
  assert.deepEqual(await (await fetch(`${proc.httpUrl}/vod.json`)).json(), { recordings });
  assert.equal((await fetch(`${proc.apiUrl}/api/v1/recordings/${one!.id}`, { method: 'DELETE' })).status, 204);
  assert.equal((await fetch(`${proc.httpUrl}${one!.url}`)).status, 404);
  assert.deepEqual(await apiJson(proc, '/api/v1/recordings'), { recordings: [] });
});
