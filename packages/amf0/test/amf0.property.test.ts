/** Properties of the AMF0 codec (fast-check): whatever values go in come back out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Amf0EcmaArray, Amf0Reader, decodeAmf0, encodeAmf0, type Amf0Value } from '../src/index.js';

/** Property names, "__proto__" among them (an own property both ways). */
const key = fc.oneof({ weight: 1, arbitrary: fc.constant('__proto__') }, { weight: 9, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) });

/** Any AMF0 value the writer takes: no lone surrogates in strings (UTF-8 cannot carry them), valid dates. */
const { value: amf0Value } = fc.letrec<{ value: Amf0Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.double(),
    fc.boolean(),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }).map((e) => new Amf0EcmaArray(e)),
  ),
}));

/** What the reader gives back for a value: ECMA arrays come back as plain objects. */
function decoded(v: Amf0Value): Amf0Value {
  if (v instanceof Amf0EcmaArray) return decoded(v.entries);
  if (Array.isArray(v)) return v.map(decoded);
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, Amf0Value> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: decoded(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

test('AMF0: decode(encode(values)) gives the values back', () => {
  fc.assert(
    fc.property(fc.array(amf0Value, { maxLength: 5 }), (values) => {
      assert.deepStrictEqual(decodeAmf0(encodeAmf0(...values)), values.map(decoded));
    }),
    { numRuns: 500 },
  );
});

test('AMF0: a reader reads the values one by one, each ending where the next begins', () => {
  fc.assert(
    fc.property(fc.array(amf0Value, { minLength: 1, maxLength: 5 }), (values) => {
      const bytes = encodeAmf0(...values);
      const reader = new Amf0Reader(bytes);
      let offset = 0;
      for (const v of values) {
        assert.deepStrictEqual(reader.read(), decoded(v));
        offset += encodeAmf0(v).length;
        assert.equal(reader.offset, offset);
      }
      assert.equal(reader.remaining, 0);
    }),
    { numRuns: 300 },
  );
});

test('AMF0: encoding is a fixed point after one decode (what is read re-encodes to the same bytes)', () => {
  fc.assert(
    fc.property(fc.array(amf0Value, { maxLength: 5 }), (values) => {
      const once = encodeAmf0(...decodeAmf0(encodeAmf0(...values)));
      assert.deepStrictEqual(encodeAmf0(...decodeAmf0(once)), once);
    }),
    { numRuns: 300 },
  );
});
