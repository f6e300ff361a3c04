import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opusControlHeader } from '../src/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('Opus control header: prefix 0x3FF and no flags (7fe0), then au_size in 0xFF runs and a final byte', () => {
  assert.equal(hex(opusControlHeader(100)), '7fe0' + '64');
  assert.equal(hex(opusControlHeader(255)), '7fe0' + 'ff' + '00', 'a size of exactly 255 ends with a 0');
  assert.equal(hex(opusControlHeader(600)), '7fe0' + 'ffff' + '5a', '255 + 255 + 90');
});
