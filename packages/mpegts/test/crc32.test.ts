import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32Mpeg2 } from '../src/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from((s.match(/[0-9a-f]{2}/gi) ?? []).map((b) => parseInt(b, 16)));

test('the CRC of the PAT every ffmpeg-made TS starts with (tsid 1, program 1 → PMT 0x1000) is the one it carries', () => {
  const pat = hex('00 b00d 0001 c1 00 00 0001 f000');
  assert.equal(crc32Mpeg2(pat).toString(16), '2ab104b2');
});

test('a section followed by its CRC sums to 0, which is how demuxers check it', () => {
  assert.equal(crc32Mpeg2(hex('00 b00d 0001 c1 00 00 0001 f000 2ab104b2')), 0);
  assert.equal(crc32Mpeg2(new Uint8Array(0)), 0xffffffff, 'the register starts at all ones, with no final inversion');
});

test('start and end select a range', () => {
  const b = hex('ff ff 00 b00d 0001 c1 00 00 0001 f000 ff');
  assert.equal(crc32Mpeg2(b, 2, b.length - 1).toString(16), '2ab104b2');
});
