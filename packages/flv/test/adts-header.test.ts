import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adtsHeader, parseAudioSpecificConfig } from '../src/index.js';

test('AAC-LC 44.1 kHz stereo, 371-byte frame: the fields where ISO/IEC 13818-7 puts them', () => {
  // AudioSpecificConfig 0x12 0x10: object type 2 (LC), frequency index 4 (44100), channel config 2.
  const asc = parseAudioSpecificConfig(Uint8Array.of(0x12, 0x10));
  const h = adtsHeader(asc, 371)!;
  // FFF1 | profile 1 (LC), index 4, private 0, channels 2 | length 378 = 0x17a | fullness 0x7ff | 1 block
  assert.deepEqual([...h], [0xff, 0xf1, 0x50, 0x80, 0x2f, 0x5f, 0xfc]);
  const length = ((h[3]! & 0x03) << 11) | (h[4]! << 3) | (h[5]! >> 5);
  assert.equal(length, 378);
});

test('HE-AAC is framed as its AAC-LC core at the core rate; mono 48 kHz', () => {
  // Object type 5 (SBR), index 3 (48000) core... here index 6 (24000), channels 1, extension index 3 (48000).
  const asc = parseAudioSpecificConfig(Uint8Array.of(0x2b, 0x09, 0x88, 0x00));
  assert.equal(asc.objectType, 5);
  const h = adtsHeader(asc, 100)!;
  assert.equal(h[2]! >> 6, 1, 'profile LC');
  assert.equal((h[2]! >> 2) & 0x0f, asc.samplingFrequencyIndex);
});

test('what ADTS cannot say: object types past 4, an explicit rate, an over-long frame', () => {
  const lc = parseAudioSpecificConfig(Uint8Array.of(0x12, 0x10));
  assert.equal(adtsHeader({ ...lc, objectType: 23 }, 10), undefined);
  assert.equal(adtsHeader({ ...lc, samplingFrequencyIndex: 15 }, 10), undefined);
  assert.equal(adtsHeader(lc, 0x1fff - 7 + 1), undefined);
  assert.ok(adtsHeader(lc, 0x1fff - 7));
});
