import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastifyHub from '@flvcast/fastify-hub';
import { encodeFlvHeader, encodeOnMetaData, encodeTag, indexFlv } from '@flvcast/flv';
import { aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader, concatBytes } from '@flvcast/test-fixtures';
import Fastify from 'fastify';
import fastifyDvr, { validateDvrOptions } from '../src/index.js';
import type { FinishedRecording } from '@flvcast/dvr';

test('options: defaults, and bad values named at registration', () => {
  const o = validateDvrOptions({});
  assert.deepEqual([o.dvrApply, o.dvrPlan, o.dvrSegmentSeconds, o.dvrPath, o.dvrMaxQueueBytes, o.dvrWaitKeyframe, o.onDvrUrl], [[], 'session', 30, './recordings/[app]/[stream].[timestamp].flv', 32 * 1024 * 1024, true, []]);
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ dvrApply: ['live'] }, /"dvrApply".*app\/stream/],
    [{ dvrPlan: 'hourly' }, /"dvrPlan"/],
    [{ dvrSegmentSeconds: 0 }, /"dvrSegmentSeconds"/],
    [{ dvrPath: ' ' }, /"dvrPath".*empty/],
    [{ onDvrUrl: ['ftp://x'] }, /"onDvrUrl".*http/],
    [{ onDvr: 'http://x' }, /"onDvr".*function/],
  ];
  for (const [opts, message] of bad) assert.throws(() => validateDvrOptions(opts as never), (err: Error & { code?: string }) => err.code === 'FST_FLVCAST_DVR_INVALID_OPTION' && message.test(err.message), JSON.stringify(opts));
});

test('the plugin needs the hub', async () => {
  const app = Fastify();
  await assert.rejects(async () => {
    await app.register(fastifyDvr);
    await app.ready();
  }, /needs the stream hub/);
});

test('records a matching publish, lists it in fastify.dvr, finishes it on close, calls onDvr and POSTs on_dvr; repairs a .tmp at start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flvcast-fastify-dvr-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A .tmp a crash left: repaired when the plugin starts.
  mkdirSync(join(dir, 'live'));
  const crashed = concatBytes(encodeFlvHeader({ hasAudio: false, hasVideo: true }), encodeTag(18, 0, encodeOnMetaData({ duration: 0 })), encodeTag(9, 0, avcSequenceHeader), encodeTag(9, 0, avcKeyframe(1)), encodeTag(9, 1000, avcKeyframe(2)));
  writeFileSync(join(dir, 'live', 'old.flv.tmp'), crashed.subarray(0, crashed.length - 3));

  const posts: Record<string, unknown>[] = [];
  const callbacks = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      posts.push(JSON.parse(body) as Record<string, unknown>);
      res.end('0');
    });
  });
  await new Promise<void>((r) => callbacks.listen(0, '127.0.0.1', r));
  t.after(() => callbacks.close());
  const finished: FinishedRecording[] = [];
  const app = Fastify();
  await app.register(fastifyHub);
  await app.register(fastifyDvr, {
    dvrApply: ['live/*'],
    dvrPath: join(dir, '[app]/[stream].flv'),
    onDvr: (info) => void finished.push(info),
    onDvrUrl: [`http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/dvr`],
  });
  await app.ready();
  assert.deepEqual(readdirSync(join(dir, 'live')), ['old.flv']);
  assert.equal(indexFlv(new Uint8Array(readFileSync(join(dir, 'live', 'old.flv')))).keyframes.times.length, 1, 'the torn keyframe cut off');

  const p = app.streams.publish({ vhost: '', app: 'live', stream: 'cam' }, { protocol: 'test', remoteAddress: '10.0.0.9', query: { token: 'x' } });
  p.data('onMetaData', { width: 320 });
  p.video(0, avcSequenceHeader);
  p.audio(0, aacSequenceHeader);
  for (let ts = 0; ts < 2000; ts += 40) {
    p.video(ts, ts % 1000 === 0 ? avcKeyframe(ts) : avcInterframe(ts));
    p.audio(ts, aacFrame(ts));
  }
  const active = app.dvr.list();
  assert.equal(active.length, 1);
  assert.deepEqual([active[0]!.stream, active[0]!.path], ['live/cam', join(dir, 'live', 'cam.flv')]);
  assert.ok(active[0]!.bytes > 0);
  await app.close();
  assert.deepEqual(readdirSync(join(dir, 'live')).sort(), ['cam.flv', 'old.flv']);
  assert.equal(finished.length, 1);
  assert.equal(finished[0]!.durationMs, 1960);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(posts.length, 1);
  assert.deepEqual(
    { ...posts[0], startedAt: undefined, endedAt: undefined },
    // The file lies outside the working directory: SRS's `file` is then the absolute path.
    { action: 'on_dvr', client_id: finished[0]!.clientId, ip: '10.0.0.9', vhost: '__defaultVhost__', app: 'live', stream: 'cam', param: '?token=x', cwd: process.cwd(), file: finished[0]!.path, path: finished[0]!.path, startedAt: undefined, endedAt: undefined, durationMs: 1960, bytes: finished[0]!.bytes },
  );
  assert.equal(app.dvr.totals().filesFinished, 1);
});
