import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLV_TAG_HEADER_SIZE, FlvError, TagType, encodeTag } from '../src/index.js';

test('encodeTag writes header, payload and PreviousTagSize in one buffer', () => {
  const tag = encodeTag(TagType.audio, 0x000102, new Uint8Array([0xaf, 0x01, 0x21]));
  assert.deepEqual(
    tag,
    new Uint8Array([
      0x08, // TagType audio
      0x00, 0x00, 0x03, // DataSize = 3
      0x00, 0x01, 0x02, // Timestamp, lower 24 bits
      0x00, // TimestampExtended (bits 24..31)
      0x00, 0x00, 0x00, // StreamID = 0
      0xaf, 0x01, 0x21, // payload
      0x00, 0x00, 0x00, 0x0e, // PreviousTagSize = 11 + 3
    ]),
  );
  assert.equal(FLV_TAG_HEADER_SIZE, 11);
});

test('encodeTag puts the upper timestamp bits in the extended byte', () => {
  const tag = encodeTag(TagType.video, 0x12345678, new Uint8Array(0));
  // 34 56 78 = lower 24 bits, 12 = extended byte.
  assert.deepEqual([...tag.subarray(4, 8)], [0x34, 0x56, 0x78, 0x12]);
  // Empty payload: DataSize 0, PreviousTagSize 11.
  assert.deepEqual([...tag.subarray(1, 4)], [0, 0, 0]);
  assert.deepEqual([...tag.subarray(11)], [0, 0, 0, 11]);
});

test('encodeTag takes timestamps modulo 2^32', () => {
  const ts = (t: number) => [...encodeTag(TagType.script, t, new Uint8Array(1)).subarray(4, 8)];
  assert.deepEqual(ts(2 ** 32 + 5), [0, 0, 5, 0]);
  assert.deepEqual(ts(0xffffffff), [0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual(ts(-1), [0xff, 0xff, 0xff, 0xff]);
});

test('encodeTag copies the payload and writes a big PreviousTagSize correctly', () => {
  const payload = new Uint8Array(0x012345).fill(7);
  const tag = encodeTag(TagType.video, 0, payload);
  assert.equal(tag.length, 11 + 0x012345 + 4);
  assert.deepEqual([...tag.subarray(1, 4)], [0x01, 0x23, 0x45]);
  assert.deepEqual([...tag.subarray(tag.length - 4)], [0x00, 0x01, 0x23, 0x50]); // 0x12345 + 11
  payload[0] = 9;
  assert.equal(tag[11], 7, 'the tag owns its bytes');
});

test('encodeTag refuses payloads over the 24-bit DataSize', () => {
  assert.throws(
    () => encodeTag(TagType.video, 0, new Uint8Array(0x1000000)),
    (err: unknown) => err instanceof FlvError && err.code === 'ERR_FLV_TAG_TOO_LARGE',
  );
});
