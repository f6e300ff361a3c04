/**
 * Recording and VOD together, as a user runs them: the real flvcast CLI records what ffmpeg publishes
 * (`--dvr-apply 'live/*'`) below the directory it serves (`--vod-dir` = the DVR root). Once the publish ends the
 * finished file is in the API's and the public feed's lists, and `/vod/…` serves it: whole, by Range, and from
 * `?starttime=` (header, metadata, configurations, a keyframe; ffmpeg decodes it with no error line). The same
 * with `--workers 2`, where the workers serve the files and the primary lists them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlvDemuxer, inspectVideo } from '@flvcast/flv';
import { apiJson, startFlvcast } from '../src/flvcast-process.js';
import { decode, publish, waitUntil } from '../src/tools.js';

interface Listed {
  id: string;
  path: string;
  url: string;
  stream: string;
  durationMs: number;
  bytes: number;
  seekable: boolean;
}

for (const workers of [1, 2]) {
  test(`a recording is listed and served by VOD once its publish ends${workers > 1 ? ` (--workers ${workers})` : ''}`, { timeout: 90_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'flvcast-rec-vod-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const server = await startFlvcast(t, [
      '--dvr-apply', 'live/*', '--dvr-path', join(dir, '[app]/[stream].[timestamp].flv'), '--vod-dir', dir, '--reconnect-grace-ms', '500',
      ...(workers > 1 ? ['--workers', String(workers)] : []),
    ]);
    const done = await publish(`rtmp://127.0.0.1:${server.rtmpPort}/live/cam`, 'av', { seconds: 8, gop: 50 }).done;
    assert.equal(done.code, 0, done.stderr);
    const live = join(dir, 'live');
    await waitUntil(() => existsSync(live) && readdirSync(live).some((f) => f.endsWith('.flv')) && !readdirSync(live).some((f) => f.endsWith('.tmp')), 10_000, 'the recording to be finished');

    const { recordings } = await apiJson<{ recordings: Listed[] }>(server, '/api/v1/recordings');
    assert.equal(recordings.length, 1, JSON.stringify(recordings));
    const rec = recordings[0]!;
    assert.equal(rec.stream, 'live/cam');
    assert.equal(rec.seekable, true, 'the recorder wrote a keyframes index');
    assert.ok(Math.abs(rec.durationMs - 8000) <= 300, `duration ${rec.durationMs} ms`);
    assert.match(rec.url, /^\/vod\/live\/cam\.\d+\.flv$/);
    const feed = (await (await fetch(`${server.httpUrl}/vod.json`)).json()) as { recordings: Listed[] };
    assert.deepEqual(feed.recordings.map((r) => r.id), [rec.id], 'the public feed lists it too');

    const whole = await fetch(`${server.httpUrl}${rec.url}`);
    assert.equal(whole.status, 200);
    const bytes = new Uint8Array(await whole.arrayBuffer());
    assert.equal(bytes.length, rec.bytes);
    const part = await fetch(`${server.httpUrl}${rec.url}`, { headers: { range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), bytes.subarray(100, 200));

    const from = await fetch(`${server.httpUrl}${rec.url}?starttime=4`);
    assert.equal(from.status, 200);
    const tail = new Uint8Array(await from.arrayBuffer());
    const tags = new FlvDemuxer().push(tail);
    assert.equal(tags[0]!.type, 18, 'onMetaData first');
    const video = tags.filter((tag) => tag.type === 9);
    assert.equal(inspectVideo(video[0]!.payload).isSequenceHeader, true, 'the AVC configuration re-sent');
    const first = video.find((tag) => !inspectVideo(tag.payload).isSequenceHeader)!;
    assert.equal(inspectVideo(first.payload).isKeyframe, true, 'then a keyframe');
    assert.equal(first.timestamp, 4000, 'the keyframe at 4 s, with its own time');
    const file = join(dir, 'tail.flv');
    writeFileSync(file, tail);
    const decoded = await decode(file, 20);
    assert.equal(decoded.code, 0, decoded.stderr);
    assert.equal(decoded.stderr.trim(), '', 'ffmpeg decodes the ?starttime= response with no error line');

    const removed = await fetch(`${server.apiUrl}/api/v1/recordings/${rec.id}`, { method: 'DELETE' });
    assert.equal(removed.status, 204);
    assert.equal((await fetch(`${server.httpUrl}${rec.url}`)).status, 404, 'deleted: gone from VOD');
  });
}
