import { Amf0ErrorCode, Amf0Marker, decodeAmf0, encodeAmf0, type Amf0Value } from '@flvcast/amf0';
import { amf0Bodies } from '../corpus.js';
import { check, defineTarget } from '../harness.js';
import { bytesInput } from '../mutate.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** Seeds for what no encoder sends but the reader accepts: references, typed objects, dates, XML, long strings. */
const handSeeds = [
  // strict array [ {a: 1}, ref 1 ] (reference 0 is the array itself)
  hex('0a 00000002  03 0001 61 00 3ff0000000000000 0000 09  07 0001'),
  // typed object "C" {x: true}, date, xml "<a/>", long string "hi", undefined, unsupported, null
  hex('10 0001 43 0001 78 01 01 0000 09  0b 4059000000000000 0000  0f 00000004 3c612f3e  0c 00000002 6869  06 0d 05'),
  // ECMA array count 1 without the end marker (ended by the input)
  hex('08 00000001 0001 6b 02 0001 76 0000'),
  // an object with the key "__proto__" (hostile peers try it on every parser)
  hex('03 0009 5f5f70726f746f5f5f 03 0001 78 01 01 0000 09 0000 09'),
];

export default defineTarget({
  name: 'amf0-reader',
  entry: '@flvcast/amf0 decodeAmf0 / Amf0Reader',
  errorCodes: Object.values(Amf0ErrorCode),
  ciRuns: 12000,
  input: bytesInput([...amf0Bodies(), ...handSeeds], { markers: Object.values(Amf0Marker) }),
  run(bytes) {
    const values = decodeAmf0(bytes);
    walk(values);
    // What was read re-encodes (a value is only as good as what can be sent on), within a bound of the
    // input: a reference may not expand into more than the reader promised (64 KiB beyond the input).
    const encoded = encodeAmf0(...values);
    check(encoded.length <= 3 * bytes.length + 3 * 65536 + 64, () => `${bytes.length} input bytes re-encode to ${encoded.length}`);
    // Normalization is idempotent: decoding what we encode gives the same bytes again.
    const again = encodeAmf0(...decodeAmf0(encoded));
    check(again.length === encoded.length && again.every((b, i) => b === encoded[i]), 'decode(encode(v)) does not re-encode to the same bytes');
  },
});

/** Decoded values are trees of plain values: no cycles, no objects with a prototype other than Object's or Array's. */
function walk(values: Amf0Value[]): void {
  const open = new Set<object>();
  const done = new Set<object>();
  const visit = (v: Amf0Value): void => {
    if (v === null || typeof v !== 'object' || v instanceof Date) return;
    if (done.has(v)) return;
    check(!open.has(v), 'a decoded value contains itself (cycle through a reference)');
    const proto = Object.getPrototypeOf(v) as unknown;
    check(Array.isArray(v) ? proto === Array.prototype : proto === Object.prototype, 'a decoded object has a foreign prototype (a "__proto__" key was taken as the prototype)');
    open.add(v);
    for (const item of Array.isArray(v) ? v : Object.values(v)) visit(item as Amf0Value);
    open.delete(v);
    done.add(v);
  };
  for (const v of values) visit(v);
}
