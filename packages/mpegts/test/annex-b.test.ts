import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MpegTsError, annexBAccessUnit, splitLengthPrefixed } from '../src/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (s: string): Uint8Array => Uint8Array.from((s.match(/[0-9a-f]{2}/gi) ?? []).map((b) => parseInt(b, 16)));
const joined = (parts: Uint8Array[]): string => parts.map(hex).join('');

const sps = bytes('6742c01e');
const pps = bytes('68cb83cb');

test('length-prefixed NAL units: 4- and 2-byte lengths, empty units skipped, short padding ignored', () => {
  assert.deepEqual(splitLengthPrefixed(bytes('00000002 6588 00000000 00000001 06'), 4).map(hex), ['6588', '06']);
  assert.deepEqual(splitLengthPrefixed(bytes('0001 41 0002 4101'), 2).map(hex), ['41', '4101']);
  assert.deepEqual(splitLengthPrefixed(bytes('00000001 65 aa'), 4).map(hex), ['65'], 'a byte after the last unit: padding');
});

test('a NAL length past the end, or a prefix size not 1–4, is a typed error', () => {
  const typed = (e: unknown) => e instanceof MpegTsError && e.code === 'ERR_MPEGTS_BAD_NAL_UNITS';
  assert.throws(() => splitLengthPrefixed(bytes('00000009 6588'), 4), typed);
  assert.throws(() => splitLengthPrefixed(bytes('6588'), 0), typed);
});

test('H.264 IDR: AUD, then SPS and PPS from the configuration, then the slice; the publisher\'s AUD dropped', () => {
  const au = annexBAccessUnit('avc', [bytes('0910'), bytes('06aa'), bytes('6588')], [sps, pps], false);
  assert.equal(
    joined(au.parts),
    '00000001' + '09f0' + // our AUD: primary_pic_type 7, stop bit
      '00000001' + '6742c01e' + '00000001' + '68cb83cb' + // parameter sets: an IDR slice (type 5) is in the unit
      '00000001' + '06aa' + '00000001' + '6588', // SEI, slice; their AUD (type 9) is gone
  );
  assert.equal(au.length, 6 + 16 + 12);
  assert.equal(au.randomAccess, true);
});

test('H.264 inter frame: AUD and the slice only; a unit with its own SPS gets no second copy', () => {
  const inter = annexBAccessUnit('avc', [bytes('4188')], [sps, pps], false);
  assert.equal(joined(inter.parts), '0000000109f0' + '000000014188');
  assert.equal(inter.randomAccess, false);
  const own = annexBAccessUnit('avc', [bytes('6742'), bytes('68ce'), bytes('6588')], [sps, pps], true);
  assert.equal(joined(own.parts), '0000000109f0' + '000000016742' + '0000000168ce' + '000000016588');
});

test('HEVC: AUD 46 01 50, VPS/SPS/PPS before an IRAP (CRA type 21 here), publisher AUD (type 35) dropped', () => {
  const vps = bytes('40010c01');
  const hsps = bytes('42010101');
  const hpps = bytes('4401c172');
  const au = annexBAccessUnit('hevc', [bytes('460150'), bytes('2a01af')], [vps, hsps, hpps], false);
  assert.equal(
    joined(au.parts),
    '00000001' + '460150' + // AUD: type 35, temporal id 1, pic_type 2 + stop bit
      '0000000140010c01' + '0000000142010101' + '000000014401c172' +
      '00000001' + '2a01af', // 0x2a >> 1 = 21: CRA
  );
  const trail = annexBAccessUnit('hevc', [bytes('0201d0')], [vps, hsps, hpps], false);
  assert.equal(joined(trail.parts), '00000001460150' + '000000010201d0', 'a trailing picture (type 1): no parameter sets');
});

test('a keyframe the publisher flagged but whose NAL types say otherwise (open GOP) still gets the parameter sets', () => {
  const au = annexBAccessUnit('avc', [bytes('4188')], [sps, pps], true);
  assert.equal(au.randomAccess, true);
  assert.equal(au.parts.length, 8);
});
