import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Amf0EcmaArray, Amf0Error, decodeAmf0, encodeAmf0, type Amf0Object, type Amf0Value } from '../src/index.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

test('number encodes as marker 0x00 + big-endian IEEE 754 double', () => {
  // 0x00 | 3FF0000000000000 = 1.0
  assert.deepEqual(encodeAmf0(1), bytes(0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0));
  assert.deepEqual(decodeAmf0(bytes(0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0)), [1]);
});

test('connect command prefix decodes: string, number, object', () => {
  const v = bytes(
    0x02, 0x00, 0x07, ...'connect'.split('').map((c) => c.charCodeAt(0)), // string "connect"
    0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, // transaction id 1
    0x03, // object
    0x00, 0x03, 0x61, 0x70, 0x70, // key "app"
    0x02, 0x00, 0x04, 0x6c, 0x69, 0x76, 0x65, // "live"
    0x00, 0x00, 0x09, // object end
  );
  assert.deepEqual(decodeAmf0(v), ['connect', 1, { app: 'live' }]);
});

test('boolean, null, undefined, strict array, date', () => {
  assert.deepEqual(encodeAmf0(true, false), bytes(0x01, 0x01, 0x01, 0x00));
  assert.deepEqual(encodeAmf0(null, undefined), bytes(0x05, 0x06));
  // strict array: 0x0A, u32 count 2, number 0, null
  const arr = bytes(0x0a, 0, 0, 0, 2, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x05);
  assert.deepEqual(encodeAmf0([0, null]), arr);
  assert.deepEqual(decodeAmf0(arr), [[0, null]]);
  const d = new Date(1_700_000_000_000);
  assert.deepEqual(decodeAmf0(encodeAmf0(d)), [d]);
});

test('ECMA array encodes with 0x08 and its count, decodes to a plain object', () => {
  const e = encodeAmf0(new Amf0EcmaArray({ width: 640 }));
  assert.deepEqual(
    e,
    bytes(0x08, 0, 0, 0, 1, 0x00, 0x05, ...'width'.split('').map((c) => c.charCodeAt(0)), 0x00, 0x40, 0x84, 0, 0, 0, 0, 0, 0, 0, 0, 0x09),
  );
  assert.deepEqual(decodeAmf0(e), [{ width: 640 }]);
});

test('ECMA array whose count lies and whose end marker is missing still decodes', () => {
  // count says 9, one property, then input ends right after the empty key
  const v = bytes(0x08, 0, 0, 0, 9, 0x00, 0x01, 0x61, 0x01, 0x01, 0x00, 0x00);
  assert.deepEqual(decodeAmf0(v), [{ a: true }]);
});

test('long strings switch to 0x0C above 65535 bytes', () => {
  const s = 'x'.repeat(70_000);
  const e = encodeAmf0(s);
  assert.equal(e[0], 0x0c);
  assert.deepEqual(decodeAmf0(e), [s]);
});

test('round trip of a nested metadata-like value', () => {
  const value = { a: 1.5, b: 'ünïcode', c: [1, 'two', { three: 3 }], d: { e: { f: false } }, g: null };
  assert.deepEqual(decodeAmf0(encodeAmf0('onMetaData', value)), ['onMetaData', value]);
});

test('references (0x07) resolve to earlier complex values', () => {
  // object {}, then reference to index 0
  const v = bytes(0x03, 0x00, 0x00, 0x09, 0x07, 0x00, 0x00);
  const [a, b] = decodeAmf0(v);
  assert.equal(a, b);
  assert.throws(() => decodeAmf0(bytes(0x07, 0x00, 0x05)), (e: unknown) => e instanceof Amf0Error && e.code === 'ERR_AMF0_BAD_REFERENCE');
});

test('typed errors for truncated input, unknown markers, absurd counts and deep nesting', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof Amf0Error);
      return e.code;
    }
    assert.fail('no error');
  };
  assert.equal(code(() => decodeAmf0(bytes(0x00, 0x3f))), 'ERR_AMF0_TRUNCATED');
  assert.equal(code(() => decodeAmf0(bytes(0x02, 0x00, 0x05, 0x61))), 'ERR_AMF0_TRUNCATED');
  assert.equal(code(() => decodeAmf0(bytes(0x03, 0x00, 0x01, 0x61))), 'ERR_AMF0_TRUNCATED');
  assert.equal(code(() => decodeAmf0(bytes(0x11))), 'ERR_AMF0_UNSUPPORTED_TYPE');
  assert.equal(code(() => decodeAmf0(bytes(0x0a, 0xff, 0xff, 0xff, 0xff))), 'ERR_AMF0_TRUNCATED');
  // 100 nested strict arrays of one element each: 0x0A 00 00 00 01
  const deep = new Uint8Array(500).fill(0x0a).map((_, i) => (i % 5 === 0 ? 0x0a : i % 5 === 4 ? 1 : 0));
  assert.equal(code(() => decodeAmf0(deep)), 'ERR_AMF0_TOO_DEEP');
});

test('random bytes never escape as anything but Amf0Error', () => {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff);
  for (let i = 0; i < 2000; i++) {
    const input = Uint8Array.from({ length: 1 + (i % 64) }, rnd);
    try {
      decodeAmf0(input);
    } catch (e) {
      assert.ok(e instanceof Amf0Error, String(e));
    }
  }
});

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
const failsWith = (code: string) => (e: unknown) => e instanceof Amf0Error && e.code === code;

// Found by the fuzzer (test/fuzz, target amf0-reader): a strict array holding an object and a reference to
// reference 0, which is the array itself. It decoded to an array that contains itself; encoding it again
// (the server echoes connect's fourCcList, the FLV muxer re-encodes onMetaData) recursed until "nesting
// deeper than 64", and anything walking it (a logger, JSON) looped.
test('a reference to a value still being read (a cycle) is refused (fuzz regression)', () => {
  const cycle = hex('0a 00000002  03 0001 61 00 3ff0000000000000 0000 09  07 0000');
  assert.throws(() => decodeAmf0(cycle), failsWith('ERR_AMF0_BAD_REFERENCE'));
  // An object referring to itself from inside, and an ECMA array doing the same.
  assert.throws(() => decodeAmf0(hex('03 0001 61 07 0000 0000 09')), failsWith('ERR_AMF0_BAD_REFERENCE'));
  assert.throws(() => decodeAmf0(hex('08 00000001 0001 61 07 0000 0000 09')), failsWith('ERR_AMF0_BAD_REFERENCE'));
});

/** A strict array of `levels + 1` values: {}, then arrays each holding two references to the value before. */
function doubling(levels: number): Uint8Array {
  const parts = ['0a', (levels + 1).toString(16).padStart(8, '0'), '03 0000 09'];
  // Reference 0 is the outer array, 1 the empty object, i + 1 the i-th doubling array.
  for (let i = 1; i <= levels; i++) parts.push('0a 00000002', '07' + i.toString(16).padStart(4, '0'), '07' + i.toString(16).padStart(4, '0'));
  return hex(parts.join(''));
}

// Found while fixing the cycle above: references can also make a DAG whose size doubles with every 11 bytes.
// 60 levels (about 660 bytes) decoded at once to values standing for 2^60 elements; re-encoding them (the
// connect reply, onMetaData for viewers) never finished. References may now add at most 64 KiB.
test('references that expand the values beyond 64 KiB are refused', () => {
  assert.throws(() => decodeAmf0(doubling(60)), failsWith('ERR_AMF0_TOO_LARGE'));
  // Eight levels stay within the bound: shared values are still returned as the same object.
  const [outer] = decodeAmf0(doubling(8)) as [Amf0Value[][]];
  assert.equal(outer.length, 9);
  assert.equal(outer[8]![0], outer[7]);
  assert.ok(encodeAmf0(outer).length < 64 * 1024 + 1000);
});

// Found by the fuzzer (target amf0-reader, with a "__proto__" seed): an object key "__proto__" was assigned,
// which replaced the decoded object's prototype with the value (so `{...meta}` and Object.entries lost it,
// and inherited lookups saw the peer's properties). It is now an own property like any other key.
test('a "__proto__" key decodes to an own property, not a prototype (fuzz regression)', () => {
  const [obj] = decodeAmf0(hex('03 0009 5f5f70726f746f5f5f 03 0001 78 01 01 0000 09 0000 09')) as [Amf0Object];
  assert.equal(Object.getPrototypeOf(obj), Object.prototype);
  assert.ok(Object.hasOwn(obj, '__proto__'));
  assert.deepEqual(Object.getOwnPropertyDescriptor(obj, '__proto__')?.value, { x: true });
  assert.equal((obj as { x?: unknown }).x, undefined);
  assert.deepEqual(encodeAmf0(obj), hex('03 0009 5f5f70726f746f5f5f 03 0001 78 01 01 0000 09 0000 09'));
});
