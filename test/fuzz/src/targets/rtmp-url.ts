import fc from 'fast-check';
import { matchStream, parseRtmpUrl, withQueryParam } from '@flvcast/relay';
import { check, defineTarget } from '../harness.js';

const PIECES = ['rtmp://', 'rtmps://', 'http://', 'h', 'example.com', '[::1]', '127.0.0.1', ':', '1935', '0', '99999', '/', '//', 'live', 'cam1', '?', '&', '=', '#', '%', '%2F', '%zz', '@', ' ', '..', '*', '\u0000', '\uD800'];
const urlArb = fc.oneof(fc.array(fc.constantFrom(...PIECES), { maxLength: 14 }).map((p) => p.join('')), fc.string({ maxLength: 40 }), fc.webUrl().map((u) => u.replace(/^https?/, 'rtmp')));
const segment = fc.stringMatching(/^[A-Za-z0-9_.*-]{1,8}$/);

/** Forward destinations (rtmp[s] URLs from config and callbacks) and the `live/*` patterns the forwards match with. */
export default defineTarget({
  name: 'rtmp-url',
  entry: '@flvcast/relay parseRtmpUrl / matchStream',
  errorCodes: ['ERR_RELAY_BAD_URL'],
  ciRuns: 5000,
  input: fc.record({ url: urlArb, pattern: fc.array(segment, { minLength: 2, maxLength: 3 }), name: fc.array(segment, { minLength: 2, maxLength: 3 }) }),
  run({ url, pattern, name }) {
    const p = parseRtmpUrl(url);
    check(Number.isInteger(p.port) && p.port >= 0 && p.port <= 65535, `port ${p.port}`);
    check(p.app !== '' && p.host !== '', 'an empty app or host');
    check(p.stream === undefined || (p.stream !== '' && p.query === ''), 'a stream part and a separate query');
    // The tcUrl names the same server and app again.
    const again = parseRtmpUrl(p.tcUrl.replace(/\/[^/]*$/, `/${encodeURIComponent(p.app)}`));
    check(again.host === p.host && again.port === p.port && again.secure === p.secure, `tcUrl ${p.tcUrl} is another server`);
    const named = withQueryParam(p.stream ?? 'x', 'flvcastHops', '1');
    check(named.endsWith('flvcastHops=1') && (named.match(/\?/g) ?? []).length === ((p.stream ?? 'x').includes('?') ? (p.stream ?? 'x').match(/\?/g)!.length : 1), 'the hop parameter is not the last of one query');
    const n = name.join('/').replace(/\*/g, 'x');
    check(matchStream(n, n), 'a name without * does not match itself');
    const m = matchStream(pattern.join('/'), n);
    check(!m || pattern.length === name.length, 'a pattern matched a name of another depth');
  },
});
