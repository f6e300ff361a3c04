import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlvError, nalToRbsp, parseAvcDecoderConfig, parseAvcSps } from '../src/index.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

// Real records written by ffmpeg/libx264 into FLV sequence header tags (after the 5-byte tag header).

/** 1280x720 High profile level 3.1; the SPS has emulation-prevention bytes (00 00 03). */
const high720 = hex(
  '01' + // configurationVersion
    '64' + // AVCProfileIndication 100 (High)
    '00' + // profile_compatibility
    '1f' + // AVCLevelIndication 31
    'ff' + // reserved | lengthSizeMinusOne 3 -> 4-byte NAL lengths
    'e1' + // reserved | numOfSequenceParameterSets 1
    '001a' + // SPS length 26
    '6764001facd9405005bb011000000300100000030320f1831960' +
    '01' + // numOfPictureParameterSets 1
    '0006' + // PPS length 6
    '68ebe3cb22c0',
);

/** 640x360 Constrained Baseline level 3.0: coded as 640x368, cropped by 8 lines. */
const baseline360 = hex('0142c01effe100196742c01ed900a02ff97011000003000100000300320f162e4801000568cb83cb20');

/** 1920x1080 High level 4.0: coded as 1920x1088, cropped by 8 lines. */
const high1080 = hex('01640028ffe1001b67640028acd940780227e5c044000003000400000300c83c60c65801000668ebe3cb22c0');

test('1280x720 High profile record', () => {
  const c = parseAvcDecoderConfig(high720);
  assert.deepEqual(
    { profile: c.profile, compatibility: c.compatibility, level: c.level, nalLengthSize: c.nalLengthSize },
    { profile: 100, compatibility: 0, level: 31, nalLengthSize: 4 },
  );
  assert.equal(c.sps.length, 1);
  assert.equal(c.sps[0]!.length, 26);
  assert.deepEqual([...c.pps[0]!], [0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0]);
  assert.deepEqual([c.width, c.height], [1280, 720]);
});

test('640x360 Baseline record with frame cropping', () => {
  const c = parseAvcDecoderConfig(baseline360);
  assert.deepEqual([c.profile, c.level, c.width, c.height], [66, 30, 640, 360]);
});

test('1920x1080 High profile record with frame cropping', () => {
  const c = parseAvcDecoderConfig(high1080);
  assert.deepEqual([c.profile, c.level, c.width, c.height], [100, 40, 1920, 1080]);
});

test('parseAvcSps reports chroma format and bit depth of High profile', () => {
  const sps = parseAvcSps(parseAvcDecoderConfig(high720).sps[0]!);
  assert.deepEqual(sps, {
    profile: 100,
    compatibility: 0,
    level: 31,
    chromaFormat: 1,
    bitDepthLuma: 8,
    bitDepthChroma: 8,
    width: 1280,
    height: 720,
  });
});

test('nalToRbsp removes emulation-prevention bytes only after two zeros', () => {
  assert.deepEqual([...nalToRbsp(hex('000003010000030000'))], [0, 0, 1, 0, 0, 0, 0]);
  assert.deepEqual([...nalToRbsp(hex('00000300000300'))], [0, 0, 0, 0, 0]);
  assert.deepEqual([...nalToRbsp(hex('0003000003'))], [0, 3, 0, 0]);
  const clean = hex('6742c01e');
  assert.equal(nalToRbsp(clean), clean, 'no copy when nothing to remove');
});

test('truncated records throw, a garbled SPS only loses the size', () => {
  const truncated = (err: unknown) => err instanceof FlvError && err.code === 'ERR_FLV_TRUNCATED';
  assert.throws(() => parseAvcDecoderConfig(high720.subarray(0, 6)), truncated);
  assert.throws(() => parseAvcDecoderConfig(high720.subarray(0, 20)), truncated);
  assert.throws(() => parseAvcDecoderConfig(high720.subarray(0, high720.length - 1)), truncated);
  assert.throws(
    () => parseAvcDecoderConfig(hex('02640028ffe100')),
    (err: unknown) => err instanceof FlvError && err.code === 'ERR_FLV_BAD_DECODER_CONFIG',
  );
  // SPS cut to its first 6 bytes: the record is consistent but the SPS can't be read.
  const c = parseAvcDecoderConfig(hex('0164001fffe100066764001facd9010001' + '68'));
  assert.deepEqual([c.sps.length, c.width, c.height], [1, undefined, undefined]);
});

// Found by the fuzzer (test/fuzz, target avc-sps): ffmpeg's 64x48 High SPS with byte 5 changed (0xd9 -> 0x3f).
// The Exp-Golomb fields shift: 1 macroblock wide, 8 map units high, frame cropping on with a bottom offset of
// 268435456 chroma rows. It used to yield height -536871054 (and avcC width -16 for a similar one); a
// cropping window as large as the picture now makes the SPS unreadable, and the record parses without a size.
test('an SPS whose cropping window swallows the picture is refused (fuzz regression)', () => {
  const sps = hex('6764000aac3f447b0110000003001000000301e0f1225960');
  assert.throws(() => parseAvcSps(sps), (err: unknown) => err instanceof FlvError && err.code === 'ERR_FLV_BAD_SPS');
  const record = hex('0164000affe10018' + '6764000aac3f447b0110000003001000000301e0f1225960' + '01000468ef8fcb');
  const c = parseAvcDecoderConfig(record);
  assert.deepEqual([c.sps.length, c.pps.length, c.width, c.height], [1, 1, undefined, undefined]);
});
