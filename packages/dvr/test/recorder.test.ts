import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hub, type HubEventMap, type Publisher } from '@flvcast/hub';
import { decodeScriptData, indexFlv, inspectVideo } from '@flvcast/flv';
import { aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader } from '@flvcast/test-fixtures';
import { flvFormat } from '@flvcast/mux';
import { DvrRecorder, indexFlvFile, NotFlvError, reindexFlvFile, repairRecordings, type FinishedRecording } from '../src/index.js';
import { logger, type Meta } from './test-helpers.js';



function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'flvcast-dvr-'));
  t.after(() => {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** `seconds` of 25 fps video (a keyframe each second) and audio, from stream time `from`. */
function feed(p: Publisher, from: number, seconds: number, config = true): void {
  p.data('onMetaData', { width: 320, height: 240, framerate: 25, encoder: 'unit' });
  if (config) {
    p.video(from, avcSequenceHeader);
    p.audio(from, aacSequenceHeader);
  }
  for (let t = from; t < from + seconds * 1000; t += 40) {
    p.audio(t, aacFrame(t));
    p.video(t, (t - from) % 1000 === 0 ? avcKeyframe(t) : avcInterframe(t));
  }
}

const key = { vhost: '', app: 'live', stream: 'cam' };
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Longer than a file's write coalescing (250 ms): by then what was fed has been written (or failed to be). */
const WRITTEN_MS = 400;

test('a publish matching dvrApply is recorded; a publisher back within the grace window continues the same file; events and onDvr tell of it', async (t) => {
  const dir = tmp(t);
  const hub = new Hub({ reconnectGraceMs: 200 });
  const { log } = logger();
  const finished: FinishedRecording[] = [];
  const events: string[] = [];
  for (const name of ['recordStart', 'recordEnd', 'recordError'] as const) hub.events.on(name, (e: HubEventMap[typeof name]) => void events.push(`${name} ${e.path}`));
  const recorder = new DvrRecorder(hub, { apply: ['live/*'], plan: 'session', segmentMs: 30_000, path: join(dir, '[app]/[stream].[timestamp].flv'), maxQueueBytes: 1 << 20, waitKeyframe: true, log, onFinished: (i) => void finished.push(i) });
  t.after(() => recorder.close());
  const other = hub.publish({ vhost: '', app: 'other', stream: 'x' }, { protocol: 'test' });
  feed(other, 0, 1);
  const p1 = hub.publish(key, { protocol: 'test' });
  feed(p1, 0, 3);
  assert.equal(recorder.list().length, 1);
  assert.equal(recorder.list()[0]!.stream, 'live/cam');
  p1.end();
  await wait(50);
  const p2 = hub.publish(key, { protocol: 'test' });
  feed(p2, 0, 2); // the hub keeps time continuous across the reconnect
  p2.end();
  await wait(400);
  await recorder.close();
  assert.equal(finished.length, 1, 'one session file');
  const files = readdirSync(join(dir, 'live'));
  assert.deepEqual(files, [finished[0]!.path.split('/').pop()]);
  assert.equal(existsSync(join(dir, 'other')), false, 'a stream no pattern matches is not recorded');
  const bytes = new Uint8Array(readFileSync(finished[0]!.path));
  const index = indexFlv(bytes);
  const meta = decodeScriptData(bytes.subarray(24, index.metadata!.end - 4)).value as unknown as Meta;
  assert.equal(index.keyframes.times.length, 5, 'both publishes');
  assert.ok(meta.duration > 4.9 && meta.duration < 5.2, `duration ${meta.duration}`);
  assert.equal(meta.filesize, bytes.length);
  assert.equal(finished[0]!.bytes, bytes.length);
  assert.deepEqual(meta.keyframes.filepositions, index.keyframes.filepositions);
  assert.deepEqual(events, [`recordStart ${finished[0]!.path}`, `recordEnd ${finished[0]!.path}`]);
  assert.equal(recorder.totals().filesFinished, 1);
});

test('an unwritable directory fails that recording with one error line and a recordError event; the stream and its viewers go on', async (t) => {
  // A path through a regular file fails even for root (ENOTDIR), where a chmod would not.
  const dir = tmp(t);
  writeFileSync(join(dir, 'blocker'), 'a file where a directory should be');
  const hub = new Hub();
  const { lines, log } = logger();
  const errors: HubEventMap['recordError'][] = [];
  hub.events.on('recordError', (e) => void errors.push(e));
  const recorder = new DvrRecorder(hub, { apply: ['live/*'], plan: 'session', segmentMs: 30_000, path: join(dir, 'blocker/[stream].flv'), maxQueueBytes: 1 << 20, waitKeyframe: true, log });
  t.after(() => recorder.close());
  const got: number[] = [];
  const p = hub.publish(key, { protocol: 'test' });
  const viewer = hub.subscribe(key, flvFormat, { write: (c) => (got.push(c.length), true), end: () => undefined }, { protocol: 'test' });
  feed(p, 0, 2);
  await wait(WRITTEN_MS);
  feed(p, 2000, 2, false);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.code, /ENOTDIR|EACCES|EEXIST/);
  assert.equal(lines.filter((l) => l.level === 'error').length, 1, 'one error line');
  assert.equal(recorder.list().length, 0);
  assert.equal(hub.get(key)?.publisher, p, 'the stream goes on');
  assert.equal(viewer?.ended, false);
  assert.ok(got.length > 150, 'the viewer got every tag');
  assert.equal(recorder.totals().failures, 1);
});

test('repair: a .tmp a crash left (torn tail, placeholder metadata) becomes a seekable .flv; a clash gets a free name', async (t) => {
  const dir = tmp(t);
  const hub = new Hub();
  const { log, lines } = logger();
  const recorder = new DvrRecorder(hub, { apply: ['live/*'], plan: 'session', segmentMs: 30_000, path: dir, maxQueueBytes: 1 << 20, waitKeyframe: true, log, now: () => 1234 });
  const p = hub.publish(key, { protocol: 'test' });
  feed(p, 0, 4);
  await wait(WRITTEN_MS);
  // A crash: nothing finishes the file. Its tail is torn mid-tag, as a power loss leaves it.
  const tmpFile = join(dir, 'cam.1234.flv.tmp');
  const size = statSync(tmpFile).size;
  truncateSync(tmpFile, size - 7);
  writeFileSync(join(dir, 'cam.1234.flv'), 'an older recording of the same name');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'empty.flv.tmp'), '');
  writeFileSync(join(dir, 'sub', 'junk.flv.tmp'), 'this is not flv at all');
  const result = await repairRecordings(dir, log);
  assert.deepEqual(result.repaired.map((r) => r.to), [join(dir, 'cam.1234.1.flv')]);
  assert.deepEqual(result.failed.map((f) => f.path), [join(dir, 'sub', 'junk.flv.tmp')]);
  assert.equal(existsSync(tmpFile), false);
  assert.equal(existsSync(join(dir, 'sub', 'empty.flv.tmp')), false, 'an empty .tmp holds nothing: removed');
  const index = await indexFlvFile(join(dir, 'cam.1234.1.flv'));
  assert.equal(index.keyframes.times.length >= 3, true);
  const bytes = new Uint8Array(readFileSync(join(dir, 'cam.1234.1.flv')));
  const meta = decodeScriptData(bytes.subarray(24, index.metadata!.end - 4)).value as unknown as Meta;
  assert.ok(meta.duration > 3.5, `duration ${meta.duration} rebuilt from the tags`);
  assert.deepEqual(meta.keyframes.filepositions, index.keyframes.filepositions);
  for (const pos of index.keyframes.filepositions) assert.equal(inspectVideo(bytes.subarray(pos + 11, pos + 30)).isKeyframe, true);
  assert.equal(meta.encoder, 'unit', "the publisher's metadata kept");
  assert.ok(lines.some((l) => l.msg.includes('repaired')));
  await recorder.close().catch(() => undefined);
});

test('reindexFlvFile in place and to a new file; NotFlvError for other files', async (t) => {
  const dir = tmp(t);
  const hub = new Hub();
  const { log } = logger();
  const finished: FinishedRecording[] = [];
  const recorder = new DvrRecorder(hub, { apply: ['live/*'], plan: 'session', segmentMs: 30_000, path: dir, maxQueueBytes: 1 << 20, waitKeyframe: true, log, onFinished: (i) => void finished.push(i) });
  const p = hub.publish(key, { protocol: 'test' });
  feed(p, 0, 3);
  p.end();
  await recorder.close();
  const src = finished[0]!.path;
  const before = readFileSync(src);
  const out = join(dir, 'copy.flv');
  const { size } = await reindexFlvFile(src, out);
  assert.equal(statSync(out).size, size);
  const first = readFileSync(out);
  await reindexFlvFile(out, out);
  assert.deepEqual(readFileSync(out), first, 'in place, and a second run changes nothing');
  assert.deepEqual(readdirSync(dir).sort(), ['copy.flv', src.split('/').pop()].sort(), 'no temporary file left');
  assert.equal(indexFlv(new Uint8Array(readFileSync(out))).keyframes.times.length, indexFlv(new Uint8Array(before)).keyframes.times.length);
  writeFileSync(join(dir, 'x.txt'), 'hello');
  await assert.rejects(reindexFlvFile(join(dir, 'x.txt'), join(dir, 'y.flv')), NotFlvError);
  assert.equal(existsSync(join(dir, 'y.flv')), false);
});
