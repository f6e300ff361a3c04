import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlvError, parseAudioSpecificConfig } from '../src/index.js';

test('0x12 0x10 is AAC-LC, 44100 Hz, stereo', () => {
  // 00010 (object type 2) 0100 (index 4 = 44100) 0010 (2 channels) 000 (GASpecificConfig)
  assert.deepEqual(parseAudioSpecificConfig(new Uint8Array([0x12, 0x10])), {
    objectType: 2,
    sampleRate: 44100,
    channels: 2,
    samplingFrequencyIndex: 4,
    channelConfiguration: 2,
  });
});

test('48 kHz mono, 5.1 and 7.1 channel configurations', () => {
  // 00010 0011 0001 -> LC, 48000, 1 channel
  assert.deepEqual(pick(new Uint8Array([0x11, 0x88])), [2, 48000, 1]);
  // 00010 0011 0110 -> LC, 48000, config 6 (5.1)
  assert.deepEqual(pick(new Uint8Array([0x11, 0xb0])), [2, 48000, 6]);
  // 00010 0011 0111 -> LC, 48000, config 7 (7.1 = 8 channels)
  assert.deepEqual(pick(new Uint8Array([0x11, 0xb8])), [2, 48000, 8]);
});

test('explicit HE-AAC (SBR) reports the extension sample rate', () => {
  // 00101 (SBR) 0110 (24000) 0010 (stereo) 0011 (extension index 3 = 48000) 00010 (LC core)
  assert.deepEqual(pick(new Uint8Array([0x2b, 0x11, 0x88, 0x00])), [5, 48000, 2]);
});

test('escape values: object type 31 + 6 bits, explicit 24-bit sample rate', () => {
  // 11111 000001 (object type 33) 1111 (explicit) 000000000101011000100010 (22050) 0001
  const bytes = new Uint8Array([0xf8, 0x3e, 0x00, 0xac, 0x44, 0x20]);
  assert.deepEqual(pick(bytes), [33, 22050, 1]);
});

test('truncated or reserved index throws', () => {
  assert.throws(
    () => parseAudioSpecificConfig(new Uint8Array([0x12])),
    (err: unknown) => err instanceof FlvError && err.code === 'ERR_FLV_TRUNCATED',
  );
  // 00010 1101 (index 13, reserved)
  assert.throws(
    () => parseAudioSpecificConfig(new Uint8Array([0x16, 0x80])),
    (err: unknown) => err instanceof FlvError && err.code === 'ERR_FLV_BAD_DECODER_CONFIG',
  );
});

function pick(bytes: Uint8Array): [number, number, number] {
  const c = parseAudioSpecificConfig(bytes);
  return [c.objectType, c.sampleRate, c.channels];
}
