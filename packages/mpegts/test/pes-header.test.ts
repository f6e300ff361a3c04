import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PesStreamId, pesHeaderSize, writePesHeader, writeTimestamp } from '../src/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('a video PES header with PTS and DTS, unbounded length', () => {
  const out = new Uint8Array(19);
  const size = writePesHeader(out, 0, PesStreamId.video, 0, 3600 + 3600, 3600);
  assert.equal(size, 19);
  assert.equal(
    hex(out),
    '000001' + 'e0' + '0000' + // start code, video stream 0, PES_packet_length 0 (unbounded: video only)
      '84' + // '10', data_alignment_indicator
      'c0' + '0a' + // PTS and DTS, 10 bytes of header data
      '3100013841' + // '0011' PTS 7200 with its marker bits
      '1100011c21', // '0001' DTS 3600
  );
});

test('an audio PES header: PTS only, the length counted from after the length field', () => {
  const out = new Uint8Array(14);
  assert.equal(writePesHeader(out, 0, PesStreamId.audio, 100, 3600, 3600), 14, 'DTS equal to PTS is left out');
  assert.equal(hex(out), '000001' + 'c0' + '006c' + '84' + '80' + '05' + '2100011c21', 'length: 3 flag/length bytes + 5 of PTS + 100 = 108 = 0x6c; PTS only, prefix 0010');
  assert.equal(pesHeaderSize(false), 14);
});

test('a payload too long for 16 bits gets the unbounded length', () => {
  const out = new Uint8Array(14);
  writePesHeader(out, 0, PesStreamId.audio, 70_000, 0);
  assert.equal(hex(out.subarray(4, 6)), '0000');
});

test('timestamps are 33 bits: the top 3 bits, then 15 and 15, each with a marker; larger values wrap', () => {
  const out = new Uint8Array(5);
  writeTimestamp(out, 0, 0b0010, 0x1ffffffff);
  assert.equal(hex(out), '2fffffffff');
  writeTimestamp(out, 0, 0b0010, 0x200000000 + 3600);
  assert.equal(hex(out), '2100011c21');
});
