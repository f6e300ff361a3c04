import { Amf0Marker, decodeAmf0, type Amf0Value } from '@flvcast/amf0';
import { FlvErrorCode, decodeScriptData } from '@flvcast/flv';
import { amf0Bodies } from '../corpus.js';
import { isDeepStrictEqual } from 'node:util';
import { check, defineTarget } from '../harness.js';
import { bytesInput } from '../mutate.js';

export default defineTarget({
  name: 'flv-script-data',
  entry: '@flvcast/flv decodeScriptData (script tags, RTMP data messages, @setDataFrame)',
  // AMF0 errors come wrapped as ERR_FLV_BAD_SCRIPT_DATA, with the AMF0 error as the cause.
  errorCodes: Object.values(FlvErrorCode),
  ciRuns: 12000,
  input: bytesInput(amf0Bodies(), { markers: Object.values(Amf0Marker) }),
  run(payload) {
    const { name, value } = decodeScriptData(payload);
    // What the AMF0 reader sees in it, with the @setDataFrame wrapper taken off by hand.
    const values = decodeAmf0(payload);
    const wrapped = values[0] === '@setDataFrame' && typeof values[1] === 'string';
    check(typeof name === 'string' && name === (wrapped ? values[1] : values[0]), 'the handler name is not the first string (after @setDataFrame)');
    check(same(value, wrapped ? values[2] : values[1]), 'the value is not the one after the name');
  },
});

/** Deep equality, with invalid dates equal to each other (isDeepStrictEqual compares their NaN times as unequal). */
function same(a: Amf0Value, b: Amf0Value): boolean {
  const key = (_k: string, v: unknown): unknown => (v instanceof Date && Number.isNaN(v.getTime()) ? 'Invalid Date' : v);
  return isDeepStrictEqual(a, b) || JSON.stringify(a, key) === JSON.stringify(b, key);
}
