import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAmf0 } from '@flvcast/amf0';
import type { MediaFrame, StreamState } from '@flvcast/media';
import { ChunkReader, ChunkStreamId, ChunkWriter, encodeSetChunkSize } from '@flvcast/rtmp';
import { RtmpMuxer, rtmpFormat } from '../src/index.js';

const aacConfig: MediaFrame = { kind: 'audio', timestamp: 0, compositionTime: 0, keyframe: false, config: true, codec: 'aac', payload: Uint8Array.from([0xaf, 0x00, 0x12, 0x10]) };
const avcConfig: MediaFrame = { kind: 'video', timestamp: 0, compositionTime: 0, keyframe: false, config: true, codec: 'avc', payload: Uint8Array.from([0x17, 0x00, 0, 0, 0, 0x01]) };

function stream(): StreamState {
  return { name: 'live/cam1', metadata: { duration: 10, filesize: 99, videocodecid: 7 }, audio: { frames: 1, codec: 'aac', config: aacConfig }, video: { frames: 1, codec: 'avc', config: avcConfig, width: 320, height: 240 } };
}

const video = (timestamp: number, size: number, keyframe = true): MediaFrame => {
  const payload = new Uint8Array(size).map((_, i) => i & 0xff);
  payload[0] = keyframe ? 0x17 : 0x27;
  return { kind: 'video', timestamp, compositionTime: 0, keyframe, config: false, codec: 'avc', payload };
};

/** A reader that has seen nothing but the chunk size: each packet must decode alone. */
function freshReader(chunkSize: number): ChunkReader {
  const reader = new ChunkReader();
  const writer = new ChunkWriter();
  reader.push(writer.write(encodeSetChunkSize(chunkSize)));
  return reader;
}

test('a frame is one whole RTMP message that stands alone: type-0 first chunk, type-3 continuations, on a shared chunk stream', () => {
  const muxer = new RtmpMuxer(stream(), { chunkSize: 128, streamId: 1, audio: true, video: true });
  const frame = video(1000, 300);
  const bytes = muxer.encode(frame)!;
  assert.equal(bytes[0], (0 << 6) | ChunkStreamId.SharedVideo, 'type-0 basic header on the shared video chunk stream');
  // 12-byte header + 300 bytes + two type-3 basic headers (300 = 128 + 128 + 44)
  assert.equal(bytes.length, 12 + 300 + 2);
  assert.equal(bytes[12 + 128], (3 << 6) | ChunkStreamId.SharedVideo);
  const [msg, ...rest] = freshReader(128).push(bytes);
  assert.deepEqual(rest, []);
  assert.equal(msg!.type, 9);
  assert.equal(msg!.streamId, 1);
  assert.equal(msg!.timestamp, 1000);
  assert.deepEqual(msg!.payload, frame.payload);
  // The same packet, read after other packets at other times, still decodes alone (absolute type 0 each).
  const reader = freshReader(128);
  reader.push(muxer.encode(video(5000, 10))!);
  const again = reader.push(bytes);
  assert.equal(again[0]!.timestamp, 1000, 'a type-0 header, not a delta from what came before');
});

test('extended timestamps: in the first chunk and repeated in every continuation', () => {
  const muxer = new RtmpMuxer(stream(), { chunkSize: 128, streamId: 1, audio: true, video: true });
  const frame = video(0x01234567, 200);
  const bytes = muxer.encode(frame)!;
  assert.deepEqual([...bytes.subarray(1, 4)], [0xff, 0xff, 0xff]);
  assert.deepEqual([...bytes.subarray(12, 16)], [0x01, 0x23, 0x45, 0x67]);
  const cont = 16 + 128;
  assert.equal(bytes[cont], (3 << 6) | ChunkStreamId.SharedVideo);
  assert.deepEqual([...bytes.subarray(cont + 1, cont + 5)], [0x01, 0x23, 0x45, 0x67]);
  const [msg] = freshReader(128).push(bytes);
  assert.equal(msg!.timestamp, 0x01234567);
  assert.deepEqual(msg!.payload, frame.payload);
});

test('begin: onMetaData without @setDataFrame stamped 0 (clean: no duration), then the configurations at the start time', () => {
  const muxer = rtmpFormat({ chunkSize: 4096, streamId: 1, audio: true, video: true }).createMuxer(stream());
  const reader = freshReader(4096);
  const msgs = muxer.begin({ hasAudio: true, hasVideo: true }, 7000).flatMap((b) => reader.push(b));
  assert.deepEqual(msgs.map((m) => [m.type, m.timestamp, m.streamId]), [[18, 0, 1], [9, 7000, 1], [8, 7000, 1]]);
  const [name, meta] = decodeAmf0(msgs[0]!.payload) as [string, Record<string, unknown>];
  assert.equal(name, 'onMetaData');
  assert.equal(meta.duration, undefined);
  assert.equal(meta.hasVideo, true);
  assert.equal(meta.width, 320);
  assert.deepEqual(msgs[1]!.payload, avcConfig.payload);
  const update = reader.push(muxer.metadataChanged({ hasAudio: true, hasVideo: true })!);
  assert.equal(update[0]!.type, 18);
});

test('receiveAudio false: no audio configuration, no audio frames, and the metadata says so', () => {
  const muxer = rtmpFormat({ chunkSize: 4096, streamId: 3, audio: false, video: true }).createMuxer(stream());
  const reader = freshReader(4096);
  const msgs = muxer.begin({ hasAudio: true, hasVideo: true }, 0).flatMap((b) => reader.push(b));
  assert.deepEqual(msgs.map((m) => m.type), [18, 9]);
  assert.equal((decodeAmf0(msgs[0]!.payload)[1] as Record<string, unknown>).hasAudio, false);
  assert.equal(muxer.encode({ ...aacConfig, config: false, timestamp: 40 }), undefined);
  assert.notEqual(muxer.encode(video(40, 10)), undefined);
  const noVideo = rtmpFormat({ chunkSize: 4096, streamId: 1, audio: true, video: false }).createMuxer(stream());
  assert.equal(noVideo.encode(video(40, 10)), undefined);
});

test("shared packets interleave with a connection's own chunk writer without disturbing its header compression", () => {
  const muxer = new RtmpMuxer(stream(), { chunkSize: 128, streamId: 1, audio: true, video: true });
  const own = new ChunkWriter();
  own.setChunkSize(128);
  const reader = freshReader(128);
  const got: Array<[number, number, number]> = [];
  for (let i = 0; i < 5; i++) {
    // The session's statuses (type 1/2/3 headers after the first) between shared media packets.
    for (const m of reader.push(own.write({ csid: ChunkStreamId.StreamCommand, type: 20, streamId: 1, timestamp: i * 10, payload: new Uint8Array(150) }))) got.push([m.csid, m.type, m.timestamp]);
    for (const m of reader.push(muxer.encode(video(i * 40, 250, i === 0))!)) got.push([m.csid, m.type, m.timestamp]);
  }
  assert.deepEqual(got, [0, 1, 2, 3, 4].flatMap((i) => [[ChunkStreamId.StreamCommand, 20, i * 10], [ChunkStreamId.SharedVideo, 9, i * 40]]));
});

test('script data that AMF0 cannot carry is left out, and bad options are refused', () => {
  const muxer = new RtmpMuxer(stream(), { chunkSize: 4096, streamId: 1, audio: true, video: true });
  const data = muxer.encode({ kind: 'data', timestamp: 80, keyframe: false, config: false, name: 'onCuePoint', value: { t: 1 } })!;
  const [msg] = freshReader(4096).push(data);
  assert.deepEqual([msg!.type, msg!.timestamp, msg!.csid], [18, 80, ChunkStreamId.SharedData]);
  assert.equal(muxer.encode({ kind: 'data', timestamp: 80, keyframe: false, config: false, name: 'onCuePoint', value: { ['k'.repeat(70_000)]: 1 } }), undefined);
  assert.throws(() => rtmpFormat({ chunkSize: 0, streamId: 1, audio: true, video: true }), RangeError);
  assert.throws(() => rtmpFormat({ chunkSize: 128, streamId: -1, audio: true, video: true }), RangeError);
  assert.equal(rtmpFormat({ chunkSize: 128, streamId: 1, audio: true, video: true }).unsupported?.(stream()), undefined);
});
