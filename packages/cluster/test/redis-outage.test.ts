import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { decodeStreamEntry, RedisDirectory } from '../src/index.js';
import { cam, connectedDirectory, loggedDirectory, ownRedis, recordingLog, testPrefix, waitFor } from './directory-helpers.js';
import { freePort, skipWithoutRedis } from '@flvcast/test-fixtures';

const skip = skipWithoutRedis();
const never = new AbortController().signal;

/** Runs `fn` and gives how long it took, in ms. */
async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
}

test('Redis stopped and restarted: quick answers while it is away, one warn and one info line, everything registered again', { skip }, async (t) => {
  const redis = await ownRedis(t);
  const prefix = testPrefix();
  const { directory: origin, lines: originLines } = await loggedDirectory(redis.url, 'origin', prefix, { ttlMs: 1500 });
  const { directory: edge, lines: edgeLines } = await loggedDirectory(redis.url, 'edge', prefix, { ttlMs: 1500 });
  t.after(() => Promise.all([origin.close(), edge.close()]));
  assert.deepEqual(await origin.claim(cam('before')), { status: 'claimed' });
  assert.deepEqual(await edge.lookup(cam('before'), never), ['http://origin.test:8080/live/before.flv']);

  await redis.stop();
  await waitFor('the edge to notice', () => edge.available === false);
  const slowest = { lookup: 0, claim: 0 };
  // Viewers (lookups) and encoders (claims) are never held up, however often they ask.
  for (let i = 0; i < 20; i++) {
    const [urls, lookupMs] = await timed(() => edge.lookup(cam('before'), never));
    assert.deepEqual(urls, []);
    const [claim, claimMs] = await timed(() => origin.claim(cam(`during${i % 2}`)));
    assert.deepEqual(claim, { status: 'unavailable' });
    slowest.lookup = Math.max(slowest.lookup, lookupMs);
    slowest.claim = Math.max(slowest.claim, claimMs);
  }
  t.diagnostic(`while Redis is down: slowest lookup ${slowest.lookup.toFixed(1)} ms, slowest claim ${slowest.claim.toFixed(1)} ms (20 each)`);
  assert.ok(slowest.lookup < 50 && slowest.claim < 50, `answered at once (${JSON.stringify(slowest)})`);
  // The origin serves what it was let through: it holds the names, to register them later.
  assert.equal(origin.holds(cam('during0')), true);
  assert.equal(origin.holds(cam('before')), true);
  // A release while Redis is away only forgets locally (the entry would expire by itself).
  assert.equal(await origin.release(cam('during1')), false);

  const [, restartMs] = await timed(() => redis.restart()); // empty: it saved nothing
  t.diagnostic(`redis-server restarted on port ${redis.port} in ${restartMs.toFixed(0)} ms`);
  const admin = new Redis(redis.url);
  t.after(() => admin.disconnect());
  const [, reRegisterMs] = await timed(() =>
    waitFor('the origin to register its streams again', async () => {
      const [before, during0] = await admin.mget(`${prefix}stream:live/before`, `${prefix}stream:live/during0`);
      return decodeStreamEntry(before)?.origin === 'origin' && decodeStreamEntry(during0)?.origin === 'origin';
    }, 6000),
  );
  t.diagnostic(`streams registered again ${reRegisterMs.toFixed(0)} ms after redis-server listened`);
  assert.equal(await admin.exists(`${prefix}stream:live/during1`), 0, 'a stream released meanwhile is not registered');
  assert.equal(await admin.exists(`${prefix}origin:origin`), 1);
  await waitFor('the edge to reconnect', () => edge.available === true, 6000);
  assert.deepEqual(await edge.lookup(cam('during0'), never), ['http://origin.test:8080/live/during0.flv']);

  for (const { lines, who } of [{ lines: originLines, who: 'origin' }, { lines: edgeLines, who: 'edge' }]) {
    assert.equal(lines.filter((l) => l.level === 'warn' && /Redis unreachable/.test(l.message)).length, 1, `${who}: one warn line for the outage`);
    assert.equal(lines.filter((l) => l.level === 'info' && /reachable again/.test(l.message)).length, 1, `${who}: one info line when it is back`);
  }
});

test('a name claimed elsewhere while Redis forgot ours is logged, not fought over', { skip }, async (t) => {
  const redis = await ownRedis(t);
  const prefix = testPrefix();
  const { directory: a, lines: aLines } = await loggedDirectory(redis.url, 'a', prefix, { ttlMs: 1500 });
  t.after(() => a.close());
  await a.claim(cam('contested'));
  await redis.stop();
  await waitFor('a to notice', () => a.available === false);
  await redis.restart();
  // b gets to Redis first after the restart and claims the name.
  const b = new RedisDirectory({ url: redis.url, id: 'b', prefix, advertise: 'http://b.test:8080', log: recordingLog().log });
  t.after(() => b.close());
  await waitFor('b to claim', async () => (await b.claim(cam('contested'))).status === 'claimed');
  await waitFor('a to give up the name', () => !a.holds(cam('contested')), 6000);
  const admin = new Redis(redis.url);
  t.after(() => admin.disconnect());
  assert.equal(decodeStreamEntry(await admin.get(`${prefix}stream:live/contested`))?.origin, 'b');
  assert.ok(aLines.some((l) => l.level === 'warn' && l.fields.holder === 'b'));
});

test('no Redis at all: lookups answer [] and claims unavailable at once; close() returns', async (t) => {
  const port = await freePort(); // nothing listens there
  const log = recordingLog();
  const directory = new RedisDirectory({ url: `redis://127.0.0.1:${port}`, id: 'lonely', advertise: 'http://h:1', log: log.log });
  t.after(() => directory.close());
  const [urls, lookupMs] = await timed(() => directory.lookup(cam('x'), never));
  const [claim, claimMs] = await timed(() => directory.claim(cam('x')));
  assert.deepEqual(urls, []);
  assert.deepEqual(claim, { status: 'unavailable' });
  assert.ok(lookupMs < 50 && claimMs < 50, `at once (${lookupMs.toFixed(1)}, ${claimMs.toFixed(1)} ms)`);
  await waitFor('the warn line', () => log.lines.some((l) => l.level === 'warn'), 3000);
  const [, closeMs] = await timed(() => directory.close());
  assert.ok(closeMs < 1500, `close returned in ${closeMs.toFixed(0)} ms`);
});

test('a hung Redis (SIGSTOP): every command ends within commandTimeoutMs, a lookup also at its signal', { skip }, async (t) => {
  const redis = await ownRedis(t);
  const prefix = testPrefix();
  const a = await connectedDirectory(redis.url, 'a', prefix, { commandTimeoutMs: 300 });
  t.after(() => a.close());
  redis.freeze(true);
  const [claim, claimMs] = await timed(() => a.claim(cam('hung')));
  assert.deepEqual(claim, { status: 'unavailable' });
  assert.ok(claimMs >= 250 && claimMs < 800, `the claim gave up after the command timeout (${claimMs.toFixed(0)} ms)`);
  const [urls, lookupMs] = await timed(() => a.lookup(cam('hung'), AbortSignal.timeout(100)));
  assert.deepEqual(urls, []);
  assert.ok(lookupMs < 250, `the lookup ended at its signal (${lookupMs.toFixed(0)} ms)`);
  t.diagnostic(`hung Redis: claim ${claimMs.toFixed(0)} ms (commandTimeoutMs 300), lookup ${lookupMs.toFixed(0)} ms (signal 100)`);
  redis.freeze(false);
  await waitFor('a to register the stream', async () => {
    const admin = new Redis(redis.url);
    try {
      return decodeStreamEntry(await admin.get(`${prefix}stream:live/hung`))?.origin === 'a';
    } finally {
      admin.disconnect();
    }
  }, 6000);
});
