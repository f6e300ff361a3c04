import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessDeniedError, checkAccess, composeAccessHooks, type AccessContext } from '../src/index.js';

const ctx: AccessContext = { action: 'publish', protocol: 'rtmp', clientId: 'rtmp-1', ip: '127.0.0.1', vhost: '', app: 'live', stream: 'cam1', query: {}, tcUrl: 'rtmp://x/live' };

test('verdicts: nothing/true allow, false is 403, a refusal keeps its status, AccessDeniedError too', async () => {
  assert.deepEqual(await checkAccess(() => undefined, ctx, 1000), { allowed: true });
  assert.deepEqual(await checkAccess(async () => true, ctx, 1000), { allowed: true });
  assert.deepEqual(await checkAccess(() => false, ctx, 1000), { allowed: false, status: 403, reason: 'forbidden' });
  assert.deepEqual(await checkAccess(() => ({ status: 401, reason: 'who?' }), ctx, 1000), { allowed: false, status: 401, reason: 'who?' });
  assert.deepEqual(await checkAccess(() => ({ status: 409, reason: 'held by origin b' }), ctx, 1000), { allowed: false, status: 409, reason: 'held by origin b' });
  assert.deepEqual(await checkAccess(() => Promise.reject(new AccessDeniedError(401, 'no key')), ctx, 1000), { allowed: false, status: 401, reason: 'no key' });
});

test('a throwing, misbehaving or hanging hook refuses (403) and reports the error, never throws or hangs', async () => {
  const thrown = await checkAccess(() => {
    throw new Error('db down');
  }, ctx, 1000);
  assert.equal(thrown.allowed, false);
  assert.equal(!thrown.allowed && thrown.status, 403);
  assert.equal(!thrown.allowed && (thrown.error as Error).message, 'db down');
  const weird = await checkAccess(() => 'yes' as never, ctx, 1000);
  assert.equal(weird.allowed, false);
  const hung = await checkAccess(() => new Promise(() => {}), ctx, 50);
  assert.equal(hung.allowed, false);
  assert.equal(!hung.allowed && hung.reason, 'access check timed out');
});

test('composed hooks: all must allow, the first refusal wins', async () => {
  const seen: string[] = [];
  const hook = composeAccessHooks(
    () => void seen.push('a'),
    undefined,
    () => {
      seen.push('b');
      return { status: 401, reason: 'b says no' };
    },
    () => void seen.push('c'),
  )!;
  assert.deepEqual(await checkAccess(hook, ctx, 1000), { allowed: false, status: 401, reason: 'b says no' });
  assert.deepEqual(seen, ['a', 'b']);
  assert.equal(composeAccessHooks(undefined), undefined);
});

test('an allowance with forward URLs allows; composed hooks add their URLs up, a refusal still wins', async () => {
  assert.deepEqual(await checkAccess(() => ({ forward: ['rtmp://a/x'] }), ctx, 1000), { allowed: true, forward: ['rtmp://a/x'] });
  const bad = await checkAccess(() => ({ forward: [1] }) as never, ctx, 1000);
  assert.equal(bad.allowed, false, 'a forward list that is not strings is a hook bug');
  const both = composeAccessHooks(
    () => ({ forward: ['rtmp://a/x'] }),
    () => true,
    () => ({ forward: ['rtmp://b/y'] }),
  )!;
  assert.deepEqual(await both(ctx), { forward: ['rtmp://a/x', 'rtmp://b/y'] });
  const refused = composeAccessHooks(() => ({ forward: ['rtmp://a/x'] }), () => false)!;
  assert.equal(await refused(ctx), false);
});
