import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAmf0 } from '@flvcast/amf0';
import { FlvDemuxer, encodeFlvHeader, encodeTag, type FlvTag } from '@flvcast/flv';
import { Hub, type SubscriberSink } from '@flvcast/hub';
import { FileSource } from '../src/index.js';
import { flvFormat } from '@flvcast/mux';

/** Lines the sources log. */
const logged: Array<{ level: string; message: string }> = [];
const log = {
  info: (_fields: Record<string, unknown>, message: string) => void logged.push({ level: 'info', message }),
  error: (_fields: Record<string, unknown>, message: string) => void logged.push({ level: 'error', message }),
};

const avcSeq = Uint8Array.from([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 4, 0x68, 0xcb, 0x83, 0xcb]);
const key = Uint8Array.from([0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65, 0]);
const inter = Uint8Array.from([0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x41, 0]);

/** Temporary folders of this file's tests, removed when they end. */
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function flvFile(tags: Array<[number, number, Uint8Array]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'flvcast-src-'));
  dirs.push(dir);
  const path = join(dir, 'clip.flv');
  const parts = [encodeFlvHeader({ hasAudio: false, hasVideo: true }), ...tags.map(([type, ts, p]) => encodeTag(type, ts, p))];
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

class Collect implements SubscriberSink {
  demuxer = new FlvDemuxer();
  tags: FlvTag[] = [];
  write(chunks: readonly Uint8Array[]): boolean {
    for (const c of chunks) this.tags.push(...this.demuxer.push(c));
    return true;
  }
  end(): void {}
}

test('a file plays in real time and loops with timestamps that keep going forward', async () => {
  const path = flvFile([
    [18, 0, encodeAmf0('onMetaData', { duration: 0.1, videocodecid: 7 })],
    [9, 0, avcSeq],
    [9, 0, key],
    [9, 50, inter],
    [9, 100, inter],
  ]);
  const hub = new Hub();
  const source = await FileSource.open(path, hub, { vhost: '', app: 'live', stream: 'f' }, log);
  source.start();
  const sink = new Collect();
  hub.subscribe({ vhost: '', app: 'live', stream: 'f' }, flvFormat, sink, { protocol: 'test' });
  const started = performance.now();
  await new Promise((r) => setTimeout(r, 420));
  source.stop();
  const video = sink.tags.filter((t) => t.type === 9);
  const ts = video.map((t) => t.timestamp);
  for (let i = 1; i < ts.length; i++) assert.ok(ts[i]! >= ts[i - 1]!, `forward: ${ts}`);
  // About 420 ms of a 133 ms loop: three loops and a bit, paced (not dumped at once).
  assert.ok(ts.at(-1)! >= 300 && ts.at(-1)! <= 420 + 50, `paced: last ts ${ts.at(-1)} after ${(performance.now() - started).toFixed(0)} ms`);
  assert.equal(hub.get({ vhost: '', app: 'live', stream: 'f' })?.publisher, undefined, 'stop() unpublishes');
});

test("each track's timestamps rise across the loop seam when the file's last tag is not its latest (ffmpeg writes video last)", async () => {
  const aacSeq = Uint8Array.from([0xaf, 0x00, 0x12, 0x10]);
  const aac = Uint8Array.from([0xaf, 0x01, 0x21, 0x00]);
  // As ffmpeg ends an FLV (the bundled demo clip): the last audio frames (to 155 ms) are written before the
  // last video frame (67 ms), and the first audio frame comes 44 ms in.
  const path = flvFile([
    [9, 0, avcSeq],
    [8, 0, aacSeq],
    [9, 0, key],
    [9, 33, inter],
    [8, 44, aac],
    [8, 67, aac],
    [8, 90, aac],
    [8, 113, aac],
    [8, 136, aac],
    [8, 155, aac],
    [9, 67, inter],
  ]);
  const hub = new Hub();
  const source = await FileSource.open(path, hub, { vhost: '', app: 'live', stream: 'seam' }, log);
  source.start();
  const sink = new Collect();
  hub.subscribe({ vhost: '', app: 'live', stream: 'seam' }, flvFormat, sink, { protocol: 'test' });
  await new Promise((r) => setTimeout(r, 400));
  source.stop();
  for (const type of [8, 9]) {
    // Frames, not configuration (re-sent each loop): a frame at the time of the one before it is a decoder error.
    const ts = sink.tags.filter((t) => t.type === type && t.payload[1] !== 0).map((t) => t.timestamp);
    assert.ok(ts.length > 5, `two loops or more of track ${type}: ${ts}`);
    for (let i = 1; i < ts.length; i++) assert.ok(ts[i]! > ts[i - 1]!, `track ${type} rises strictly: ${ts}`);
  }
});

test('a tag the hub refuses stops the source, not the process', async () => {
  const path = flvFile([
    [9, 0, avcSeq],
    [9, 0, key],
    [9, 40, Uint8Array.from([0x80 | 0x10 | 3])], // an Enhanced RTMP header cut after its first byte
  ]);
  const hub = new Hub();
  const source = await FileSource.open(path, hub, { vhost: '', app: 'live', stream: 'bad' }, log);
  source.start();
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(hub.get({ vhost: '', app: 'live', stream: 'bad' }), undefined, 'the source ended and its stream is gone');
  assert.ok(logged.some((l) => l.level === 'error' && /file source stopped/.test(l.message)), 'and said why');
});

test('files without media are refused when opened', async () => {
  const path = flvFile([[18, 0, encodeAmf0('onMetaData', {})]]);
  await assert.rejects(FileSource.open(path, new Hub(), { vhost: '', app: 'live', stream: 'x' }, log), /no audio or video/);
});
