import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptationFlag, TS_PACKET_SIZE, wrap33, writeAdaptationOnlyPacket, writePcr, writeTsHeader } from '../src/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('packet header: sync byte, payload_unit_start, 13-bit PID, adaptation_field_control, continuity counter', () => {
  const out = new Uint8Array(4);
  writeTsHeader(out, 0, 0x1fff, true, 0b11, 17);
  assert.equal(hex(out), '47' + '5f' + 'ff' + '31', '0x47 | PUSI + PID high bits 0x1f | PID low 0xff | AF+payload, cc 17 mod 16 = 1');
  writeTsHeader(out, 0, 0x0100, false, 0b01, 15);
  assert.equal(hex(out), '47' + '01' + '00' + '1f');
});

test('PCR: 33-bit base, six reserved ones, a 9-bit extension of 0', () => {
  const out = new Uint8Array(6);
  writePcr(out, 0, 0x123456789);
  // 1 0010 0011 0100 0101 0110 0111 1000 1001 | 111111 | 0 0000 0000, packed into 48 bits
  assert.equal(hex(out), '91a2b3c4fe00');
  writePcr(out, 0, 0x200000000 + 90);
  assert.equal(hex(out), '0000002d7e00', 'the base wraps at 2^33: 90 = 0b1011010 → bits 6..1 in byte 3, bit 0 in byte 4');
});

test('an adaptation-field-only packet: no payload, the AF fills the packet, flags then PCR then stuffing', () => {
  const out = new Uint8Array(TS_PACKET_SIZE);
  writeAdaptationOnlyPacket(out, 0, 0x100, 5, AdaptationFlag.discontinuity, 90 * 1000);
  assert.equal(out.length, 188);
  assert.equal(hex(out.subarray(0, 12)), '47' + '0100' + '25' + 'b7' + '90' + '0000afc87e00', 'AF only (10), cc 5 | length 183 | discontinuity + PCR flag | PCR base 90000 (1 s)');
  assert.ok(out.subarray(12).every((b) => b === 0xff), 'stuffing');
  writeAdaptationOnlyPacket(out, 0, 0x0000, 15, AdaptationFlag.discontinuity);
  assert.equal(hex(out.subarray(0, 7)), '47' + '0000' + '2f' + 'b7' + '80' + 'ff', 'no PCR: the flags byte, then stuffing');
});

test('wrap33 keeps 90 kHz values on the 33-bit circle, negatives included', () => {
  assert.equal(wrap33(0x200000000 + 5), 5);
  assert.equal(wrap33(-1), 0x1ffffffff);
  assert.equal(wrap33(1234), 1234);
});
