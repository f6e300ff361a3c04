import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader, concatBytes } from '@flvcast/test-fixtures';
import { FlvFileIndexer, FlvTagScanner, MAX_SEQUENCE_HEADERS, configurationsBefore, encodeFlvHeader, encodeOnMetaData, encodeTag, indexFlv } from '../src/index.js';

/** A recording with a resolution change: metadata, configs, 2 GOPs, a new video config, a 3rd GOP, a torn tail. */
function recording(): { bytes: Uint8Array; at: Record<string, number>; keyframes: number[] } {
  const parts: Uint8Array[] = [encodeFlvHeader({ hasAudio: true, hasVideo: true })];
  let pos = 13;
  const at: Record<string, number> = {};
  const keyframes: number[] = [];
  const add = (name: string, type: number, ts: number, payload: Uint8Array): void => {
    at[name] = pos;
    if (name.startsWith('key')) keyframes.push(pos);
    const tag = encodeTag(type, ts, payload);
    parts.push(tag);
    pos += tag.length;
  };
  add('meta', 18, 0, encodeOnMetaData({ width: 320, encoder: 'test' }));
  add('vconfig', 9, 1000, avcSequenceHeader);
  add('aconfig', 8, 1000, aacSequenceHeader);
  add('key1', 9, 1000, avcKeyframe(1));
  add('a1', 8, 1010, aacFrame(1));
  add('p1', 9, 1040, avcInterframe(2));
  add('key2', 9, 3000, avcKeyframe(3));
  add('vconfig2', 9, 5000, avcSequenceHeader);
  add('key3', 9, 5000, avcKeyframe(4));
  add('a2', 8, 5020, aacFrame(2));
  at.end = pos;
  parts.push(encodeTag(9, 5040, avcInterframe(5)).subarray(0, 7));
  return { bytes: concatBytes(...parts), at, keyframes };
}

/** Pushes `bytes` in pieces of `size` (1 = every byte on its own). */
function indexInPieces(bytes: Uint8Array, size: number): FlvFileIndexer {
  const indexer = new FlvFileIndexer();
  for (let i = 0; i < bytes.length; i += size) indexer.push(bytes.subarray(i, i + size));
  return indexer;
}

test('FlvFileIndexer: the same seek index whatever the chunking, torn tail left out, and it agrees with indexFlv', () => {
  const { bytes, at, keyframes } = recording();
  const whole = indexFlv(bytes);
  for (const size of [1, 2, 7, 11, 13, 64, bytes.length]) {
    const index = indexInPieces(bytes, size).result();
    assert.equal(index.validEnd, at.end, `chunks of ${size}`);
    assert.equal(index.validEnd, whole.validEnd);
    assert.equal(index.tags, 10);
    assert.deepEqual(index.keyframes, { times: [0, 2, 4], filepositions: keyframes }, `chunks of ${size}`);
    assert.deepEqual(index.keyframes, whole.keyframes);
    assert.equal(index.firstTimestamp, 1000);
    assert.equal(index.duration, 4.02);
    assert.equal(index.hasAudio && index.hasVideo, true);
    assert.deepEqual(index.metadata, { values: { width: 320, encoder: 'test' }, offset: at.meta, end: at.vconfig });
    assert.deepEqual(index.sequenceHeaders.video.map((s) => s.offset), [at.vconfig, at.vconfig2]);
    assert.deepEqual(index.sequenceHeaders.audio, [{ offset: at.aconfig, end: at.key1 }]);
    assert.equal(index.problem, undefined);
  }
});

test('configurationsBefore: the configurations in force at an offset, in file order', () => {
  const { bytes, at } = recording();
  const index = indexInPieces(bytes, 100).result();
  assert.deepEqual(configurationsBefore(index, at.key2!).map((s) => s.offset), [at.vconfig, at.aconfig]);
  // After the resolution change the new video configuration is the one to re-send.
  assert.deepEqual(configurationsBefore(index, at.key3!).map((s) => s.offset), [at.aconfig, at.vconfig2]);
  assert.deepEqual(configurationsBefore(index, at.vconfig!), []);
});

test('FlvTagScanner: a tag header with reserved bits stops the scan there, with the reason', () => {
  const { bytes, at } = recording();
  const broken = bytes.slice();
  broken[at.key2!] = 0xc9;
  const scanner = new FlvTagScanner();
  const tags = scanner.push(broken);
  assert.equal(tags.at(-1)!.offset, at.p1);
  assert.equal(scanner.validEnd, at.key2);
  assert.match(scanner.problem ?? '', new RegExp(`byte ${at.key2}.*reserved bits`));
  assert.deepEqual(scanner.push(new Uint8Array(100)), [], 'nothing after the stop');
});

test('FlvTagScanner: keeps only the first bytes of each payload; a header with DataOffset > 9 is skipped whole', () => {
  const head = encodeFlvHeader({ hasAudio: false, hasVideo: true });
  // DataOffset 12: three extra header bytes before PreviousTagSize0.
  const long = concatBytes(Uint8Array.from([...head.subarray(0, 8), 12, 0xaa, 0xbb, 0xcc, 0, 0, 0, 0]), encodeTag(9, 40, concatBytes(avcKeyframe(1), new Uint8Array(1000))));
  const scanner = new FlvTagScanner({ headBytes: 4 });
  const tags = scanner.push(long);
  assert.equal(scanner.header?.headerSize, 12);
  assert.equal(tags.length, 1);
  assert.deepEqual([tags[0]!.offset, tags[0]!.type, tags[0]!.timestamp, tags[0]!.dataSize], [16, 9, 40, 1011]);
  assert.deepEqual([...tags[0]!.head], [0x17, 0x01, 0, 0]);
  assert.equal(scanner.validEnd, long.length);
});

test('FlvFileIndexer: not FLV throws at once; too short for a header has no index, a bare header an empty one; an extended timestamp counts', () => {
  assert.throws(() => new FlvFileIndexer().push(Uint8Array.from([0x47, 0x40])), { code: 'ERR_FLV_BAD_SIGNATURE' });
  const short = new FlvFileIndexer();
  short.push(encodeFlvHeader({ hasAudio: true, hasVideo: false }).subarray(0, 8));
  assert.throws(() => short.result(), { code: 'ERR_FLV_TRUNCATED' });
  // A whole header cut inside PreviousTagSize0: an index of no tag, nothing to seek to.
  const bare = new FlvFileIndexer();
  bare.push(encodeFlvHeader({ hasAudio: true, hasVideo: false }).subarray(0, 10));
  assert.deepEqual([bare.result().tags, bare.result().keyframes.filepositions.length], [0, 0]);
  const late = new FlvFileIndexer();
  late.push(concatBytes(encodeFlvHeader({ hasAudio: false, hasVideo: true }), encodeTag(9, 0x01000000, avcKeyframe(1)), encodeTag(9, 0x01000000 + 2000, avcKeyframe(2))));
  const index = late.result();
  assert.equal(index.firstTimestamp, 0x01000000);
  assert.deepEqual(index.keyframes.times, [0, 2]);
  assert.equal(index.hasAudio, false);
});

test('FlvFileIndexer: unreadable media heads are neither keyframes nor configurations; configurations are bounded', () => {
  const parts = [encodeFlvHeader({ hasAudio: true, hasVideo: true })];
  // A 1-byte AVC tag (no AVCPacketType) and an empty audio tag: skipped, not thrown on.
  parts.push(encodeTag(9, 0, Uint8Array.from([0x17])), encodeTag(8, 0, Uint8Array.from([0xaf])));
  for (let i = 0; i < MAX_SEQUENCE_HEADERS + 5; i++) parts.push(encodeTag(8, i, aacSequenceHeader));
  const indexer = new FlvFileIndexer();
  indexer.push(concatBytes(...parts));
  const index = indexer.result();
  assert.deepEqual(index.keyframes.filepositions, []);
  assert.equal(index.sequenceHeaders.video.length, 0);
  assert.equal(index.sequenceHeaders.audio.length, MAX_SEQUENCE_HEADERS);
  assert.equal(index.metadata, undefined);
});
