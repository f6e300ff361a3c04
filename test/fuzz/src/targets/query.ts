import fc from 'fast-check';
import { parseQuery, splitQuery } from '@flvcast/access';
import { check, defineTarget } from '../harness.js';

const PIECES = ['&', '=', '?', '%', '%zz', '%2', '%3D', '%26', '%00', '%C3%A9', '%FF', '+', '__proto__', 'constructor', 'toString', 'token', 'a', ' ', '#', '\u0000', '\uD800'];
const textArb = fc.oneof(fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }).map((p) => p.join('')), fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 20 }));
const objectArb = fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'token', 'a', 'constructor'), fc.string({ maxLength: 5 })), fc.oneof(fc.string(), fc.array(fc.oneof(fc.string(), fc.integer())), fc.integer(), fc.constant(null), fc.object({ maxDepth: 1 })));

export default defineTarget({
  name: 'query',
  entry: '@flvcast/access parseQuery / splitQuery',
  errorCodes: [],
  ciRuns: 10000,
  input: fc.oneof(textArb, objectArb, fc.anything({ maxDepth: 1 })),
  run(input) {
    const q = parseQuery(input);
    check(Object.getPrototypeOf(q) === Object.prototype && !Object.hasOwn(q, '__proto__'), 'a query record with a __proto__ key');
    for (const [name, value] of Object.entries(q)) check(typeof name === 'string' && typeof value === 'string', 'a non-string parameter');
    if (typeof input === 'string') {
      // The first value of each name, as WHATWG URLSearchParams reads it.
      const first = new Map<string, string>();
      for (const [n, v] of new URLSearchParams(input)) if (!first.has(n) && n !== '__proto__') first.set(n, v);
      check(first.size === Object.keys(q).length && [...first].every(([n, v]) => q[n] === v), 'parseQuery differs from URLSearchParams (first value wins)');
      const { path, query } = splitQuery(input);
      const at = input.indexOf('?');
      check(at < 0 ? path === input && Object.keys(query).length === 0 : path === input.slice(0, at) && !path.includes('?'), 'splitQuery cut at the wrong place');
    }
  },
});
