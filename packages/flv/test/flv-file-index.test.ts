import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader, concatBytes } from '@flvcast/test-fixtures';
import { decodeScriptData, encodeFlvHeader, encodeOnMetaData, encodeTag, indexFlv, inspectVideo, withKeyframeIndex } from '../src/index.js';

/** A recording as a crash leaves it: old metadata, 2 GOPs starting at 5000 ms, and half a tag at the end. */
function recording(): { bytes: Uint8Array; keyframeTags: number[] } {
  const parts: Uint8Array[] = [encodeFlvHeader({ hasAudio: true, hasVideo: true })];
  let at = 13;
  const keyframeTags: number[] = [];
  const add = (type: number, ts: number, payload: Uint8Array, keyframe = false): void => {
    if (keyframe) keyframeTags.push(at);
    const tag = encodeTag(type, ts, payload);
    parts.push(tag);
    at += tag.length;
  };
  add(18, 0, encodeOnMetaData({ width: 320, duration: 0, encoder: 'test' }));
  add(9, 5000, avcSequenceHeader);
  add(8, 5000, aacSequenceHeader);
  add(9, 5000, avcKeyframe(1), true);
  add(8, 5010, aacFrame(1));
  add(9, 5040, avcInterframe(2));
  add(9, 7000, avcKeyframe(3), true);
  add(8, 7010, aacFrame(2));
  add(9, 7040, avcInterframe(4));
  const torn = encodeTag(9, 7080, avcInterframe(5));
  parts.push(torn.subarray(0, 9));
  return { bytes: concatBytes(...parts), keyframeTags };
}

test('indexFlv: keyframe times from the first media tag and the offsets of their tags; a torn tail is left out', () => {
  const { bytes, keyframeTags } = recording();
  const index = indexFlv(bytes);
  assert.equal(index.tags, 9);
  assert.equal(index.validEnd, bytes.length - 9);
  assert.deepEqual(index.keyframes, { times: [0, 2], filepositions: keyframeTags });
  assert.equal(index.duration, 2.04);
  assert.equal(index.hasAudio && index.hasVideo, true);
  assert.deepEqual(index.metadata?.values, { width: 320, duration: 0, encoder: 'test' });
});

test('withKeyframeIndex: a seekable file: onMetaData with duration, filesize and positions that are keyframe tags', () => {
  const { bytes } = recording();
  const out = withKeyframeIndex(bytes);
  const again = indexFlv(out);
  assert.equal(again.validEnd, out.length, 'no torn tail left');
  assert.equal(again.tags, 9, 'the old onMetaData replaced, the torn tag dropped');
  const meta = decodeScriptData(out.subarray(13 + 11, again.metadata!.end - 4)).value as Record<string, unknown>;
  assert.equal(meta.duration, 2.04);
  assert.equal(meta.filesize, out.length);
  assert.equal(meta.width, 320, 'the file\'s own fields are kept');
  assert.equal(meta.encoder, 'test');
  const keyframes = meta.keyframes as { times: number[]; filepositions: number[] };
  assert.deepEqual(keyframes.times, [0, 2]);
  assert.deepEqual(keyframes.filepositions, again.keyframes.filepositions);
  for (const pos of keyframes.filepositions) {
    assert.equal(out[pos], 9, `a video tag at ${pos}`);
    const size = (out[pos + 1]! << 16) | (out[pos + 2]! << 8) | out[pos + 3]!;
    assert.equal(inspectVideo(out.subarray(pos + 11, pos + 11 + size)).isKeyframe, true);
  }
  // Indexing an indexed file changes nothing.
  assert.deepEqual(withKeyframeIndex(out), out);
});

test('a file with no metadata, no video, or nothing but a header', () => {
  const audioOnly = concatBytes(encodeFlvHeader({ hasAudio: true, hasVideo: false }), encodeTag(8, 0, aacSequenceHeader), encodeTag(8, 23, aacFrame()));
  const index = indexFlv(audioOnly);
  assert.deepEqual([index.hasAudio, index.hasVideo, index.keyframes.times.length, index.metadata], [true, false, 0, undefined]);
  const out = withKeyframeIndex(audioOnly);
  assert.equal(indexFlv(out).tags, 3);
  // The header and half of PreviousTagSize0 cut off: nothing whole after the 9-byte header.
  const empty = encodeFlvHeader({ hasAudio: true, hasVideo: true }).subarray(0, 11);
  assert.deepEqual([indexFlv(empty).tags, indexFlv(empty).validEnd], [0, 11]);
  assert.equal(indexFlv(withKeyframeIndex(empty)).tags, 1, 'just the new onMetaData');
  assert.throws(() => indexFlv(Uint8Array.from([1, 2, 3])), /signature/);
});
