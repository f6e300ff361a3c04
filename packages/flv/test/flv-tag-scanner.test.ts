import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader, concatBytes } from '@flvcast/test-fixtures';
import { FlvFileIndexer, FlvTagScanner, decodeScriptData, encodeFlvHeader, encodeOnMetaData, encodeTag, indexFlv, paddedOnMetaDataTag, seekableLayout } from '../src/index.js';

function file(): Uint8Array {
  return concatBytes(
    encodeFlvHeader({ hasAudio: true, hasVideo: true }),
    encodeTag(18, 0, encodeOnMetaData({ encoder: 'test', big: 'x'.repeat(3000) })),
    encodeTag(9, 100, avcSequenceHeader),
    encodeTag(8, 100, aacSequenceHeader),
    encodeTag(9, 100, avcKeyframe(1)),
    encodeTag(8, 110, aacFrame(1)),
    encodeTag(9, 140, avcInterframe(2)),
    encodeTag(9, 2100, avcKeyframe(3)),
  );
}

test('FlvTagScanner: the same tags whether the file comes whole, byte by byte or in odd chunks; the torn tail yields nothing', () => {
  const bytes = file();
  const whole = new FlvTagScanner({ headBytes: 8 }).push(bytes);
  assert.equal(whole.length, 7);
  assert.deepEqual(whole.map((t) => t.type), [18, 9, 8, 9, 8, 9, 9]);
  assert.equal(whole[0]!.script?.length, whole[0]!.dataSize, 'a script tag is kept whole');
  assert.equal(whole[3]!.head.length, 8, 'a media tag only its head');
  assert.equal(whole.at(-1)!.end, bytes.length);
  for (const size of [1, 7, 4096]) {
    const scanner = new FlvTagScanner({ headBytes: 8 });
    const tags = [];
    for (let i = 0; i < bytes.length; i += size) tags.push(...scanner.push(bytes.subarray(i, i + size)));
    assert.deepEqual(tags, whole, `chunks of ${size}`);
  }
  const torn = new FlvTagScanner();
  assert.equal(torn.push(bytes.subarray(0, bytes.length - 3)).length, 6);
  assert.equal(torn.validEnd, whole.at(-2)!.end);
  const small = new FlvTagScanner({ maxScriptBytes: 100 }).push(bytes);
  assert.equal(small[0]!.script, undefined, 'a script tag over maxScriptBytes is skipped like media');
  assert.throws(() => new FlvTagScanner().push(Uint8Array.from([0x46, 0x4c, 0x57])), /signature/);
});

test('FlvFileIndexer: codec ids, size from the AVC configuration, picture count; seekableLayout adds them when the metadata has none', () => {
  const bytes = file();
  const indexer = new FlvFileIndexer();
  for (let i = 0; i < bytes.length; i += 100) indexer.push(bytes.subarray(i, i + 100));
  const index = indexer.result();
  assert.deepEqual(index, indexFlv(bytes));
  assert.equal(index.videoCodecId, 7);
  assert.equal(index.audioCodecId, 10);
  assert.equal(index.videoFrames, 3);
  const layout = seekableLayout(index);
  assert.equal(layout.head.length + layout.copy.reduce((n, r) => n + r.end - r.start, 0), layout.size);
  const meta = decodeScriptData(layout.head.subarray(13 + 11, layout.head.length - 4)).value as Record<string, unknown>;
  assert.equal(meta.videocodecid, 7);
  assert.equal(meta.audiocodecid, 10);
  assert.equal(meta.encoder, 'test', "the file's own fields are kept");
  assert.equal(meta.framerate, 1);
  assert.throws(() => new FlvFileIndexer().result(), /header/);
});

test('paddedOnMetaDataTag: exactly the size asked for, readable AMF0; undefined when the values do not fit', () => {
  const values = { duration: 12.5, keyframes: { times: [0, 2], filepositions: [100, 2000] } };
  const plain = encodeTag(18, 0, encodeOnMetaData(values)).length;
  for (const size of [plain, plain + 11, plain + 12, plain + 15, plain + 16, plain + 23, plain + 1000, plain + 65_550, plain + 300_001]) {
    const tag = paddedOnMetaDataTag(values, size);
    assert.equal(tag?.length, size, `size ${size}`);
    const meta = decodeScriptData(tag.subarray(11, size - 4)).value as Record<string, unknown>;
    assert.equal(meta.duration, 12.5);
    assert.deepEqual(meta.keyframes, values.keyframes);
  }
  assert.equal(paddedOnMetaDataTag(values, plain - 1), undefined, 'too small');
  // A rewrite (seekableLayout) drops the padding: the new index has its own room.
  const file = concatBytes(encodeFlvHeader({ hasAudio: false, hasVideo: true }), paddedOnMetaDataTag({ encoder: 'x' }, 5000)!, encodeTag(9, 0, avcKeyframe(1)));
  const layout = seekableLayout(indexFlv(file));
  const meta = decodeScriptData(layout.head.subarray(24, layout.head.length - 4)).value as Record<string, unknown>;
  assert.deepEqual(Object.keys(meta).filter((k) => k.startsWith('_pad')), []);
  const padded = decodeScriptData(paddedOnMetaDataTag({}, 5000)!.subarray(11, 4996)).value as Record<string, unknown>;
  assert.deepEqual(Object.keys(padded).map((k) => [k.startsWith('_pad'), Array.isArray(padded[k])]), [[true, true]], 'one strict array of zeros');
  assert.equal(meta.encoder, 'x');
  assert.ok(layout.size < 1000);
  assert.equal(paddedOnMetaDataTag(values, plain + 5), undefined, 'a gap no entry fits');
  assert.equal(paddedOnMetaDataTag(values, plain + 10), undefined, 'a gap no entry fits');
});

test('FlvFileIndexer: tags it cannot read are counted but tell nothing (bad AMF0, a 2-byte AVC tag, a cut configuration, an empty tag)', () => {
  const bytes = concatBytes(
    encodeFlvHeader({ hasAudio: false, hasVideo: true }),
    encodeTag(18, 0, Uint8Array.from([2, 0, 10, 0x6f])),
    encodeTag(9, 0, avcSequenceHeader.subarray(0, 9)),
    encodeTag(9, 0, Uint8Array.from([0x17, 0x01])),
    encodeTag(9, 0, new Uint8Array(0)),
    encodeTag(9, 40, avcKeyframe(1)),
  );
  const index = indexFlv(bytes);
  assert.equal(index.tags, 5);
  assert.equal(index.metadata, undefined);
  assert.deepEqual([index.width, index.height, index.videoFrames, index.keyframes.filepositions.length], [undefined, undefined, 1, 1]);
});
