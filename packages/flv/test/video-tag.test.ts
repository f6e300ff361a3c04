import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlvError, VideoPacketType, inspectVideo } from '../src/index.js';

const truncated = (err: unknown) => err instanceof FlvError && err.code === 'ERR_FLV_TRUNCATED';

test('legacy AVC sequence header', () => {
  const info = inspectVideo(
    new Uint8Array([
      0x17, // frame type 1 (key) | codec id 7 (AVC)
      0x00, // AVCPacketType 0: sequence header
      0x00, 0x00, 0x00, // composition time 0
      0x01, 0x64, 0x00, 0x1f, // AVCDecoderConfigurationRecord starts here
    ]),
  );
  assert.deepEqual(info, {
    enhanced: false,
    codec: 'avc',
    codecId: 7,
    frameType: 1,
    packetType: 0,
    compositionTime: 0,
    isKeyframe: false,
    isSequenceHeader: true,
    isEndOfSequence: false,
    isCommandFrame: false,
    bodyOffset: 5,
  });
});

test('legacy AVC key and inter frames, with signed composition time', () => {
  const key = inspectVideo(new Uint8Array([0x17, 0x01, 0x00, 0x00, 0x50, 0, 0, 0, 2, 0x65, 0x88]));
  assert.equal(key.isKeyframe, true);
  assert.equal(key.isSequenceHeader, false);
  assert.equal(key.compositionTime, 80);
  const inter = inspectVideo(new Uint8Array([0x27, 0x01, 0xff, 0xff, 0xd8])); // CTS -40
  assert.equal(inter.frameType, 2);
  assert.equal(inter.isKeyframe, false);
  assert.equal(inter.compositionTime, -40);
  const end = inspectVideo(new Uint8Array([0x17, 0x02, 0, 0, 0])); // AVC end of sequence
  assert.equal(end.isEndOfSequence, true);
  assert.equal(end.isKeyframe, false);
});

test('legacy HEVC with codec id 12 (the Chinese CDN convention)', () => {
  const seq = inspectVideo(new Uint8Array([0x1c, 0x00, 0, 0, 0, 0x01])); // key | id 12, seq header
  assert.equal(seq.codec, 'hevc');
  assert.equal(seq.codecId, 12);
  assert.equal(seq.isSequenceHeader, true);
  const key = inspectVideo(new Uint8Array([0x1c, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x26]));
  assert.equal(key.isKeyframe, true);
  assert.equal(key.bodyOffset, 5);
});

test('other legacy codecs have no packet type byte', () => {
  const h263 = inspectVideo(new Uint8Array([0x22, 0x00])); // inter | Sorenson H.263
  assert.deepEqual([h263.codec, h263.frameType, h263.isKeyframe, h263.bodyOffset], ['h263', 2, false, 1]);
  const vp6 = inspectVideo(new Uint8Array([0x14, 0x00])); // key | VP6
  assert.deepEqual([vp6.codec, vp6.isKeyframe, vp6.packetType], ['vp6', true, undefined]);
  assert.equal(inspectVideo(new Uint8Array([0x33, 0])).frameType, 3); // disposable inter
  assert.equal(inspectVideo(new Uint8Array([0x19])).codec, 'unknown');
});

test('legacy command frame', () => {
  const info = inspectVideo(new Uint8Array([0x57, 0x01])); // frame type 5 | AVC, command 1 (end seek)
  assert.equal(info.isCommandFrame, true);
  assert.equal(info.command, 1);
  assert.equal(info.isKeyframe, false);
});

test('enhanced hvc1 SequenceStart', () => {
  const info = inspectVideo(
    new Uint8Array([
      0x90, // IsExHeader | frame type 1 (key) | VideoPacketType 0 (SequenceStart)
      0x68, 0x76, 0x63, 0x31, // FourCC "hvc1"
      0x01, 0x01, 0x60, // HEVCDecoderConfigurationRecord starts here
    ]),
  );
  assert.deepEqual(info, {
    enhanced: true,
    codec: 'hevc',
    fourcc: 'hvc1',
    frameType: 1,
    packetType: VideoPacketType.sequenceStart,
    isKeyframe: false,
    isSequenceHeader: true,
    isEndOfSequence: false,
    isCommandFrame: false,
    bodyOffset: 5,
  });
});

test('enhanced hvc1 CodedFrames carries a composition time, CodedFramesX does not', () => {
  const coded = inspectVideo(
    new Uint8Array([
      0x91, // IsExHeader | key | CodedFrames
      0x68, 0x76, 0x63, 0x31, // "hvc1"
      0x00, 0x00, 0x28, // composition time 40
      0x00, 0x00, 0x00, 0x02, 0x26, 0x01, // NAL units
    ]),
  );
  assert.deepEqual([coded.isKeyframe, coded.compositionTime, coded.bodyOffset], [true, 40, 8]);
  const x = inspectVideo(
    new Uint8Array([
      0xa3, // IsExHeader | frame type 2 (inter) | CodedFramesX
      0x68, 0x76, 0x63, 0x31, // "hvc1"
      0x00, 0x00, 0x00, 0x02, 0x02, 0x01, // NAL units right away
    ]),
  );
  assert.deepEqual([x.isKeyframe, x.frameType, x.compositionTime, x.bodyOffset], [false, 2, 0, 5]);
  const keyX = inspectVideo(new Uint8Array([0x93, 0x68, 0x76, 0x63, 0x31, 0]));
  assert.equal(keyX.isKeyframe, true);
});

test('enhanced av01 SequenceStart and CodedFrames (no composition time for AV1)', () => {
  const seq = inspectVideo(
    new Uint8Array([
      0x90, // IsExHeader | key | SequenceStart
      0x61, 0x76, 0x30, 0x31, // "av01"
      0x81, 0x00, 0x0c, 0x00, // AV1CodecConfigurationRecord
    ]),
  );
  assert.deepEqual([seq.codec, seq.fourcc, seq.isSequenceHeader, seq.bodyOffset], ['av1', 'av01', true, 5]);
  const coded = inspectVideo(new Uint8Array([0x91, 0x61, 0x76, 0x30, 0x31, 0x12, 0x00]));
  assert.deepEqual([coded.isKeyframe, coded.compositionTime, coded.bodyOffset], [true, undefined, 5]);
});

test('enhanced vp09 / vp08 / avc1 / unknown FourCC and SequenceEnd', () => {
  assert.equal(inspectVideo(new Uint8Array([0x91, 0x76, 0x70, 0x30, 0x39])).codec, 'vp9');
  assert.equal(inspectVideo(new Uint8Array([0x91, 0x76, 0x70, 0x30, 0x38])).codec, 'vp8');
  assert.equal(inspectVideo(new Uint8Array([0x93, 0x61, 0x76, 0x63, 0x31])).codec, 'avc');
  assert.equal(inspectVideo(new Uint8Array([0x91, 0x78, 0x79, 0x7a, 0x77])).codec, 'xyzw');
  const end = inspectVideo(new Uint8Array([0x92, 0x61, 0x76, 0x30, 0x31]));
  assert.deepEqual([end.isEndOfSequence, end.isKeyframe], [true, false]);
});

test('enhanced Metadata and MPEG2TSSequenceStart', () => {
  const meta = inspectVideo(new Uint8Array([0xd4, 0x68, 0x76, 0x63, 0x31, 0x02])); // frame type ignored
  assert.deepEqual([meta.packetType, meta.isCommandFrame, meta.isKeyframe, meta.isSequenceHeader], [4, false, false, false]);
  const ts = inspectVideo(new Uint8Array([0x95, 0x61, 0x76, 0x30, 0x31]));
  assert.equal(ts.isSequenceHeader, true);
});

test('enhanced command frame has a command byte and no FourCC', () => {
  const info = inspectVideo(new Uint8Array([0xd1, 0x00])); // IsExHeader | frame type 5 | CodedFrames, StartSeek
  assert.deepEqual([info.isCommandFrame, info.command, info.codec, info.fourcc], [true, 0, 'unknown', undefined]);
});

test('enhanced ModEx blocks are skipped', () => {
  const info = inspectVideo(
    new Uint8Array([
      0x97, // IsExHeader | key | ModEx
      0x02, // modExDataSize - 1 = 2 -> 3 bytes
      0x00, 0x01, 0x00, // TimestampOffsetNano = 256 ns
      0x03, // ModExType 0 (TimestampOffsetNano) | next packet type CodedFramesX
      0x68, 0x76, 0x63, 0x31, // "hvc1"
    ]),
  );
  assert.deepEqual([info.packetType, info.codec, info.isKeyframe, info.bodyOffset], [3, 'hevc', true, 10]);
});

test('enhanced multitrack: the first track is described', () => {
  const one = inspectVideo(
    new Uint8Array([
      0x96, // IsExHeader | key | Multitrack
      0x00, // AvMultitrackType OneTrack | packet type SequenceStart
      0x61, 0x76, 0x30, 0x31, // "av01"
      0x00, // trackId 0
      0x81, // body
    ]),
  );
  assert.deepEqual([one.codec, one.trackId, one.isSequenceHeader, one.bodyOffset], ['av1', 0, true, 7]);
  const many = inspectVideo(
    new Uint8Array([
      0x96, // IsExHeader | key | Multitrack
      0x21, // ManyTracksManyCodecs | CodedFrames
      0x68, 0x76, 0x63, 0x31, // first track's FourCC "hvc1"
      0x02, // trackId 2
      0x00, 0x00, 0x08, // sizeOfVideoTrack
      0x00, 0x00, 0x00, // composition time
      0x00, 0x00, 0x00, 0x01, 0x26, // data
    ]),
  );
  assert.deepEqual([many.codec, many.trackId, many.packetType, many.isKeyframe, many.bodyOffset], ['hevc', 2, 1, true, 13]);
});

test('empty and truncated payloads throw ERR_FLV_TRUNCATED', () => {
  assert.throws(() => inspectVideo(new Uint8Array(0)), truncated);
  assert.throws(() => inspectVideo(new Uint8Array([0x17, 0x01, 0x00])), truncated);
  assert.throws(() => inspectVideo(new Uint8Array([0x90, 0x68, 0x76])), truncated);
  assert.throws(() => inspectVideo(new Uint8Array([0x91, 0x68, 0x76, 0x63, 0x31, 0x00])), truncated); // CTS cut
  assert.throws(() => inspectVideo(new Uint8Array([0x97, 0x05, 0x00])), truncated); // ModEx data cut
  assert.throws(() => inspectVideo(new Uint8Array([0x96, 0x10, 0x61, 0x76, 0x30, 0x31, 0x00, 0x00])), truncated);
});
