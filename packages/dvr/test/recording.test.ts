import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader, concatBytes } from '@flvcast/test-fixtures';
import { decodeScriptData, indexFlv, inspectVideo } from '@flvcast/flv';
import { Recording, WriteQueue, type DvrLog, type FinishedRecording, type RecordedTag, type RecordingWriter } from '../src/index.js';
import { logger, type Meta } from './test-helpers.js';

interface MemoryFile {
  path: string;
  chunks: Uint8Array[];
  final: Uint8Array | undefined;
  rewritten: boolean;
  queue?: WriteQueue;
}

/** Writers that keep each file in memory; `delayMs` makes every write that slow (a slow disk). */
function memoryWriters(opts: { delayMs?: number; failAfterBytes?: number } = {}) {
  const files: MemoryFile[] = [];
  let written = 0;
  const open = (path: string, onError: (err: Error) => void): RecordingWriter => {
    const file: MemoryFile = { path, chunks: [], final: undefined, rewritten: false };
    files.push(file);
    const queue = new WriteQueue(async (chunks) => {
      if (opts.delayMs !== undefined) await new Promise((r) => setTimeout(r, opts.delayMs));
      const size = chunks.reduce((n, c) => n + c.length, 0);
      if (opts.failAfterBytes !== undefined && written + size > opts.failAfterBytes) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      written += size;
      file.chunks.push(...chunks.map((c) => c.slice()));
    }, onError);
    file.queue = queue;
    return {
      queue,
      async finish(metadata, offset) {
        await queue.drained();
        if (queue.error !== undefined) throw queue.error;
        const bytes = concatBytes(...file.chunks);
        if (metadata === undefined) file.rewritten = true;
        else bytes.set(metadata, offset);
        file.final = bytes;
        return path;
      },
      async abort() {
        await queue.drained();
      },
    };
  };
  return { files, open };
}


const video = (timestamp: number, payload: Uint8Array, keyframe = false, config = false): RecordedTag => ({ type: 9, timestamp, payload, keyframe, config });
const audio = (timestamp: number, payload: Uint8Array, config = false): RecordedTag => ({ type: 8, timestamp, payload, keyframe: false, config });

/** `seconds` of a 25 fps stream with a keyframe every `gopMs`, audio every 23 ms, from stream time `start`. */
function feed(rec: Recording, start: number, seconds: number, gopMs = 2000, pad = 0): void {
  let a = start;
  for (let t = start; t < start + seconds * 1000; t += 40) {
    while (a <= t) {
      rec.tag(audio(a, aacFrame(a)));
      a += 23;
    }
    const key = (t - start) % gopMs === 0;
    const body = key ? avcKeyframe(t) : avcInterframe(t);
    rec.tag(video(t, pad > 0 ? concatBytes(body, new Uint8Array(pad)) : body, key));
  }
}

function recording(opts: Partial<ConstructorParameters<typeof Recording>[0]> & { writers: ReturnType<typeof memoryWriters>; log: DvrLog; finished?: FinishedRecording[]; failed?: string[] }) {
  const { writers, finished = [], failed = [], ...rest } = opts;
  let clock = 1_700_000_000_000;
  const rec = new Recording({
    vhost: '',
    app: 'live',
    stream: 'cam',
    plan: 'session',
    segmentMs: 30_000,
    template: '/rec/[app]/[stream].[timestamp].flv',
    maxQueueBytes: 32 * 1024 * 1024,
    now: () => (clock += 1000),
    openWriter: writers.open,
    listener: { started: () => undefined, finished: (i) => void finished.push(i), finishFailed: () => undefined, failed: (p) => void failed.push(p) },
    ...rest,
  });
  rec.setTracks({ hasAudio: true, hasVideo: true });
  rec.setMetadata({ width: 640, height: 360, encoder: 'test' });
  return rec;
}

function start(rec: Recording, at: number): void {
  rec.tag(video(at, avcSequenceHeader, false, true));
  rec.tag(audio(at, aacSequenceHeader, true));
}

/** The tags of a file, with the video keyframe positions the file's own index must list. */
function check(bytes: Uint8Array) {
  const index = indexFlv(bytes);
  assert.equal(index.validEnd, bytes.length, 'every tag whole');
  const meta = decodeScriptData(bytes.subarray(13 + 11, index.metadata!.end - 4)).value as unknown as Meta;
  assert.equal(meta.filesize, bytes.length);
  assert.deepEqual(meta.keyframes.filepositions, index.keyframes.filepositions, 'the index lists every keyframe tag');
  assert.deepEqual(meta.keyframes.times, index.keyframes.times);
  for (const pos of meta.keyframes.filepositions as number[]) {
    assert.equal(bytes[pos], 9);
    assert.equal(inspectVideo(bytes.subarray(pos + 11, pos + 30)).isKeyframe, true);
  }
  // After the metadata: the configurations, then a keyframe, all at time 0.
  const first = index.metadata!.end;
  const tagAt = (at: number) => ({ type: bytes[at]!, ts: (bytes[at + 4]! << 16) | (bytes[at + 5]! << 8) | bytes[at + 6]!, size: (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!, body: bytes.subarray(at + 11, at + 11 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!)) });
  const t1 = tagAt(first);
  const t2 = tagAt(first + 15 + t1.size);
  const t3 = tagAt(first + 30 + t1.size + t2.size);
  assert.deepEqual([t1.type, t1.ts, inspectVideo(t1.body).isSequenceHeader], [9, 0, true], 'the video configuration first');
  assert.deepEqual([t2.type, t2.ts, t2.body[1]], [8, 0, 0], 'then the audio configuration');
  assert.deepEqual([t3.type, t3.ts, inspectVideo(t3.body).isKeyframe], [9, 0, true], 'then a keyframe at 0');
  return { index, meta };
}

test('session plan: one file from the first keyframe, rebased to 0, its onMetaData rewritten in place with the index', async () => {
  const writers = memoryWriters();
  const { log } = logger();
  const finished: FinishedRecording[] = [];
  const rec = recording({ writers, log, finished });
  start(rec, 5000);
  rec.tag(audio(5000, aacFrame(1))); // before any keyframe: not recorded
  rec.tag(video(5000, avcInterframe(1)));
  feed(rec, 5040, 12);
  assert.equal(rec.status()?.path, '/rec/live/cam.1700000001000.flv');
  await rec.end();
  assert.equal(writers.files.length, 1);
  const file = writers.files[0]!;
  assert.equal(file.rewritten, false, 'the index fitted the reserved room');
  const { index, meta } = check(file.final!);
  assert.equal(index.keyframes.times.length, 6, 'a keyframe every 2 s of 12 s');
  assert.deepEqual(meta.keyframes.times, [0, 2, 4, 6, 8, 10]);
  assert.equal(meta.duration, 11.96);
  assert.deepEqual([meta.width, meta.height, meta.encoder, meta.videocodecid, meta.audiocodecid, meta.framerate], [640, 360, 'test', 7, 10, 25]);
  assert.deepEqual({ ...finished[0], startedAt: 0, endedAt: 0 }, { path: file.path, vhost: '', app: 'live', stream: 'cam', startedAt: 0, endedAt: 0, durationMs: 11_960, bytes: file.final!.length, droppedBytes: 0, clientId: '', ip: '', param: '' });
});

test('segment plan: a new file at the first keyframe at or after segmentMs, each with header, metadata, configurations and a keyframe', async () => {
  const writers = memoryWriters();
  const { log } = logger();
  const finished: FinishedRecording[] = [];
  const rec = recording({ writers, log, finished, plan: 'segment', segmentMs: 4000 });
  start(rec, 0);
  feed(rec, 0, 12, 2000);
  // A resolution change mid-segment: recorded as the tag it is, and the next segment starts with it.
  const changed = Uint8Array.from(avcSequenceHeader);
  changed[changed.length - 1] = changed[changed.length - 1]! ^ 1;
  rec.tag(video(12_000, changed, false, true));
  feed(rec, 12_000, 2, 2000);
  await rec.end();
  assert.equal(writers.files.length, 4);
  // Each segment ends with the audio just before the next keyframe (at 3.979 s or so).
  const durations = writers.files.map((f) => check(f.final!).meta.duration as number);
  for (const d of durations.slice(0, 3)) assert.ok(d > 3.95 && d <= 4, `a 4 s segment lasts ${d} s`);
  assert.ok(Math.abs(durations.reduce((a, b) => a + b) - 13.96) < 0.1, `together ${durations.join(' + ')} s`);
  assert.deepEqual(finished.sort((a, b) => a.startedAt - b.startedAt).map((f) => f.durationMs / 1000), durations);
  const third = writers.files[2]!.final!;
  const hasChanged = (b: Uint8Array) => Buffer.from(b).includes(Buffer.from(changed));
  assert.equal(hasChanged(third), true, 'the new configuration is recorded where it came');
  assert.equal(hasChanged(writers.files[3]!.final!), true, 'and starts the next segment');
});

test('a slow disk: the queue never grows past maxQueueBytes; drops are counted, logged once, and the file resumes at a keyframe', async () => {
  const writers = memoryWriters({ delayMs: 5 });
  const { lines, log } = logger();
  const max = 64 * 1024;
  // The file's head (with its reserved index room) is always written; the bound holds the media.
  const rec = recording({ writers, log, maxQueueBytes: max, indexCapacity: 100 });
  start(rec, 0);
  let peak = 0;
  // Everything arrives at once (a burst no disk keeps up with): 20 s of 2 KiB frames.
  for (let s = 0; s < 20; s++) {
    feed(rec, s * 1000, 1, 1000, 2048);
    peak = Math.max(peak, writers.files[0]!.queue!.queuedBytes);
  }
  assert.ok(peak <= max, `the queue peaked at ${peak} bytes`);
  assert.ok(peak > max / 2, `and was used (${peak} bytes)`);
  assert.ok(rec.droppedBytes > 300_000, `most of the ~1 MB was dropped (${rec.droppedBytes})`);
  await rec.end();
  const file = writers.files[0]!.final!;
  const { index } = check(file);
  assert.ok(index.keyframes.times.length < 20, 'keyframes were dropped too');
  const warns = lines.filter((l) => l.level === 'warn');
  assert.equal(warns.length, 1, 'one line per 10 s at most');
  assert.match(warns[0]!.msg, /dropping/);
  // Every picture in the file follows a keyframe of its own GOP: after a drop the file resumes at a keyframe.
  let lastKey = -1;
  for (let at = index.metadata!.end; at < file.length; ) {
    const size = (file[at + 1]! << 16) | (file[at + 2]! << 8) | file[at + 3]!;
    if (file[at] === 9) {
      const info = inspectVideo(file.subarray(at + 11, at + 11 + size));
      const ts = (file[at + 4]! << 16) | (file[at + 5]! << 8) | file[at + 6]!;
      if (info.isKeyframe) lastKey = ts;
      else if (!info.isSequenceHeader) assert.ok(lastKey >= 0 && ts - lastKey < 1000, `a picture at ${ts} ms without its keyframe (last at ${lastKey})`);
    }
    at += 15 + size;
  }
});

test('a write error (disk full) stops the recording with one error line; later tags are ignored', async () => {
  const writers = memoryWriters({ failAfterBytes: 20_000 });
  const { lines, log } = logger();
  const failed: string[] = [];
  const rec = recording({ writers, log, failed });
  start(rec, 0);
  for (let s = 0; s < 10; s++) {
    feed(rec, s * 1000, 1, 1000, 1024);
    await new Promise((r) => setImmediate(r));
  }
  await rec.end();
  assert.equal(rec.failed, true);
  assert.deepEqual(failed, [writers.files[0]!.path]);
  const errors = lines.filter((l) => l.level === 'error');
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.fields.code, 'ENOSPC');
  assert.equal(rec.status(), undefined);
  assert.equal(writers.files[0]!.final, undefined, 'not finished');
});

test('more keyframes than the reserved index holds: the file is rewritten once', async () => {
  const writers = memoryWriters();
  const { log } = logger();
  const rec = recording({ writers, log, indexCapacity: 3 });
  start(rec, 0);
  feed(rec, 0, 12, 200);
  await rec.end();
  assert.equal(writers.files[0]!.rewritten, true);
});
