import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MediaFrame, StreamState } from '@flvcast/media';
import { adtsFormat } from '../src/index.js';

const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('hex'));
const audio = (payload: number[], config = false, codec = 'aac'): MediaFrame => ({ kind: 'audio', timestamp: 0, compositionTime: 0, keyframe: false, config, codec, payload: Uint8Array.from(payload) });
// AF 00: AAC (10), 44 kHz, 16-bit, stereo; packet type 0 (sequence header). 12 10: AAC-LC (2), index 4 (44.1 kHz), 2 channels.
const lc44Stereo = audio([0xaf, 0x00, 0x12, 0x10], true);
// 15 88: AAC-LC, index 11 (8 kHz), 1 channel.
const lc8Mono = audio([0xaf, 0x00, 0x15, 0x88], true);

function stream(over: Partial<StreamState['audio']> = {}, rest: Partial<StreamState> = {}): StreamState {
  return { name: 'live/a', metadata: undefined, audio: { frames: 1, codec: 'aac', config: lc44Stereo, ...over }, video: { frames: 0 }, ...rest };
}

test('a raw AAC frame goes out behind its ADTS header, from the stream\'s configuration', () => {
  const muxer = adtsFormat.createMuxer(stream());
  assert.deepEqual(muxer.begin({ hasAudio: true, hasVideo: false }, 0), [], 'ADTS has no stream header');
  assert.equal(
    hex(muxer.encode(audio([0xaf, 0x01, 0xde, 0xad, 0xbe, 0xef]))),
    'fff1' + // syncword, MPEG-4, no CRC
      '50' + // profile 1 (LC), sampling index 4, private 0, channel bits 0..
      '80' + // ..channel configuration 2, frame length high bits 0
      '017f' + // aac_frame_length 11 (7 + 4), buffer fullness 0x7FF..
      'fc' + // ..and one raw data block
      'deadbeef', // the raw frame, untouched
  );
});

test('a sequence header produces nothing and replaces the configuration for the frames after it', () => {
  const muxer = adtsFormat.createMuxer(stream());
  assert.equal(muxer.encode(lc8Mono), undefined);
  // profile 1, index 11 (0x2c), channel configuration 1: 0x40|0x2c = 0x6c, then 01<<6 = 0x40; length 9: 01 3f.
  assert.equal(hex(muxer.encode(audio([0xaf, 0x01, 0x01, 0x02]))), 'fff16c40013ffc0102');
});

test('Enhanced RTMP mp4a: the sequence start configures, coded frames are framed the same', () => {
  const muxer = adtsFormat.createMuxer(stream({ config: undefined }));
  assert.equal(muxer.encode(audio([0xaf, 0x01, 0xaa])), undefined, 'no configuration yet: nothing can be framed');
  const fourcc = [...Buffer.from('mp4a')];
  // 0x90: SoundFormat 9 (ExHeader), AudioPacketType 0 (SequenceStart); then the FourCC and the ASC.
  assert.equal(muxer.encode(audio([0x90, ...fourcc, 0x12, 0x10], true)), undefined);
  // 0x91: CodedFrames; length 9 (7 + 2).
  assert.equal(hex(muxer.encode(audio([0x91, ...fourcc, 0xaa, 0xbb]))), 'fff15080013ffcaabb');
});

test('video, script data, other codecs, end of sequence and empty frames carry nothing', () => {
  const muxer = adtsFormat.createMuxer(stream());
  assert.equal(muxer.encode({ kind: 'video', timestamp: 0, compositionTime: 0, keyframe: true, config: false, codec: 'avc', payload: Uint8Array.from([0x17, 1, 0, 0, 0, 1]) }), undefined);
  assert.equal(muxer.encode({ kind: 'data', timestamp: 0, keyframe: false, config: false, name: 'onCuePoint', value: 1 }), undefined);
  assert.equal(muxer.encode(audio([0x2f, 0xff, 0xfb], false, 'mp3')), undefined);
  assert.equal(muxer.encode(audio([0xaf, 0x01])), undefined);
  assert.equal(muxer.encode(audio([0x92, ...Buffer.from('mp4a')])), undefined, 'SequenceEnd');
  assert.equal(muxer.metadataChanged({ hasAudio: true, hasVideo: false }), undefined);
});

test('unsupported: names the audio codec, a stream without audio, and AAC that ADTS cannot signal', () => {
  assert.equal(adtsFormat.audioOnly, true);
  assert.equal(adtsFormat.unsupported!(stream()), undefined);
  assert.equal(adtsFormat.unsupported!(stream({ codec: 'mp3', config: undefined })), 'audio codec mp3: .aac carries AAC only');
  assert.equal(adtsFormat.unsupported!(stream({ codec: undefined, config: undefined, frames: 0 })), undefined, 'nothing known yet');
  const videoOnly = stream({ codec: undefined, config: undefined, frames: 0 }, { metadata: { videocodecid: 7 }, video: { frames: 5, codec: 'avc' } });
  assert.equal(adtsFormat.unsupported!(videoOnly), 'the stream has no audio track: .aac carries AAC audio only');
  const announced = stream({ codec: undefined, config: undefined, frames: 0 }, { metadata: { videocodecid: 7, audiocodecid: 10 }, video: { frames: 5, codec: 'avc' } });
  assert.equal(adtsFormat.unsupported!(announced), undefined, 'audio announced, not here yet: undecided');
  // 0xF8 0x80 ...: object type 31 escape → 32 + 4 = 36 (ALS): no ADTS profile for it.
  const als = stream({ config: audio([0xaf, 0x00, 0xf8, 0x90, 0x00], true) });
  assert.match(adtsFormat.unsupported!(als) ?? '', /^audio codec aac \(object type 36, .*ADTS cannot signal it$/);
});
