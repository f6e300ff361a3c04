import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFlvHeader, encodeTag, withKeyframeIndex } from '@flvcast/flv';
import { fastifyVod } from '@flvcast/fastify-vod';
import type { FastifyInstance } from 'fastify';
import { fastifyOpsApi } from '../src/index.js';
import { appWithHub, avcInterframe, avcKeyframe, avcSequenceHeader } from './fixtures.js';

/** An app with the API (token `t0ken`, nobody without it) and, given a directory, the VOD plugin on it. */
async function setup(t: TestContext, vodDir?: string): Promise<FastifyInstance> {
  const { app } = await appWithHub();
  t.after(() => app.close());
  if (vodDir !== undefined) await app.register(fastifyVod, { vodDir });
  await app.register(fastifyOpsApi, { token: 't0ken' });
  return app;
}

const auth = { authorization: 'Bearer t0ken' };

function recordingDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'flvcast-api-vod-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'live'));
  const flv = [encodeFlvHeader({ hasAudio: false, hasVideo: true }), encodeTag(9, 0, avcSequenceHeader)];
  for (let ms = 0; ms <= 4000; ms += 40) flv.push(encodeTag(9, ms, ms % 2000 === 0 ? avcKeyframe() : avcInterframe()));
  writeFileSync(join(dir, 'live', 'cam.1700000000.flv'), withKeyframeIndex(Buffer.concat(flv)));
  writeFileSync(join(dir, 'live', 'cam.1700000100.flv.tmp'), 'being written');
  return dir;
}

test('GET /api/v1/recordings lists the VOD catalog through the response schema; DELETE removes one (204), then 404', async (t) => {
  const dir = recordingDir(t);
  const app = await setup(t, dir);
  const res = await app.inject({ url: '/api/v1/recordings', headers: auth });
  assert.equal(res.statusCode, 200);
  const { recordings } = res.json<{ recordings: Array<Record<string, unknown>> }>();
  assert.deepEqual(recordings, await app.vod.list());
  assert.equal(recordings.length, 1);
  assert.deepEqual(recordings[0], {
    id: Buffer.from('live/cam.1700000000.flv').toString('base64url'),
    path: 'live/cam.1700000000.flv',
    url: '/vod/live/cam.1700000000.flv',
    stream: 'live/cam',
    start: '2023-11-14T22:13:20.000Z',
    durationMs: 4000,
    bytes: recordings[0]!.bytes,
    seekable: true,
  });
  const id = String(recordings[0]!.id);
  const gone = await app.inject({ method: 'DELETE', url: `/api/v1/recordings/${id}`, headers: auth });
  assert.equal(gone.statusCode, 204);
  assert.equal(gone.body, '');
  assert.equal(existsSync(join(dir, 'live', 'cam.1700000000.flv')), false);
  const again = await app.inject({ method: 'DELETE', url: `/api/v1/recordings/${id}`, headers: auth });
  assert.equal(again.statusCode, 404);
  // A recording still being written has no id to delete it by: its .tmp stays.
  const tmp = Buffer.from('live/cam.1700000100.flv.tmp').toString('base64url');
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/recordings/${tmp}`, headers: auth })).statusCode, 404);
  assert.equal(existsSync(join(dir, 'live', 'cam.1700000100.flv.tmp')), true);
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/recordings/not%20an%20id', headers: auth })).statusCode, 400);
  assert.deepEqual((await app.inject({ url: '/api/v1/recordings', headers: auth })).json(), { recordings: [] });
});

test('the recordings routes are behind the API token', async (t) => {
  const dir = recordingDir(t);
  const app = await setup(t, dir);
  assert.equal((await app.inject({ url: '/api/v1/recordings' })).statusCode, 401);
  const id = Buffer.from('live/cam.1700000000.flv').toString('base64url');
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/recordings/${id}`, headers: { authorization: 'Bearer wrong' } })).statusCode, 401);
  assert.equal(existsSync(join(dir, 'live', 'cam.1700000000.flv')), true);
});

test('without the VOD plugin (or without vodDir): an empty list, and DELETE is 404', async (t) => {
  for (const app of [await setup(t), await setup(t, '')]) {
    assert.deepEqual((await app.inject({ url: '/api/v1/recordings', headers: auth })).json(), { recordings: [] });
    const id = Buffer.from('live/x.flv').toString('base64url');
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/recordings/${id}`, headers: auth })).statusCode, 404);
  }
});
