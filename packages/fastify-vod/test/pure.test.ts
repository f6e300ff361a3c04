import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Amf0EcmaArray } from '@flvcast/amf0';
import { guessStream, parseStartQuery, parseVodPath, recordingId, recordingPath, resolveStart, summarizeMetadata, timestampInName, validateVodOptions, vodAccessName, vodUrl } from '../src/index.js';

test('parseVodPath: served names pass, decoded per segment', () => {
  assert.deepEqual(parseVodPath('/live/cam.1700000000000.flv'), { ok: true, path: 'live/cam.1700000000000.flv', segments: ['live', 'cam.1700000000000.flv'] });
  assert.deepEqual(parseVodPath('/a%20b/%C3%A9t%C3%A9.flv'), { ok: true, path: 'a b/été.flv', segments: ['a b', 'été.flv'] });
  // Double encoding decodes once: a literal "%2e%2e" is an odd but harmless file name (404 if it is not there).
  assert.deepEqual(parseVodPath('/%252e%252e/x.flv'), { ok: true, path: '%2e%2e/x.flv', segments: ['%2e%2e', 'x.flv'] });
});

test('parseVodPath: traversal and odd paths are refused before the disk is asked', () => {
  const refused: Array<[string, 400 | 404]> = [
    ['/../x.flv', 400],
    ['/live/../../etc/passwd.flv', 400],
    ['/%2e%2e/x.flv', 400],
    ['/%2E%2E%2Fx.flv', 400],
    ['/..%2fx.flv', 400],
    ['/live%2f..%2f..%2fx.flv', 400],
    ['/..%5cx.flv', 400],
    ['/live\\..\\x.flv', 400],
    ['/x%00.flv', 400],
    ['/./x.flv', 400],
    ['/live//x.flv', 400],
    ['/.hidden.flv', 400],
    ['/%E0%A4%A.flv', 400],
    ['x.flv', 400],
    ['/a/b/c/d/e/f/g/h/i.flv', 400],
    ['/live/cam.flv.tmp', 404],
    ['/live/notes.txt', 404],
    ['/live/', 400],
    ['/.flv', 400],
  ];
  for (const [path, status] of refused) {
    const parsed = parseVodPath(path);
    assert.equal(parsed.ok, false, path);
    if (!parsed.ok) assert.equal(parsed.status, status, `${path}: ${parsed.reason}`);
  }
});

test('recordingId: round trip, url-safe, and only ids of servable paths', () => {
  for (const path of ['live/cam.1700000000.flv', 'a b/été.flv', 'x.flv']) {
    const id = recordingId(path);
    assert.match(id, /^[A-Za-z0-9_-]+$/);
    assert.equal(recordingPath(id), path);
  }
  for (const path of ['../x.flv', 'live/../x.flv', 'live/cam.flv.tmp', '.x.flv', 'a\\b.flv', 'live//x.flv']) assert.equal(recordingPath(recordingId(path)), undefined, path);
  assert.equal(recordingPath('not base64!'), undefined);
  // A base64url string that decodes to the same bytes but is not the id we issue (spare bits set).
  const id = recordingId('x.flv');
  assert.equal(recordingPath(`${id.slice(0, -1)}${String.fromCharCode(id.charCodeAt(id.length - 1) + 1)}`), undefined);
});

test('names: access context, guessed stream, timestamp in the name, URL', () => {
  assert.deepEqual(vodAccessName('live/cam.1700000000.flv'), { vhost: '', app: 'live', stream: 'cam.1700000000' });
  assert.deepEqual(vodAccessName('a/b/c.flv'), { vhost: '', app: 'a', stream: 'b/c' });
  assert.deepEqual(vodAccessName('root.flv'), { vhost: '', app: '', stream: 'root' });
  assert.equal(guessStream('live/cam.1700000000123.flv'), 'live/cam');
  assert.equal(guessStream('live/cam-1700000000.flv'), 'live/cam');
  assert.equal(guessStream('live/cam.flv'), 'live/cam');
  assert.equal(guessStream('1700000000.flv'), '1700000000');
  assert.equal(timestampInName('cam.1700000000123.flv'), 1700000000123);
  assert.equal(timestampInName('cam.1700000000.flv'), 1700000000000);
  assert.equal(timestampInName('cam.20240101.flv'), undefined);
  assert.equal(timestampInName('cam.17000000001234.flv'), undefined, '14 digits are no epoch time');
  assert.equal(vodUrl('/vod', 'a b/été.flv'), '/vod/a%20b/%C3%A9t%C3%A9.flv');
});

test('parseStartQuery: strict numbers, one of the two, start=0 is the file', () => {
  assert.deepEqual(parseStartQuery({}), { kind: 'file' });
  assert.deepEqual(parseStartQuery({ start: '0' }), { kind: 'file' });
  assert.deepEqual(parseStartQuery({ start: '4521' }), { kind: 'offset', offset: 4521 });
  assert.deepEqual(parseStartQuery({ starttime: '8' }), { kind: 'time', seconds: 8 });
  assert.deepEqual(parseStartQuery({ starttime: '8.25' }), { kind: 'time', seconds: 8.25 });
  for (const query of [{ start: '-1' }, { start: '1e3' }, { start: ' 12' }, { start: '0x10' }, { starttime: '-2' }, { starttime: 'NaN' }, { starttime: '1,5' }, { start: ['1', '2'] }, { start: '13', starttime: '2' }]) {
    assert.equal(parseStartQuery(query).kind, 'invalid', JSON.stringify(query));
  }
});

test('resolveStart: offsets must be keyframe tags; times map to the keyframe at or before them', () => {
  const keyframes = { times: [0, 2, 4, 6], filepositions: [400, 9000, 18000, 27000] };
  assert.deepEqual(resolveStart({ kind: 'offset', offset: 18000 }, keyframes), { ok: true, offset: 18000 });
  const off = resolveStart({ kind: 'offset', offset: 18001 }, keyframes);
  assert.equal(off.ok, false);
  assert.match(off.ok ? '' : off.reason, /18001 is not the offset of a keyframe tag .*18000 or 27000/);
  assert.equal(resolveStart({ kind: 'offset', offset: 13 }, keyframes).ok, false);
  assert.equal(resolveStart({ kind: 'offset', offset: 99999 }, keyframes).ok, false);
  assert.deepEqual(resolveStart({ kind: 'time', seconds: 5.9 }, keyframes), { ok: true, offset: 18000 });
  assert.deepEqual(resolveStart({ kind: 'time', seconds: 6 }, keyframes), { ok: true, offset: 27000 });
  assert.deepEqual(resolveStart({ kind: 'time', seconds: 3.9999 }, keyframes), { ok: true, offset: 18000 }, 'float error of a ms time');
  assert.deepEqual(resolveStart({ kind: 'time', seconds: 600 }, keyframes), { ok: true, offset: 27000 });
  assert.deepEqual(resolveStart({ kind: 'time', seconds: 0 }, { times: [0.5], filepositions: [400] }), { ok: true, offset: 400 });
  assert.equal(resolveStart({ kind: 'time', seconds: 1 }, { times: [], filepositions: [] }).ok, false);
});

test('summarizeMetadata: duration and a usable keyframes index, from an object or an ECMA array', () => {
  assert.deepEqual(summarizeMetadata(new Amf0EcmaArray({ duration: 12.04, keyframes: { times: [0, 2], filepositions: [400, 900] } })), { durationMs: 12040, seekable: true });
  assert.deepEqual(summarizeMetadata({ duration: 0, keyframes: new Amf0EcmaArray({ times: [0], filepositions: [] }) }), { durationMs: undefined, seekable: false });
  assert.deepEqual(summarizeMetadata({ keyframes: { times: [0, 2], filepositions: [400] } }), { durationMs: undefined, seekable: false });
  assert.deepEqual(summarizeMetadata('nope'), { durationMs: undefined, seekable: false });
});

test('validateVodOptions: defaults, and the mount must be a plain path', () => {
  const o = validateVodOptions();
  assert.deepEqual([o.vodDir, o.vodMount, o.vodFeed, o.crossdomain, o.vodIndexCacheEntries], ['', '/vod', true, true, 256]);
  for (const vodMount of ['vod', '/vod/', '/', '/a/../b', '/a b']) assert.throws(() => validateVodOptions({ vodMount }), { code: 'FST_FLVCAST_VOD_INVALID_OPTION' }, vodMount);
  assert.throws(() => validateVodOptions({ signedUrls: { secret: 'short' } }), { code: 'FST_FLVCAST_VOD_INVALID_OPTION' });
});
