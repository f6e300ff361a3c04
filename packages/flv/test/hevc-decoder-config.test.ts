import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlvError, parseHevcDecoderConfig, parseHevcSps } from '../src/index.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

/** hvcC of a 640x360 Main profile clip from libx265 (its SEI array left out). */
const main360 = hex(
  '01' + // configurationVersion
    '01' + // profile space 0 | tier 0 | general_profile_idc 1 (Main)
    '60000000' + // general_profile_compatibility_flags
    '900000000000' + // general_constraint_indicator_flags
    '3f' + // general_level_idc 63 (level 2.1)
    'f000' + // min_spatial_segmentation_idc
    'fc' + // parallelismType
    'fd' + // chromaFormat 1 (4:2:0)
    'f8' + // bitDepthLumaMinus8 0
    'f8' + // bitDepthChromaMinus8 0
    '0000' + // avgFrameRate
    '0f' + // constantFrameRate 0 | numTemporalLayers 1 | temporalIdNested 1 | lengthSizeMinusOne 3
    '03' + // numOfArrays
    '20' + '0001' + '0018' + // VPS array: 1 NAL of 24 bytes
    '40010c01ffff01600000030090000003000003003f959809' +
    '21' + '0001' + '002a' + // SPS array: 1 NAL of 42 bytes
    '42010101600000030090000003000003003fa00502016965959a4932bc04040000030004000003006420' +
    '22' + '0001' + '0007' + // PPS array: 1 NAL of 7 bytes
    '4401c172b46240',
);

test('640x360 Main profile hvcC', () => {
  const c = parseHevcDecoderConfig(main360);
  assert.deepEqual(
    {
      profile: c.profile,
      tier: c.tier,
      level: c.level,
      chromaFormat: c.chromaFormat,
      bitDepthLuma: c.bitDepthLuma,
      nalLengthSize: c.nalLengthSize,
      counts: [c.vps.length, c.sps.length, c.pps.length],
      width: c.width,
      height: c.height,
    },
    { profile: 1, tier: 0, level: 63, chromaFormat: 1, bitDepthLuma: 8, nalLengthSize: 4, counts: [1, 1, 1], width: 640, height: 360 },
  );
  assert.equal(c.sps[0]!.length, 42);
});

test('truncated hvcC throws', () => {
  const truncated = (err: unknown) => err instanceof FlvError && err.code === 'ERR_FLV_TRUNCATED';
  assert.throws(() => parseHevcDecoderConfig(main360.subarray(0, 20)), truncated);
  assert.throws(() => parseHevcDecoderConfig(main360.subarray(0, main360.length - 1)), truncated);
});

// Found by the fuzzer (test/fuzz, target hevc-sps): libx265's 64x64 SPS with its second byte repeated. The
// fields after the NAL header shift by 8 bits and pic_width_in_luma_samples reads 0; it used to yield a
// 0-pixel-wide picture. An empty picture now makes the SPS unreadable (ERR_FLV_BAD_SPS).
test('an SPS with an empty picture is refused (fuzz regression)', () => {
  const sps = hex('42420101016000000300900000030000030' + '01ea020810596' + '4a924caf01010000030001000003000a08');
  assert.throws(() => parseHevcSps(sps), (err: unknown) => err instanceof FlvError && err.code === 'ERR_FLV_BAD_SPS');
});
