import fc from 'fast-check';
import { signStream, verifySignedStream } from '@flvcast/access';
import { check, defineTarget } from '../harness.js';

const SECRET = 'fuzz-secret-0123456789';
const NOW = 1_700_000_000;
const field = fc.oneof(fc.string({ maxLength: 50 }), fc.constantFrom('', '0', '1700000000', '99999999999999', '::ffff:127.0.0.1', '127.0.0.1', '1.2.3.4', '1e9', ' 1', '%20'));
/** An edit of the signed query: change, add or drop a parameter, tamper with the token's characters. */
const editArb = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), name: fc.constantFrom('expires', 'token', 'ip', 'extra', '__proto__'), value: field }),
  fc.record({ kind: fc.constant('drop' as const), name: fc.constantFrom('expires', 'token', 'ip') }),
  fc.record({ kind: fc.constant('token' as const), at: fc.nat(), text: fc.constantFrom('', '=', '==', '+', '/', '-', '_', 'A', '.', ' ', '\n', '%3D') }),
);

export default defineTarget({
  name: 'signed-url',
  entry: '@flvcast/access verifySignedStream',
  errorCodes: [],
  ciRuns: 12000,
  input: fc.record({
    action: fc.constantFrom('play' as const, 'publish' as const),
    otherAction: fc.boolean(),
    stream: fc.constantFrom('live/cam', 'vhost/live/cam', 'live/cam2'),
    otherStream: fc.boolean(),
    expiresAt: fc.oneof(fc.integer({ min: NOW - 100, max: NOW + 100 }), fc.integer({ min: 0, max: 2 ** 40 })),
    bind: fc.option(fc.constantFrom('127.0.0.1', '::ffff:127.0.0.1', '::1', '10.0.0.1'), { nil: undefined }),
    clientIp: fc.constantFrom('127.0.0.1', '::ffff:127.0.0.1', '::1', '10.0.0.1', ''),
    edits: fc.array(editArb, { maxLength: 3 }),
  }),
  run(input) {
    const query: Record<string, string> = { ...signStream({ secret: SECRET, action: input.action, stream: input.stream, expiresAt: input.expiresAt, ...(input.bind === undefined ? {} : { ip: input.bind }) }) };
    const signed = { ...query };
    for (const e of input.edits) {
      if (e.kind === 'set') Object.defineProperty(query, e.name, { value: e.value, enumerable: true, writable: true, configurable: true });
      else if (e.kind === 'drop') delete query[e.name];
      else if (query.token !== undefined) {
        const at = e.at % (query.token.length + 1);
        query.token = query.token.slice(0, at) + e.text + query.token.slice(at);
      }
    }
    const action = input.otherAction ? (input.action === 'play' ? 'publish' : 'play') : input.action;
    const stream = input.otherStream ? `${input.stream}x` : input.stream;
    const result = verifySignedStream({ secret: SECRET, action, stream, query, ip: input.clientIp, now: NOW });
    if (!result.ok) {
      check(result.status === 401 || result.status === 403, `status ${result.status}`);
      return;
    }
    // Accepted: exactly the URL we signed, for its action and stream, unexpired, from the bound address.
    check(!input.otherAction && !input.otherStream, 'a token accepted for another action or stream');
    // (An IPv4-mapped IPv6 address is the same address: the binding is signed in its IPv4 form; an empty
    // binding is no binding, as signStream writes it.)
    const norm = (ip: string | undefined): string | undefined => (ip === '' ? undefined : ip)?.replace(/^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i, '$1');
    for (const name of ['expires', 'token'] as const) check(query[name] === signed[name], () => `accepted with ${name} ${JSON.stringify(query[name])} instead of the signed ${JSON.stringify(signed[name])}`);
    check(norm(query.ip) === norm(signed.ip), () => `accepted with ip ${JSON.stringify(query.ip)} instead of the signed ${JSON.stringify(signed.ip)}`);
    check(result.expiresAt === Math.floor(input.expiresAt) && result.expiresAt > NOW, 'accepted an expired token');
    if (norm(query.ip) !== undefined) check(norm(query.ip) === norm(input.clientIp), 'accepted from another address');
  },
});
