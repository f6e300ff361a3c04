import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeAmf0 } from '@flvcast/amf0';
import { FlvError, decodeScriptData, encodeOnMetaData } from '../src/index.js';

test('encodeOnMetaData writes "onMetaData" and an ECMA array', () => {
  const bytes = encodeOnMetaData({ hasAudio: true });
  assert.deepEqual(
    bytes,
    new Uint8Array([
      0x02, 0x00, 0x0a, ...new TextEncoder().encode('onMetaData'), // AMF0 string
      0x08, 0x00, 0x00, 0x00, 0x01, // ECMA array, 1 entry
      0x00, 0x08, ...new TextEncoder().encode('hasAudio'), 0x01, 0x01, // "hasAudio": true
      0x00, 0x00, 0x09, // object end
    ]),
  );
});

test('decodeScriptData round-trips onMetaData', () => {
  const meta = { width: 1280, height: 720, framerate: 25, hasVideo: true, hasAudio: false, encoder: 'flvcast' };
  assert.deepEqual(decodeScriptData(encodeOnMetaData(meta)), { name: 'onMetaData', value: meta });
});

test('decodeScriptData strips the @setDataFrame wrapper RTMP publishers send', () => {
  const payload = encodeAmf0('@setDataFrame', 'onMetaData', { duration: 0, videocodecid: 7 });
  assert.deepEqual(decodeScriptData(payload), { name: 'onMetaData', value: { duration: 0, videocodecid: 7 } });
});

test('decodeScriptData handles other handlers and a missing argument', () => {
  assert.deepEqual(decodeScriptData(encodeAmf0('onTextData', { text: 'hi' })), { name: 'onTextData', value: { text: 'hi' } });
  assert.deepEqual(decodeScriptData(encodeAmf0('onCuePoint')), { name: 'onCuePoint', value: undefined });
});

test('decodeScriptData throws ERR_FLV_BAD_SCRIPT_DATA on bad AMF0 or a non-string name', () => {
  const bad = (err: unknown) => err instanceof FlvError && err.code === 'ERR_FLV_BAD_SCRIPT_DATA';
  assert.throws(() => decodeScriptData(new Uint8Array([0x02, 0x00, 0x0a, 0x6f])), bad); // truncated string
  assert.throws(() => decodeScriptData(encodeAmf0(1, 'x')), bad);
  assert.throws(() => decodeScriptData(new Uint8Array(0)), bad);
});
