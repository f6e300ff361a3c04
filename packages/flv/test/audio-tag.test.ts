import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AudioPacketType, FlvError, inspectAudio } from '../src/index.js';

const truncated = (err: unknown) => err instanceof FlvError && err.code === 'ERR_FLV_TRUNCATED';

test('legacy AAC sequence header (from ffmpeg)', () => {
  const info = inspectAudio(
    new Uint8Array([
      0xaf, // SoundFormat 10 (AAC) | rate 3 | 16-bit | stereo (fixed for AAC)
      0x00, // AACPacketType 0: sequence header
      0x12, 0x10, // AudioSpecificConfig: AAC-LC, 44100 Hz, 2 channels
      0x56, 0xe5, 0x00, // SBR sync extension ffmpeg appends
    ]),
  );
  assert.deepEqual(info, {
    enhanced: false,
    codec: 'aac',
    soundFormat: 10,
    packetType: 0,
    isSequenceHeader: true,
    isEndOfSequence: false,
    sampleSize: 16,
    sampleRate: 44100,
    channels: 2,
    bodyOffset: 2,
  });
});

test('legacy AAC raw frame and a mono 48 kHz config', () => {
  const raw = inspectAudio(new Uint8Array([0xaf, 0x01, 0x21, 0x4c]));
  assert.deepEqual([raw.isSequenceHeader, raw.packetType, raw.bodyOffset, raw.sampleRate], [false, 1, 2, undefined]);
  const mono48 = inspectAudio(new Uint8Array([0xaf, 0x00, 0x11, 0x88])); // LC, index 3 (48000), 1 channel
  assert.deepEqual([mono48.sampleRate, mono48.channels], [48000, 1]);
  assert.throws(() => inspectAudio(new Uint8Array([0xaf])), truncated);
});

test('legacy MP3, LPCM, Speex, Nellymoser, G.711 rates and channels', () => {
  const mp3 = inspectAudio(new Uint8Array([0x2e, 0xff, 0xfb])); // MP3 | 44 kHz | 16-bit | mono
  assert.deepEqual([mp3.codec, mp3.sampleRate, mp3.channels, mp3.bodyOffset], ['mp3', 44100, 1, 1]);
  const lpcm = inspectAudio(new Uint8Array([0x3b, 0, 0])); // LPCM LE | 22 kHz | 16-bit | stereo
  assert.deepEqual([lpcm.codec, lpcm.sampleRate, lpcm.channels, lpcm.sampleSize], ['lpcm', 22050, 2, 16]);
  const speex = inspectAudio(new Uint8Array([0xb6])); // Speex (always 16 kHz mono)
  assert.deepEqual([speex.codec, speex.sampleRate, speex.channels], ['speex', 16000, 1]);
  assert.equal(inspectAudio(new Uint8Array([0x52])).sampleRate, 8000); // Nellymoser 8 kHz mono
  const alaw = inspectAudio(new Uint8Array([0x72])); // G.711 A-law
  assert.deepEqual([alaw.codec, alaw.sampleRate], ['g711a', 8000]);
  assert.equal(inspectAudio(new Uint8Array([0xe2])).codec, 'mp3'); // MP3 8 kHz
  assert.equal(inspectAudio(new Uint8Array([0x02])).sampleRate, 5512);
});

const opusHead = [
  0x4f, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64, // "OpusHead"
  0x01, // version
  0x02, // channel count
  0x38, 0x01, // pre-skip 312 (LE)
  0x80, 0xbb, 0x00, 0x00, // input sample rate 48000 (LE)
  0x00, 0x00, // output gain
  0x00, // channel mapping family
];

test('enhanced Opus SequenceStart and CodedFrames', () => {
  const seq = inspectAudio(
    new Uint8Array([
      0x90, // SoundFormat 9 (ExHeader) | AudioPacketType 0 (SequenceStart)
      0x4f, 0x70, 0x75, 0x73, // FourCC "Opus"
      ...opusHead,
    ]),
  );
  assert.deepEqual(seq, {
    enhanced: true,
    codec: 'opus',
    fourcc: 'Opus',
    soundFormat: 9,
    packetType: AudioPacketType.sequenceStart,
    isSequenceHeader: true,
    isEndOfSequence: false,
    sampleRate: 48000,
    channels: 2,
    bodyOffset: 5,
  });
  const frame = inspectAudio(new Uint8Array([0x91, 0x4f, 0x70, 0x75, 0x73, 0xfc, 0xff, 0xfe]));
  assert.deepEqual([frame.isSequenceHeader, frame.packetType, frame.sampleRate], [false, 1, undefined]);
});

test('enhanced FLAC, AAC, MP3, AC-3 and E-AC-3 FourCCs', () => {
  const flac = inspectAudio(
    new Uint8Array([
      0x90, 0x66, 0x4c, 0x61, 0x43, // SequenceStart, "fLaC"
      0x66, 0x4c, 0x61, 0x43, // "fLaC" stream marker
      0x80, 0x00, 0x00, 0x22, // last block, type 0 (STREAMINFO), 34 bytes
      0x10, 0x00, 0x10, 0x00, // min/max block size 4096
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // min/max frame size unknown
      0x0b, 0xb8, 0x02, // 20 bits: 48000 Hz | 3 bits: channels - 1 = 1 | 1st bit of bps - 1
      0xf0, // last 4 bits of bps - 1 = 15 (16-bit), then total samples...
    ]),
  );
  assert.deepEqual([flac.codec, flac.sampleRate, flac.channels], ['flac', 48000, 2]);
  const aac = inspectAudio(new Uint8Array([0x90, 0x6d, 0x70, 0x34, 0x61, 0x12, 0x10]));
  assert.deepEqual([aac.codec, aac.sampleRate, aac.channels, aac.bodyOffset], ['aac', 44100, 2, 5]);
  assert.equal(inspectAudio(new Uint8Array([0x91, 0x2e, 0x6d, 0x70, 0x33])).codec, 'mp3');
  assert.equal(inspectAudio(new Uint8Array([0x91, 0x61, 0x63, 0x2d, 0x33])).codec, 'ac3');
  assert.equal(inspectAudio(new Uint8Array([0x91, 0x65, 0x63, 0x2d, 0x33])).codec, 'eac3');
  const end = inspectAudio(new Uint8Array([0x92, 0x4f, 0x70, 0x75, 0x73]));
  assert.deepEqual([end.isEndOfSequence, end.isSequenceHeader], [true, false]);
});

test('enhanced MultichannelConfig, ModEx and multitrack', () => {
  const mc = inspectAudio(
    new Uint8Array([
      0x94, 0x4f, 0x70, 0x75, 0x73, // MultichannelConfig, "Opus"
      0x01, // AudioChannelOrder Native
      0x06, // 6 channels
      0x00, 0x00, 0x00, 0x3f, // channel mask
    ]),
  );
  assert.deepEqual([mc.channels, mc.isSequenceHeader], [6, false]);
  const modEx = inspectAudio(
    new Uint8Array([
      0x97, // ExHeader | ModEx
      0x02, 0x00, 0x00, 0x10, // 3 bytes of TimestampOffsetNano
      0x01, // ModExType 0 | CodedFrames
      0x4f, 0x70, 0x75, 0x73, // "Opus"
    ]),
  );
  assert.deepEqual([modEx.packetType, modEx.codec, modEx.bodyOffset], [1, 'opus', 10]);
  const multi = inspectAudio(
    new Uint8Array([
      0x95, // ExHeader | Multitrack
      0x10, // ManyTracks | SequenceStart
      0x6d, 0x70, 0x34, 0x61, // "mp4a" for all tracks
      0x01, // trackId 1
      0x00, 0x00, 0x02, // sizeOfAudioTrack
      0x12, 0x10, // AudioSpecificConfig
    ]),
  );
  assert.deepEqual([multi.trackId, multi.isSequenceHeader, multi.sampleRate, multi.bodyOffset], [1, true, 44100, 10]);
});

test('empty and truncated payloads throw ERR_FLV_TRUNCATED', () => {
  assert.throws(() => inspectAudio(new Uint8Array(0)), truncated);
  assert.throws(() => inspectAudio(new Uint8Array([0x90, 0x4f, 0x70])), truncated);
  assert.throws(() => inspectAudio(new Uint8Array([0x97, 0x09, 0x00])), truncated);
});

test('a malformed codec config leaves details unknown instead of failing', () => {
  const info = inspectAudio(new Uint8Array([0xaf, 0x00, 0x17])); // one byte of AudioSpecificConfig
  assert.deepEqual([info.isSequenceHeader, info.sampleRate, info.channels], [true, undefined, undefined]);
});
