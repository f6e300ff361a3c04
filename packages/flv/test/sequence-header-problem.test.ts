import { test } from 'node:test';
import assert from 'node:assert/strict';
import { avcC, hvcC } from '@flvcast/test-fixtures';
import { sequenceHeaderProblem } from '../src/index.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const fourcc = (s: string) => [...s].map((c) => c.charCodeAt(0));

test('good sequence headers and anything that is not one: no problem', () => {
  for (const [type, payload] of [
    [9, cat([0x17, 0x00, 0, 0, 0], avcC)], // legacy AVC sequence header
    [9, cat([0x1c, 0x00, 0, 0, 0], hvcC)], // legacy HEVC (codec id 12)
    [9, cat([0x90], fourcc('hvc1'), hvcC)], // Enhanced RTMP SequenceStart, hvc1
    [9, cat([0x90], fourcc('avc1'), avcC)], // Enhanced RTMP SequenceStart, avc1
    [9, cat([0x90], fourcc('av01'), [0x81])], // AV1: not checked here
    [9, hex('1701000000 0000000165')], // AVC keyframe: not a sequence header
    [9, hex('27')], // too short to tell: left to inspectVideo
    [8, hex('af00 1210')], // AAC-LC 44.1 kHz stereo
    [8, hex('af01 2100')], // an AAC frame
    [8, hex('2f ffe3')], // MP3
    [8, cat([0x90], fourcc('mp4a'), [0x12, 0x10])], // Enhanced RTMP SequenceStart, mp4a
  ] as const) {
    assert.equal(sequenceHeaderProblem(type, payload), undefined, Buffer.from(payload).toString('hex'));
  }
});

test('truncated or malformed AVC/HEVC/AAC sequence headers: a message saying what is wrong', () => {
  const cases: Array<[8 | 9, Uint8Array, RegExp]> = [
    [9, hex('170000'), /avc sequence header shorter than its 5-byte header/],
    [9, hex('1c000000'), /hevc sequence header shorter than its 5-byte header/],
    [9, hex('1700000000'), /AVCDecoderConfigurationRecord needs 7 bytes, got 0/],
    [9, cat([0x17, 0x00, 0, 0, 0], avcC.subarray(0, 12)), /AVCDecoderConfigurationRecord truncated/],
    [9, cat([0x17, 0x00, 0, 0, 0], [0x02], avcC.subarray(1)), /unsupported AVCDecoderConfigurationRecord version 2/],
    [9, hex('1700000000 0142c01effe0 00'), /avc decoder configuration without SPS or PPS/], // 0 SPS, 0 PPS
    [9, cat([0x1c, 0x00, 0, 0, 0], hvcC.subarray(0, 30)), /HEVCDecoderConfigurationRecord truncated/],
    [9, cat([0x90], fourcc('hvc1'), [1, 1, 0x60, 0, 0, 0]), /HEVCDecoderConfigurationRecord needs 23 bytes, got 6/],
    [8, hex('af00'), /AudioSpecificConfig needs at least 2 bytes, got 0/],
    [8, hex('af0012'), /AudioSpecificConfig needs at least 2 bytes, got 1/],
    [8, cat([0x90], fourcc('mp4a'), [0x12]), /AudioSpecificConfig needs at least 2 bytes, got 1/],
  ];
  for (const [type, payload, message] of cases) {
    const problem = sequenceHeaderProblem(type, payload);
    assert.ok(problem !== undefined && message.test(problem), `${Buffer.from(payload).toString('hex')}: ${problem}`);
  }
});
