import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactToken, resolveSignedUrls, signStream, verifySignedStream, type VerifyStreamOptions } from '../src/index.js';

const secret = 'a-test-secret-of-32-characters!!';
const now = 1_800_000_000;

function verify(query: Record<string, string>, over: Partial<VerifyStreamOptions> = {}) {
  return verifySignedStream({ secret, action: 'play', stream: 'live/cam1', query, ip: '127.0.0.1', now, ...over });
}

test('a signed query verifies for its stream and action until it expires', () => {
  const query = signStream({ secret, action: 'play', stream: 'live/cam1', expiresAt: now + 60 });
  assert.deepEqual(Object.keys(query).sort(), ['expires', 'token']);
  assert.deepEqual(verify(query), { ok: true, expiresAt: now + 60 });
  // Other query parameters don't disturb it.
  assert.equal(verify({ ...query, vhost: 'x' }).ok, true);
});

test('missing, forged, retargeted and expired tokens are refused with 401', () => {
  const query = signStream({ secret, action: 'play', stream: 'live/cam1', expiresAt: now + 60 });
  assert.deepEqual(verify({}), { ok: false, status: 401, reason: 'signed URL required (expires and token)' });
  assert.equal(verify({ expires: query.expires! }).ok, false);
  assert.deepEqual(verify({ ...query, token: `${query.token!.slice(0, -2)}AA` }), { ok: false, status: 401, reason: 'invalid token' });
  assert.deepEqual(verify({ ...query, token: 'short' }), { ok: false, status: 401, reason: 'invalid token' });
  // Stretching the expiry breaks the signature.
  assert.deepEqual(verify({ ...query, expires: String(now + 6000) }), { ok: false, status: 401, reason: 'invalid token' });
  assert.deepEqual(verify({ ...query, expires: '1e9' }), { ok: false, status: 401, reason: 'malformed expires' });
  assert.equal(verify(query, { stream: 'live/cam2' }).ok, false, 'another stream');
  assert.equal(verify(query, { secret: `${secret}x` }).ok, false, 'another secret');
  assert.deepEqual(verify(query, { now: now + 60 }), { ok: false, status: 401, reason: 'token expired' });
});

// Found by the fuzzer (test/fuzz, target signed-url): Node's base64url decoder skips characters outside the
// alphabet and ignores the spare bits of the last character, so ".<token>", "<token>=", "<to ken>" and three
// other last characters all verified as the token we issued. Only the issued string is accepted now.
test('only the token string that was issued verifies, not other spellings of its bytes (fuzz regression)', () => {
  const query = signStream({ secret, action: 'play', stream: 'live/cam1', expiresAt: now + 60 });
  const token = query.token!;
  assert.equal(token.length, 43);
  for (const spelling of [`.${token}`, `${token}=`, `${token.slice(0, 10)} ${token.slice(10)}`, `${token.slice(0, 20)}\n${token.slice(20)}`, `${token}.`]) {
    assert.deepEqual(verify({ ...query, token: spelling }), { ok: false, status: 401, reason: 'invalid token' }, spelling);
  }
  // The last character carries 4 bits of the signature and 2 spare ones: the 3 other values of the spare bits.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(token.at(-1)!);
  for (let spare = 1; spare < 4; spare++) {
    const other = `${token.slice(0, -1)}${alphabet[(last & ~3) | spare]}`;
    assert.deepEqual(verify({ ...query, token: other }), { ok: false, status: 401, reason: 'invalid token' }, other);
  }
  assert.equal(verify(query).ok, true);
});

test('a play token cannot publish, and a publish token cannot play', () => {
  const play = signStream({ secret, action: 'play', stream: 'live/cam1', expiresAt: now + 60 });
  const pub = signStream({ secret, action: 'publish', stream: 'live/cam1', expiresAt: now + 60 });
  assert.equal(verify(play, { action: 'publish' }).ok, false);
  assert.equal(verify(pub, { action: 'play' }).ok, false);
  assert.equal(verify(pub, { action: 'publish' }).ok, true);
});

test('an IP-bound token works only from that address (IPv4-mapped IPv6 counts as IPv4), and the binding is signed', () => {
  const query = signStream({ secret, action: 'play', stream: 'live/cam1', expiresAt: now + 60, ip: '::ffff:10.1.2.3' });
  assert.equal(query.ip, '10.1.2.3');
  assert.equal(verify(query, { ip: '10.1.2.3' }).ok, true);
  assert.equal(verify(query, { ip: '::ffff:10.1.2.3' }).ok, true);
  assert.deepEqual(verify(query, { ip: '10.1.2.4' }), { ok: false, status: 403, reason: 'token bound to another address' });
  assert.deepEqual(verify({ ...query, ip: '10.1.2.4' }, { ip: '10.1.2.4' }), { ok: false, status: 401, reason: 'invalid token' });
  const { ip: _ip, ...unbound } = query;
  assert.deepEqual(verify(unbound, { ip: '10.1.2.4' }), { ok: false, status: 401, reason: 'invalid token' });
});

test('the signedUrls option needs a secret of at least 16 characters', () => {
  assert.equal(resolveSignedUrls(undefined), undefined);
  assert.deepEqual(resolveSignedUrls({ secret }), { secret, kickOnExpiry: true });
  assert.deepEqual(resolveSignedUrls({ secret, kickOnExpiry: false }), { secret, kickOnExpiry: false });
  assert.match(String(resolveSignedUrls({ secret: 'short' })), /at least 16/);
  assert.match(String(resolveSignedUrls({ secret, kickOnExpiry: 'yes' })), /kickOnExpiry/);
});

test('redactToken keeps a logged URL useful but drops the credential', () => {
  assert.equal(redactToken('/live/cam1.flv?expires=1&token=abc-_x&ip=1.2.3.4'), '/live/cam1.flv?expires=1&token=[redacted]&ip=1.2.3.4');
  assert.equal(redactToken('rtmp://h/live?token=abc'), 'rtmp://h/live?token=[redacted]');
  assert.equal(redactToken('/live/cam1.flv?mytoken=abc'), '/live/cam1.flv?mytoken=abc');
});
