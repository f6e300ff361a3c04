import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, matchStream, invalidStreamPattern, parseRtmpUrl, RelayError, withQueryParam } from '../src/index.js';

test('rtmp URLs: host, default ports, app, stream with its query, tcUrl', () => {
  assert.deepEqual(parseRtmpUrl('rtmp://example.com/live/cam1?token=a%20b'), {
    secure: false,
    host: 'example.com',
    port: 1935,
    app: 'live',
    stream: 'cam1?token=a%20b',
    query: '',
    tcUrl: 'rtmp://example.com:1935/live',
  });
  const tls = parseRtmpUrl('rtmps://[::1]/app');
  assert.equal(tls.secure, true);
  assert.equal(tls.port, 443);
  assert.equal(tls.host, '::1');
  assert.equal(tls.stream, undefined, 'no stream part: the source name is used');
  assert.equal(tls.tcUrl, 'rtmps://[::1]:443/app');
  assert.equal(parseRtmpUrl('rtmp://h:19350/app?k=v').query, 'k=v', 'the query of a URL without a stream goes with the stream name chosen later');
  assert.equal(parseRtmpUrl('rtmp://h/app/a/b').stream, 'a/b');
  for (const bad of ['http://h/app', 'rtmp://h', 'rtmp://h/', 'nonsense', 'rtmp://h/%zz', 'rtmp://h/app/%E0%A4%A']) {
    assert.throws(() => parseRtmpUrl(bad), (err: unknown) => err instanceof RelayError && err.code === 'ERR_RELAY_BAD_URL', bad);
  }
});

test('a query parameter is appended with ? or &', () => {
  assert.equal(withQueryParam('cam1', 'flvcastHops', '1'), 'cam1?flvcastHops=1');
  assert.equal(withQueryParam('cam1?t=x', 'flvcastHops', '2'), 'cam1?t=x&flvcastHops=2');
});

test('stream patterns match within a segment', () => {
  assert.equal(matchStream('live/*', 'live/cam1'), true);
  assert.equal(matchStream('live/*', 'other/cam1'), false);
  assert.equal(matchStream('live/*', 'v/live/cam1'), false);
  assert.equal(matchStream('live/cam*', 'live/cam12'), true);
  assert.equal(matchStream('live/cam.1', 'live/camx1'), false, 'a dot is a dot');
  assert.equal(matchStream('*/*/*', 'v/live/cam1'), true);
  assert.equal(invalidStreamPattern('live/*'), undefined);
  assert.match(invalidStreamPattern('live') ?? '', /app\/stream/);
  assert.match(invalidStreamPattern('live/(x)') ?? '', /only letters/);
});

test('back-off doubles up to its cap and starts again after reset', () => {
  const b = new Backoff(1000, 30_000);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(() => b.next()), [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  b.reset();
  assert.equal(b.next(), 1000);
});
