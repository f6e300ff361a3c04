import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holderLocation, decodeOriginRecord, decodeStreamEntry, encodeOriginRecord, encodeStreamEntry, originKey, pullUrl, streamEntryKey } from '../src/index.js';

const cam1 = { vhost: '', app: 'live', stream: 'cam1' };
const vcam1 = { vhost: 'v1', app: 'live', stream: 'cam1' };

test('keys: prefix, stream with and without vhost, origin', () => {
  assert.equal(streamEntryKey('flvcast:', cam1), 'flvcast:stream:live/cam1');
  assert.equal(streamEntryKey('flvcast:', vcam1), 'flvcast:stream:v1/live/cam1');
  assert.equal(streamEntryKey('t42:', cam1), 't42:stream:live/cam1');
  // A vhost named like an app cannot collide with a key without vhost: the part count differs.
  assert.notEqual(streamEntryKey('p:', { vhost: 'live', app: 'cam1', stream: 'x' }), streamEntryKey('p:', { vhost: '', app: 'live', stream: 'cam1' }));
  assert.equal(originKey('flvcast:', 'o-1'), 'flvcast:origin:o-1');
});

test('stream entry: round trip, and anything else decodes to undefined', () => {
  const entry = { url: 'http://10.0.0.5:8080/live/cam1.flv', origin: 'o1', load: 12, since: 1_700_000_000_000 };
  const text = encodeStreamEntry(entry);
  assert.deepEqual(JSON.parse(text), entry);
  assert.deepEqual(decodeStreamEntry(text), entry);
  for (const bad of [null, undefined, '', 'nope', '{"url":', '[]', '7', JSON.stringify({ ...entry, url: '' }), JSON.stringify({ ...entry, origin: 3 }), JSON.stringify({ ...entry, load: 'x' }), JSON.stringify({ url: 'u', origin: 'o' })]) {
    assert.equal(decodeStreamEntry(bad), undefined, String(bad));
  }
});

test('origin record: round trip, bad values undefined', () => {
  const record = { id: 'o1', url: 'http://10.0.0.5:8080', load: { streams: 2, viewers: 40 }, startedAt: 5 };
  assert.deepEqual(decodeOriginRecord(encodeOriginRecord(record)), record);
  assert.equal(decodeOriginRecord('{"id":"o1"}'), undefined);
  assert.equal(decodeOriginRecord(JSON.stringify({ ...record, load: null })), undefined);
  assert.equal(decodeOriginRecord('x'), undefined);
});

test('pull URLs from the advertised base: http(s) with prefix, rtmp(s), vhost in query or path', () => {
  assert.equal(pullUrl('http://10.0.0.5:8080', cam1), 'http://10.0.0.5:8080/live/cam1.flv');
  assert.equal(pullUrl('http://10.0.0.5:8080/', cam1), 'http://10.0.0.5:8080/live/cam1.flv');
  assert.equal(pullUrl('https://media.example/flv/', cam1), 'https://media.example/flv/live/cam1.flv');
  assert.equal(pullUrl('rtmp://10.0.0.5:1935', cam1), 'rtmp://10.0.0.5:1935/live/cam1');
  assert.equal(pullUrl('rtmps://10.0.0.5', cam1), 'rtmps://10.0.0.5/live/cam1');
  assert.equal(pullUrl('http://10.0.0.5:8080', vcam1), 'http://10.0.0.5:8080/live/cam1.flv?vhost=v1');
  assert.equal(pullUrl('http://10.0.0.5:8080', vcam1, true), 'http://10.0.0.5:8080/v1/live/cam1.flv');
  // RTMP has no vhost path part: the query, whatever the HTTP mounts are.
  assert.equal(pullUrl('rtmp://10.0.0.5:1935', vcam1, true), 'rtmp://10.0.0.5:1935/live/cam1?vhost=v1');
  assert.equal(pullUrl('http://10.0.0.5:8080', cam1, true), 'http://10.0.0.5:8080/live/cam1.flv');
});

test('redirect location: the holder, the extension asked for, the viewer query (its parameters win)', () => {
  assert.equal(holderLocation('http://10.0.0.5:8080/live/cam1.flv', 'ts', ''), 'http://10.0.0.5:8080/live/cam1.ts');
  assert.equal(holderLocation('https://o.example/flv/live/cam1.flv', 'flv', 'token=abc&expires=9'), 'https://o.example/flv/live/cam1.flv?token=abc&expires=9');
  assert.equal(holderLocation('http://o:1/live/cam1.flv?vhost=v1', 'aac', 'token=t'), 'http://o:1/live/cam1.aac?vhost=v1&token=t');
  assert.equal(holderLocation('http://o:1/live/cam1.flv?vhost=v1', 'flv', 'vhost=v2'), 'http://o:1/live/cam1.flv?vhost=v2');
  assert.equal(holderLocation('rtmp://o:1935/live/cam1', 'flv', ''), undefined, 'an HTTP viewer cannot go to an RTMP holder');
  assert.equal(holderLocation('garbage', 'flv', ''), undefined);
});
