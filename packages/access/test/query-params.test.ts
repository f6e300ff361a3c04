import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuery, splitQuery } from '../src/index.js';

test('a repeated name: the first value wins, from a string and from a framework\'s parse alike', () => {
  assert.deepEqual(parseQuery('token=a&token=b&x=1'), { token: 'a', x: '1' });
  assert.deepEqual(parseQuery({ token: ['a', 'b'], x: '1' }), { token: 'a', x: '1' });
});

test('percent-decoding, + as a space, encoded separators, names without a value', () => {
  assert.deepEqual(parseQuery('?user=ann%20b+c&t=a%26b%3Dc&flag&=empty&%E2%9C%93=ok'), { user: 'ann b c', t: 'a&b=c', flag: '', '': 'empty', '✓': 'ok' });
  assert.deepEqual(parseQuery('token=abc=def'), { token: 'abc=def' }, 'only the first = splits');
  assert.deepEqual(parseQuery(''), {});
  assert.deepEqual(parseQuery('&&'), {});
});

test('bad encodings never throw: a bad escape stays as written, bytes that are not UTF-8 become U+FFFD', () => {
  assert.deepEqual(parseQuery('a=%zz&b=%&c=100%&d=%E0%A4'), { a: '%zz', b: '%', c: '100%', d: '\uFFFD' });
  assert.doesNotThrow(() => parseQuery('%E0%A4%A=%C0%AF&%ff'));
  assert.deepEqual(parseQuery('%ff=1'), { '\uFFFD': '1' });
});

test('a framework\'s parse: strings kept, other values dropped, null-prototype objects fine; anything else is empty', () => {
  const parsed = Object.assign(Object.create(null) as Record<string, unknown>, { a: '1', n: 2, o: { x: '1' }, e: [], l: [3, '4'] });
  assert.deepEqual(parseQuery(parsed), { a: '1' });
  for (const nothing of [undefined, null, 42, true]) assert.deepEqual(parseQuery(nothing), {});
});

test('__proto__ is never a name and pollutes nothing', () => {
  const out = parseQuery('__proto__=x&constructor=y&a=1');
  assert.deepEqual(out, { constructor: 'y', a: '1' });
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(parseQuery(JSON.parse('{"__proto__": "x", "b": "2"}')), { b: '2' });
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

test('splitQuery: an RTMP name or a tcUrl at its first ?', () => {
  assert.deepEqual(splitQuery('cam1'), { path: 'cam1', query: {} });
  assert.deepEqual(splitQuery('cam1?token=abc&token=def'), { path: 'cam1', query: { token: 'abc' } });
  assert.deepEqual(splitQuery('cam1?'), { path: 'cam1', query: {} });
  assert.deepEqual(splitQuery('cam1?a=1?b=2'), { path: 'cam1', query: { a: '1?b=2' } });
  assert.deepEqual(splitQuery('rtmp://host:1935/live?key=k1&vhost=v'), { path: 'rtmp://host:1935/live', query: { key: 'k1', vhost: 'v' } });
});
