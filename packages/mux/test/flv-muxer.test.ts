import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeScriptData } from '@flvcast/flv';
import type { MediaFrame, StreamState } from '@flvcast/media';
import { flvFormat } from '../src/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const aacConfig: MediaFrame = { kind: 'audio', timestamp: 0, compositionTime: 0, keyframe: false, config: true, codec: 'aac', payload: Uint8Array.from([0xaf, 0x00, 0x12, 0x10]) };
const avcConfig: MediaFrame = { kind: 'video', timestamp: 0, compositionTime: 0, keyframe: false, config: true, codec: 'avc', payload: Uint8Array.from([0x17, 0x00, 0, 0, 0, 0x01]) };

function stream(over: Partial<StreamState> = {}): StreamState {
  return { name: 'live/cam1', metadata: { duration: 10, filesize: 99, videocodecid: 7, encoder: 'x' }, audio: { frames: 1, codec: 'aac', config: aacConfig }, video: { frames: 1, codec: 'avc', config: avcConfig, width: 320, height: 240 }, ...over };
}

test('a frame is its FLV tag: 11-byte header, the payload as received, PreviousTagSize', () => {
  const muxer = flvFormat.createMuxer(stream());
  const frame: MediaFrame = { kind: 'video', timestamp: 0x01020304, compositionTime: 0, keyframe: true, config: false, codec: 'avc', payload: Uint8Array.from([0x17, 0x01, 0, 0, 0, 0xaa]) };
  assert.equal(
    hex(muxer.encode(frame)!),
    '09' + '000006' + '020304' + '01' + '000000' + // type 9, size 6, timestamp low 24 bits, extended byte, stream id 0
      '1701000000aa' + // the payload, untouched
      '00000011', // PreviousTagSize 11 + 6
  );
  const data = muxer.encode({ kind: 'data', timestamp: 40, keyframe: false, config: false, name: 'onCuePoint', value: { t: 1 } })!;
  assert.equal(data[0], 18);
  assert.deepEqual(decodeScriptData(data.subarray(11, data.length - 4)), { name: 'onCuePoint', value: { t: 1 } });
});

test('begin: header with the layout\'s flags, a clean onMetaData stamped 0, then the configurations at the start time', () => {
  const muxer = flvFormat.createMuxer(stream());
  const [header, meta, video, audio, ...rest] = muxer.begin({ hasAudio: true, hasVideo: true }, 2000);
  assert.equal(rest.length, 0);
  assert.equal(hex(header!), '464c5601' + '05' + '00000009' + '00000000', 'FLV v1, audio+video, header size 9, PreviousTagSize0');
  assert.equal(meta![0], 18);
  assert.equal(hex(meta!.subarray(4, 8)), '00000000', 'stamped 0');
  const value = decodeScriptData(meta!.subarray(11, meta!.length - 4)).value as Record<string, unknown>;
  assert.deepEqual(
    { ...value },
    { videocodecid: 7, encoder: 'x', width: 320, height: 240, hasAudio: true, hasVideo: true, server: 'flvcast' },
    'no duration or filesize on a live stream; size from the track; explicit track flags',
  );
  assert.equal(video![0], 9);
  assert.equal(hex(video!.subarray(4, 8)), '0007d000', 'configuration stamped at the start time (2000 ms)');
  assert.equal(audio![0], 8);
  const audioOnly = muxer.begin({ hasAudio: true, hasVideo: false }, 0);
  assert.deepEqual(audioOnly.map((b) => b[0]), [0x46, 18, 8], 'a track the layout denies gets no configuration');
  assert.equal(audioOnly[0]![4], 0x04, 'FLV header flags: audio only');
});

test('metadataChanged: the clean onMetaData for a viewer already playing', () => {
  const state = stream();
  const muxer = flvFormat.createMuxer(state);
  const update = muxer.metadataChanged({ hasAudio: false, hasVideo: true })!;
  const value = decodeScriptData(update.subarray(11, update.length - 4)).value as Record<string, unknown>;
  assert.equal(value.hasAudio, false);
  assert.equal(value.hasVideo, true);
});

// Found by the fuzzer (test/fuzz, target hub, from a seed made for it): onMetaData with a key of 30000 bytes
// that are not UTF-8 decodes to 30000 U+FFFD characters, 90000 bytes when encoded again, more than an AMF0
// key holds. Encoding onMetaData threw, so every viewer's start (hub.subscribe) failed for as long as that
// publisher published. The entries that encode still go; the track flags always do.
test('onMetaData a publisher sent that AMF0 cannot carry again does not stop viewers from starting (fuzz regression)', () => {
  const wide = '\uFFFD'.repeat(30000);
  const muxer = flvFormat.createMuxer(stream({ metadata: { [wide]: 1, videocodecid: 7, encoder: 'x' } }));
  const [header, meta] = muxer.begin({ hasAudio: true, hasVideo: true }, 0);
  assert.equal(header!.length, 13);
  const { name, value } = decodeScriptData(meta!.subarray(11, meta!.length - 4));
  assert.equal(name, 'onMetaData');
  assert.deepEqual(value, { videocodecid: 7, encoder: 'x', width: 320, height: 240, hasAudio: true, hasVideo: true, server: 'flvcast' });
  assert.ok(muxer.metadataChanged({ hasAudio: true, hasVideo: false }) !== undefined);
  // Script data that cannot be encoded again is not sent (rather than failing the publisher's message).
  assert.equal(muxer.encode({ kind: 'data', timestamp: 0, keyframe: false, config: false, name: 'onCuePoint', value: { [wide]: 1 } }), undefined);
});

test('onMetaData too large for one FLV tag: viewers still start, with the track flags and the size', () => {
  const muxer = flvFormat.createMuxer(stream({ metadata: { comment: 'x'.repeat(17 * 1024 * 1024), videocodecid: 7 } }));
  const [, meta] = muxer.begin({ hasAudio: false, hasVideo: true }, 0);
  const { value } = decodeScriptData(meta!.subarray(11, meta!.length - 4));
  assert.deepEqual(value, { hasAudio: false, hasVideo: true, server: 'flvcast', width: 320, height: 240 });
});
