import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesEqual, concatBytes, readUint24BE, readUint32BE, writeUint24BE, writeUint32BE } from '../src/bytes.js';

test('concatBytes: one part is returned as is, several are joined in order', () => {
  const one = Uint8Array.of(1, 2);
  assert.equal(concatBytes([one]), one);
  assert.deepEqual([...concatBytes([Uint8Array.of(1), Uint8Array.of(), Uint8Array.of(2, 3)])], [1, 2, 3]);
  assert.deepEqual([...concatBytes([])], []);
});

test('bytesEqual: length first, then every byte', () => {
  assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true);
  assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3)), false);
  assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false);
});

test('big-endian 24- and 32-bit fields round-trip, the 32-bit one unsigned', () => {
  const b = new Uint8Array(7);
  writeUint24BE(b, 0, 0xabcdef);
  writeUint32BE(b, 3, 0xfedcba98);
  assert.deepEqual([...b], [0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98]);
  assert.equal(readUint24BE(b, 0), 0xabcdef);
  assert.equal(readUint32BE(b, 3), 0xfedcba98);
});
