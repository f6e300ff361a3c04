import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlvError, decodeFlvHeader, encodeFlvHeader } from '../src/index.js';

test('encodeFlvHeader writes the 9-byte header plus PreviousTagSize0', () => {
  assert.deepEqual(
    encodeFlvHeader({ hasAudio: true, hasVideo: true }),
    new Uint8Array([
      0x46, 0x4c, 0x56, // "FLV"
      0x01, // version 1
      0x05, // flags: audio (0x04) | video (0x01)
      0x00, 0x00, 0x00, 0x09, // DataOffset = 9
      0x00, 0x00, 0x00, 0x00, // PreviousTagSize0
    ]),
  );
  assert.equal(encodeFlvHeader({ hasAudio: true, hasVideo: false })[4], 0x04);
  assert.equal(encodeFlvHeader({ hasAudio: false, hasVideo: true })[4], 0x01);
  assert.equal(encodeFlvHeader({ hasAudio: false, hasVideo: false })[4], 0x00);
});

test('decodeFlvHeader round-trips every flag combination', () => {
  for (const hasAudio of [false, true]) {
    for (const hasVideo of [false, true]) {
      assert.deepEqual(decodeFlvHeader(encodeFlvHeader({ hasAudio, hasVideo })), { hasAudio, hasVideo, headerSize: 9 });
    }
  }
});

test('decodeFlvHeader rejects bad signatures, short input and a DataOffset below 9', () => {
  const code = (c: string) => (err: unknown) => err instanceof FlvError && err.code === c;
  assert.throws(() => decodeFlvHeader(new Uint8Array([0x46, 0x4c, 0x58, 1, 5, 0, 0, 0, 9])), code('ERR_FLV_BAD_SIGNATURE'));
  assert.throws(() => decodeFlvHeader(new Uint8Array([0x46, 0x4c, 0x56, 1])), code('ERR_FLV_TRUNCATED'));
  assert.throws(() => decodeFlvHeader(new Uint8Array([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 8])), code('ERR_FLV_BAD_HEADER'));
});
