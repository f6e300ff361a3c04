import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MediaFrame } from '@flvcast/media';
import { AudioWindow } from '../src/index.js';

const frame = (timestamp: number, size = 10, over: Partial<MediaFrame> = {}): MediaFrame => ({ kind: 'audio', timestamp, compositionTime: 0, keyframe: false, config: false, codec: 'aac', payload: new Uint8Array(size), ...over });

test('keeps the last windowMs of audio, sliding with the frames', () => {
  const w = new AudioWindow(100, 1_000_000, 1000);
  for (let t = 0; t <= 300; t += 20) w.add(frame(t));
  assert.deepEqual(w.frames.map((f) => f.timestamp), [200, 220, 240, 260, 280, 300]);
  assert.equal(w.bytes, 60);
});

test('bounded in bytes and in frames, whatever its time span', () => {
  const bytes = new AudioWindow(60_000, 35, 1000);
  for (let t = 0; t < 10; t++) bytes.add(frame(t * 20));
  assert.deepEqual(bytes.frames.map((f) => f.timestamp), [140, 160, 180]);
  assert.equal(bytes.bytes, 30);
  const frames = new AudioWindow(60_000, 1_000_000, 2);
  for (let t = 0; t < 10; t++) frames.add(frame(t * 20));
  assert.deepEqual(frames.frames.map((f) => f.timestamp), [160, 180]);
  // A single frame larger than the bound is not kept either.
  bytes.add(frame(200, 100));
  assert.deepEqual(bytes.frames, []);
  assert.equal(bytes.bytes, 0);
});

test('video, configuration, and a window of 0 keep nothing', () => {
  const w = new AudioWindow(1000, 1_000_000, 1000);
  w.add(frame(0, 10, { kind: 'video', codec: 'avc', keyframe: true }));
  w.add(frame(0, 4, { config: true }));
  assert.equal(w.frames.length, 0);
  const off = new AudioWindow(0, 1_000_000, 1000);
  off.add(frame(0));
  assert.equal(off.frames.length, 0);
  w.add(frame(5));
  w.clear();
  assert.deepEqual([w.frames.length, w.bytes], [0, 0]);
});
