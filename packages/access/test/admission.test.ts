import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AccessDeniedError,
  EndReasonTokenExpired,
  admit,
  followGrant,
  ipFilter,
  scheduleExpiry,
  signStream,
  signedStreamName,
  type AccessContext,
  type AccessEndContext,
  type AccessGrant,
  type AdmissionPolicy,
  type ExpiryClock,
} from '../src/index.js';

const secret = 'a-test-secret-of-32-characters!!';
const NOW_MS = 1_800_000_000_000;
const base: AccessContext = { action: 'play', protocol: 'http-flv', clientId: 'req-1', ip: '10.0.0.1', vhost: '', app: 'live', stream: 'cam1', query: {} };

/** A context whose query is signed for it (valid for `seconds`, optionally bound to an address). */
function signedCtx(over: Partial<AccessContext> = {}, seconds = 60, ip?: string): AccessContext {
  const ctx = { ...base, ...over };
  const query = signStream({ secret, action: ctx.action, stream: signedStreamName(ctx), expiresAt: NOW_MS / 1000 + seconds, ...(ip === undefined ? {} : { ip }) });
  return { ...ctx, query: { ...ctx.query, ...query } };
}

/** A policy with every check, recording which ran. */
function everyCheck(over: Partial<AdmissionPolicy> = {}) {
  const ran: string[] = [];
  const rules = ipFilter({ deny: ['10.9.0.0/16'] })!;
  const policy: AdmissionPolicy = {
    signedUrls: { secret, kickOnExpiry: true },
    ipRules: (ip) => (ran.push('ip-rules'), rules(ip)),
    hook: () => void ran.push('hook'),
    hookTimeoutMs: 1000,
    now: () => NOW_MS,
    ...over,
  };
  return { ran, policy };
}

test('checks run in order (signed URL, IP rules, hook) and the first refusal ends them', async () => {
  const { ran, policy } = everyCheck();
  const ok = await admit(signedCtx(), policy);
  assert.equal(ok.allowed, true);
  assert.deepEqual(ran, ['ip-rules', 'hook']);

  ran.length = 0;
  const unsigned = await admit(base, policy);
  assert.deepEqual(unsigned, { allowed: false, status: 401, reason: 'signed URL required (expires and token)', step: 'signed-url' });
  assert.deepEqual(ran, [], 'neither IP rules nor the hook were asked');

  const denied = await admit(signedCtx({ ip: '10.9.1.1' }), policy);
  assert.deepEqual(denied, { allowed: false, status: 403, reason: 'address 10.9.1.1 is denied', step: 'ip-rules' });
  assert.deepEqual(ran, ['ip-rules'], 'the hook was not asked');
});

test('each signed-URL refusal: expired, forged, for another stream or action, bound to another address', async () => {
  const { policy } = everyCheck();
  const refusal = async (ctx: AccessContext) => {
    const a = await admit(ctx, policy);
    return a.allowed ? 'allowed' : [a.status, a.reason, a.step];
  };
  assert.deepEqual(await refusal(signedCtx({}, 0)), [401, 'token expired', 'signed-url']);
  assert.deepEqual(await refusal({ ...signedCtx(), query: { ...signedCtx().query, token: 'A'.repeat(43) } }), [401, 'invalid token', 'signed-url']);
  assert.deepEqual(await refusal({ ...signedCtx(), stream: 'cam2' }), [401, 'invalid token', 'signed-url']);
  assert.deepEqual(await refusal({ ...signedCtx(), action: 'publish' }), [401, 'invalid token', 'signed-url'], 'a play token cannot publish');
  assert.deepEqual(await refusal(signedCtx({}, 60, '10.0.0.2')), [403, 'token bound to another address', 'signed-url']);
  assert.equal(await refusal(signedCtx({}, 60, '10.0.0.1')), 'allowed');
});

test('a vhost is part of the signed name', async () => {
  assert.equal(signedStreamName({ vhost: '', app: 'live', stream: 'cam1' }), 'live/cam1');
  assert.equal(signedStreamName({ vhost: 'v1', app: 'live', stream: 'cam1' }), 'v1/live/cam1');
  const { policy } = everyCheck();
  assert.equal((await admit(signedCtx({ vhost: 'v1' }), policy)).allowed, true);
  assert.equal((await admit({ ...signedCtx({ vhost: 'v1' }), vhost: 'v2' }, policy)).allowed, false);
});

test('each hook refusal keeps its status; a failing or hanging hook refuses 403 with the error', async () => {
  const withHook = (hook: AdmissionPolicy['hook'], hookTimeoutMs = 1000) => admit(base, { hook, hookTimeoutMs });
  assert.deepEqual(await withHook(() => false), { allowed: false, status: 403, reason: 'forbidden', step: 'hook' });
  assert.deepEqual(await withHook(() => ({ status: 401, reason: 'who?' })), { allowed: false, status: 401, reason: 'who?', step: 'hook' });
  assert.deepEqual(await withHook(() => Promise.reject(new AccessDeniedError(401, 'no key'))), { allowed: false, status: 401, reason: 'no key', step: 'hook' });
  const thrown = await withHook(() => {
    throw new Error('db down');
  });
  assert.ok(!thrown.allowed && thrown.status === 403 && thrown.reason === 'access check failed' && (thrown.error as Error).message === 'db down');
  const hung = await withHook(() => new Promise(() => {}), 30);
  assert.ok(!hung.allowed && hung.status === 403 && hung.reason === 'access check timed out' && hung.error instanceof Error);
});

test('the grant: the context it was judged on, and an expiry only with a signed URL and kickOnExpiry', async () => {
  const ctx = signedCtx({}, 90);
  const kick = await admit(ctx, { signedUrls: { secret, kickOnExpiry: true }, hookTimeoutMs: 1000, now: () => NOW_MS });
  assert.deepEqual(kick, { allowed: true, grant: { ctx, expiresAtMs: NOW_MS + 90_000 } });
  const keep = await admit(ctx, { signedUrls: { secret, kickOnExpiry: false }, hookTimeoutMs: 1000, now: () => NOW_MS });
  assert.deepEqual(keep, { allowed: true, grant: { ctx, expiresAtMs: undefined } });
  assert.deepEqual(await admit(base, { hookTimeoutMs: 1000 }), { allowed: true, grant: { ctx: base, expiresAtMs: undefined } }, 'no checks: let in');
});

/** Wall clock and timers under the test's control. */
class FakeClock implements ExpiryClock {
  t = NOW_MS;
  timers = new Map<number, { at: number; fn: () => void }>();
  delays: number[] = [];
  #next = 0;
  now = () => this.t;
  setTimer = (fn: () => void, ms: number) => {
    this.delays.push(ms);
    this.timers.set(++this.#next, { at: this.t + ms, fn });
    return this.#next;
  };
  clearTimer = (handle: unknown) => void this.timers.delete(handle as number);
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
  }
}

const grant = (expiresAtMs: number | undefined): AccessGrant => ({ ctx: base, expiresAtMs });

test('followGrant: the kick comes at the expiry, not before; end() after it reports token-expired, once', async () => {
  const clock = new FakeClock();
  const ends: AccessEndContext[] = [];
  let kicks = 0;
  const follower = followGrant(grant(NOW_MS + 5000), { kick: () => void kicks++, onEnd: (ctx) => void ends.push(ctx), clock });
  clock.advance(4999);
  assert.deepEqual([kicks, follower.expired], [0, false]);
  clock.advance(1);
  assert.deepEqual([kicks, follower.expired], [1, true]);
  follower.end(1234, 'kicked');
  follower.end(99, 'left');
  await new Promise((r) => setImmediate(r));
  assert.equal(ends.length, 1, 'told once');
  assert.deepEqual({ ...ends[0] }, { ...base, bytes: 1234, reason: EndReasonTokenExpired });
  assert.equal(EndReasonTokenExpired, 'token-expired');
});

test('followGrant: leaving before the expiry cancels the kick and reports its own reason', async () => {
  const clock = new FakeClock();
  const ends: AccessEndContext[] = [];
  let kicks = 0;
  const follower = followGrant(grant(NOW_MS + 5000), { kick: () => void kicks++, onEnd: (ctx) => void ends.push(ctx), clock });
  clock.advance(1000);
  follower.end(10, 'left');
  assert.equal(clock.timers.size, 0, 'the timer is gone');
  clock.advance(10_000);
  await new Promise((r) => setImmediate(r));
  assert.equal(kicks, 0);
  assert.deepEqual(ends.map((e) => [e.bytes, e.reason]), [[10, 'left']]);
});

test('followGrant: no expiry, no timer; an end hook that fails is reported, never thrown', async () => {
  const clock = new FakeClock();
  const errors: unknown[] = [];
  const follower = followGrant(grant(undefined), {
    kick: () => assert.fail('no kick without an expiry'),
    onEnd: () => Promise.reject(new Error('callback down')),
    onEndError: (err) => void errors.push(err),
    clock,
  });
  assert.equal(clock.timers.size, 0);
  assert.doesNotThrow(() => follower.end(0, 'left'));
  await new Promise((r) => setImmediate(r));
  assert.equal((errors[0] as Error).message, 'callback down');
  // Without onEnd nothing is told, and without onEndError a failure is swallowed.
  followGrant(grant(undefined), { kick: () => {}, onEnd: () => { throw new Error('x'); } }).end(0, 'left');
  await new Promise((r) => setImmediate(r));
});

test('followGrant: a grant already past its expiry is kicked a microtask later, not inside the call', async () => {
  const clock = new FakeClock();
  let kicked = false;
  const follower = followGrant(grant(NOW_MS - 1), { kick: () => void (kicked = true), clock });
  assert.equal(kicked, false, 'the caller holds the follower first');
  await Promise.resolve();
  assert.deepEqual([kicked, follower.expired], [true, true]);
  // Gone in between: no kick at all.
  let late = false;
  followGrant(grant(NOW_MS - 1), { kick: () => void (late = true), clock }).end(0, 'left');
  await Promise.resolve();
  assert.equal(late, false);
});

test('scheduleExpiry: waits beyond setTimeout\'s 24.8 days in steps, and fires on the wall clock', () => {
  const clock = new FakeClock();
  const days40 = 40 * 24 * 3600 * 1000;
  let fired = 0;
  const cancel = scheduleExpiry(NOW_MS + days40, () => void fired++, clock);
  assert.deepEqual(clock.delays, [2 ** 31 - 1]);
  clock.advance(days40 - 1);
  assert.equal(fired, 0);
  assert.equal(clock.delays.length, 2, 're-armed for the rest');
  clock.advance(1);
  assert.equal(fired, 1);
  cancel();
  assert.equal(scheduleExpiry(NOW_MS, () => void fired++, clock)(), undefined);
  assert.equal(fired, 2, 'a past expiry fires at once');
});

test('a hook may allow a publish with forward URLs: they ride the grant (plays get none)', async () => {
  const hook = () => ({ forward: ['rtmp://cdn.example/app'] });
  const publish = await admit({ ...base, action: 'publish', protocol: 'rtmp' }, { hook, hookTimeoutMs: 1000 });
  assert.ok(publish.allowed);
  assert.deepEqual(publish.grant.forward, ['rtmp://cdn.example/app']);
  const play = await admit(base, { hook, hookTimeoutMs: 1000 });
  assert.ok(play.allowed);
  assert.equal(play.grant.forward, undefined);
  const plain = await admit({ ...base, action: 'publish' }, { hook: () => true, hookTimeoutMs: 1000 });
  assert.ok(plain.allowed && !('forward' in plain.grant));
});
