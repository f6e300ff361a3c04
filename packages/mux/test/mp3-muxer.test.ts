import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MediaFrame, StreamState } from '@flvcast/media';
import { mp3Format } from '../src/index.js';

const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('hex'));
const audio = (payload: number[], codec = 'mp3', config = false): MediaFrame => ({ kind: 'audio', timestamp: 0, compositionTime: 0, keyframe: false, config, codec, payload: Uint8Array.from(payload) });
const stream = (codec: string | undefined): StreamState => ({ name: 'live/m', metadata: undefined, audio: { frames: codec === undefined ? 0 : 1, ...(codec === undefined ? {} : { codec }) }, video: { frames: 0 } });

test('an MP3 tag\'s body goes out as it came: legacy format 2, 8 kHz format 14, Enhanced .mp3', () => {
  const muxer = mp3Format.createMuxer(stream('mp3'));
  assert.deepEqual(muxer.begin({ hasAudio: true, hasVideo: false }, 0), []);
  // 0x2F: SoundFormat 2 (MP3), 44 kHz, 16-bit, stereo; then an MPEG-1 Layer III frame header FF FB 90 64.
  const tag = audio([0x2f, 0xff, 0xfb, 0x90, 0x64]);
  const out = muxer.encode(tag)!;
  assert.equal(hex(out), 'fffb9064');
  assert.equal(out.buffer, tag.payload.buffer, 'shared, not copied');
  // 0xE2: SoundFormat 14 (MP3 8 kHz), mono; an MPEG-2.5 Layer III header FF E3 18 C4.
  assert.equal(hex(muxer.encode(audio([0xe2, 0xff, 0xe3, 0x18, 0xc4]))), 'ffe318c4');
  // 0x91 '.mp3': Enhanced RTMP coded frames.
  assert.equal(hex(muxer.encode(audio([0x91, ...Buffer.from('.mp3'), 0xff, 0xfb]))), 'fffb');
});

test('video, other codecs and empty bodies carry nothing', () => {
  const muxer = mp3Format.createMuxer(stream('mp3'));
  assert.equal(muxer.encode(audio([0xaf, 0x01, 0xaa], 'aac')), undefined);
  assert.equal(muxer.encode(audio([0x2f])), undefined);
  assert.equal(muxer.encode({ kind: 'video', timestamp: 0, compositionTime: 0, keyframe: true, config: false, codec: 'avc', payload: Uint8Array.from([0x17, 1, 0, 0, 0, 1]) }), undefined);
});

test('unsupported unless the audio is MP3', () => {
  assert.equal(mp3Format.audioOnly, true);
  assert.equal(mp3Format.unsupported!(stream('mp3')), undefined);
  assert.equal(mp3Format.unsupported!(stream('aac')), 'audio codec aac: .mp3 carries MP3 only');
  assert.equal(mp3Format.unsupported!(stream(undefined)), undefined);
});
