import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { OriginDirectory as RelayOriginDirectory } from '@flvcast/relay';
import { decodeOriginRecord, decodeStreamEntry, RedisDirectory, type OriginDirectory } from '../src/index.js';
import { cam, connectedDirectory, fileRedis, recordingLog, sleep, testPrefix, waitFor } from './directory-helpers.js';
import { skipWithoutRedis } from '@flvcast/test-fixtures';

const skip = skipWithoutRedis();
const shared = fileRedis(skip);

const never = new AbortController().signal;

test('claim: claimed, busy naming the holder, our own again; takeover overwrites and the old holder lets go', { skip }, async (t) => {
  const prefix = testPrefix();
  const aLog = recordingLog();
  const a = await connectedDirectory(shared.redis.url, 'a', prefix, { log: aLog.log, ttlMs: 900 });
  const b = await connectedDirectory(shared.redis.url, 'b', prefix);
  const c = await connectedDirectory(shared.redis.url, 'c', prefix, { takeover: true });
  t.after(() => Promise.all([a.close(), b.close(), c.close()]));

  assert.deepEqual(await a.claim(cam('one')), { status: 'claimed' });
  const entry = decodeStreamEntry(await shared.admin.get(`${prefix}stream:live/one`));
  assert.equal(entry?.origin, 'a');
  assert.equal(entry?.url, 'http://a.test:8080/live/one.flv');
  const pttl = await shared.admin.pttl(`${prefix}stream:live/one`);
  assert.ok(pttl > 0 && pttl <= 900, `the entry has the TTL (${pttl} ms)`);
  assert.deepEqual(await b.claim(cam('one')), { status: 'busy', holder: 'a' });
  assert.equal(b.holds(cam('one')), false);
  // A republish on the holder (the encoder reconnected) is its own claim again.
  assert.deepEqual(await a.claim(cam('one')), { status: 'claimed' });

  assert.deepEqual(await c.claim(cam('one')), { status: 'claimed' });
  assert.equal(decodeStreamEntry(await shared.admin.get(`${prefix}stream:live/one`))?.origin, 'c');
  // a's next heartbeat (every ttl/3) finds c's entry: it stops advertising the stream, without fighting.
  await waitFor('a to let go', () => !a.holds(cam('one')), 2000);
  assert.equal(decodeStreamEntry(await shared.admin.get(`${prefix}stream:live/one`))?.origin, 'c');
  assert.ok(aLog.lines.some((l) => l.level === 'warn' && l.fields.holder === 'c'), 'a says who holds it now');
});

test('release deletes only our own entry', { skip }, async (t) => {
  const prefix = testPrefix();
  const a = await connectedDirectory(shared.redis.url, 'a', prefix);
  const b = await connectedDirectory(shared.redis.url, 'b', prefix, { takeover: true });
  t.after(() => Promise.all([a.close(), b.close()]));
  await a.claim(cam('two'));
  await b.claim(cam('two'));
  // a still believes it holds the stream (no heartbeat since): its release must not delete b's entry.
  assert.equal(a.holds(cam('two')), true);
  assert.equal(await a.release(cam('two')), false);
  assert.equal(decodeStreamEntry(await shared.admin.get(`${prefix}stream:live/two`))?.origin, 'b');
  assert.equal(await b.release(cam('two')), true);
  assert.equal(await shared.admin.exists(`${prefix}stream:live/two`), 0);
  assert.equal(await b.release(cam('two')), false, 'a second release does nothing');
});

test('lookup: the holder URL for others, nothing for the holder itself or an unknown stream; assignable to relay OriginDirectory', { skip }, async (t) => {
  const prefix = testPrefix();
  const a = await connectedDirectory(shared.redis.url, 'a', prefix, { advertise: 'rtmp://10.1.2.3:1935' });
  const edge = await connectedDirectory(shared.redis.url, 'edge', prefix);
  t.after(() => Promise.all([a.close(), edge.close()]));
  // The edge takes this package's directory as its own OriginDirectory, and the two declarations agree both ways.
  const asRelay: RelayOriginDirectory = edge;
  const back: OriginDirectory = asRelay;
  await a.claim({ vhost: 'v1', app: 'live', stream: 'three' });
  assert.deepEqual(await back.lookup({ vhost: 'v1', app: 'live', stream: 'three' }, never), ['rtmp://10.1.2.3:1935/live/three?vhost=v1']);
  assert.deepEqual(await edge.lookup(cam('three'), never), [], 'another vhost is another stream');
  assert.deepEqual(await a.lookup({ vhost: 'v1', app: 'live', stream: 'three' }, never), [], 'never itself');
  const aborted = AbortSignal.abort();
  assert.deepEqual(await edge.lookup({ vhost: 'v1', app: 'live', stream: 'three' }, aborted), [], 'an aborted lookup answers nothing');
  // A value another program wrote under our prefix is not an entry.
  await shared.admin.set(`${prefix}stream:live/junk`, 'not json');
  assert.deepEqual(await edge.lookup(cam('junk'), never), []);
});

test('the heartbeat keeps the origin key with its load and the entries alive past their TTL', { skip }, async (t) => {
  const prefix = testPrefix();
  let viewers = 3;
  const a = await connectedDirectory(shared.redis.url, 'a', prefix, { ttlMs: 600, load: () => ({ streams: 1, viewers }) });
  t.after(() => a.close());
  await a.claim(cam('four'));
  viewers = 7;
  await sleep(1500); // 2.5 TTLs
  const record = decodeOriginRecord(await shared.admin.get(`${prefix}origin:a`));
  assert.deepEqual(record?.load, { streams: 1, viewers: 7 });
  assert.equal(record?.url, 'http://a.test:8080');
  const entry = decodeStreamEntry(await shared.admin.get(`${prefix}stream:live/four`));
  assert.equal(entry?.origin, 'a', 'still there after 2.5 TTLs');
  assert.equal(entry?.load, 7, 'the heartbeat rewrites the load');
});

/** Runs test/dead-origin.js: an origin in its own process that claims `name` and heartbeats until SIGKILLed. */
async function deadOrigin(prefix: string, id: string, ttlMs: number, name: string): Promise<{ kill(): Promise<void> }> {
  const script = fileURLToPath(new URL('./dead-origin.js', import.meta.url));
  const child = spawn(process.execPath, [script, shared.redis.url, prefix, id, String(ttlMs), name], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    child.once('exit', (code) => reject(new Error(`dead-origin exited (${code}) before claiming`)));
  }).catch(async (err: unknown) => {
    await kill();
    throw err;
  });
  assert.deepEqual(JSON.parse(line), { status: 'claimed' });
  return { kill };
}

test('a SIGKILLed origin: its entry and origin key expire by TTL, then the name can be claimed elsewhere', { skip }, async (t) => {
  const prefix = testPrefix();
  const dead = await deadOrigin(prefix, 'doomed', 600, 'live/five');
  t.after(() => dead.kill());
  const b = await connectedDirectory(shared.redis.url, 'b', prefix);
  t.after(() => b.close());
  await sleep(900); // past one TTL: the heartbeat keeps it while the process lives
  assert.deepEqual(await b.lookup(cam('five'), never), ['http://127.0.0.9:8080/live/five.flv']);
  assert.deepEqual(await b.claim(cam('five')), { status: 'busy', holder: 'doomed' });
  await dead.kill();
  const killedAt = performance.now();
  await waitFor('the entry to expire', async () => (await shared.admin.exists(`${prefix}stream:live/five`)) === 0, 3000);
  const expiredMs = performance.now() - killedAt;
  t.diagnostic(`entry gone ${expiredMs.toFixed(0)} ms after the SIGKILL (ttl 600 ms)`);
  assert.ok(expiredMs <= 700, `gone within the TTL of the last heartbeat (${expiredMs.toFixed(0)} ms)`);
  assert.equal(await shared.admin.exists(`${prefix}origin:doomed`), 0);
  assert.deepEqual(await b.lookup(cam('five'), never), []);
  assert.deepEqual(await b.claim(cam('five')), { status: 'claimed' });
});

test('failed(): the entry of an origin whose heartbeat is gone is removed; a live origin or another URL keeps it', { skip }, async (t) => {
  const prefix = testPrefix();
  const dead = await deadOrigin(prefix, 'gone', 60_000, 'live/six');
  t.after(() => dead.kill());
  const alive = await connectedDirectory(shared.redis.url, 'alive', prefix);
  const edgeLog = recordingLog();
  const edge = await connectedDirectory(shared.redis.url, 'edge', prefix, { log: edgeLog.log });
  t.after(() => Promise.all([alive.close(), edge.close()]));
  await alive.claim(cam('seven'));
  const [url] = await edge.lookup(cam('six'), never);
  assert.equal(url, 'http://127.0.0.9:8080/live/six.flv');

  // The origin's process is alive: a failed pull proves nothing about the entry.
  edge.failed(cam('six'), `${url}?token=abc`);
  await sleep(200);
  assert.equal(await shared.admin.exists(`${prefix}stream:live/six`), 1);

  // Killed, and its heartbeat key gone (as when it expires before the entry, 60 s here) while the entry stays.
  await dead.kill();
  await shared.admin.del(`${prefix}origin:gone`);
  edge.failed(cam('six'), 'http://127.0.0.9:8080/live/other.flv');
  await sleep(200);
  assert.equal(await shared.admin.exists(`${prefix}stream:live/six`), 1, 'a URL that is not the entry changes nothing');
  edge.failed(cam('six'), `${url}?token=abc`); // the edge adds its viewer's query: still this entry
  await waitFor('the stale entry to go', async () => (await shared.admin.exists(`${prefix}stream:live/six`)) === 0, 2000);
  assert.ok(edgeLog.lines.some((l) => l.level === 'info' && l.fields.origin === 'gone'));

  // A live origin's entry survives a failed pull from it.
  const [aliveUrl] = await edge.lookup(cam('seven'), never);
  edge.failed(cam('seven'), aliveUrl!);
  await sleep(200);
  assert.equal(decodeStreamEntry(await shared.admin.get(`${prefix}stream:live/seven`))?.origin, 'alive');
});

test('close() releases our entries and origin key, and leaves no timer or socket behind', { skip }, async () => {
  const prefix = testPrefix();
  const kinds = (): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
    return counts;
  };
  await sleep(50);
  const before = kinds();
  const a = await connectedDirectory(shared.redis.url, 'a', prefix);
  await a.claim(cam('eight'));
  await a.claim(cam('nine'));
  assert.ok((kinds().TCPSocketWrap ?? 0) > (before.TCPSocketWrap ?? 0), 'the probe sees the connection');
  await a.close();
  assert.deepEqual(await shared.admin.keys(`${prefix}*`), []);
  await sleep(50);
  const afterClose = kinds();
  for (const kind of ['Timeout', 'TCPSocketWrap']) assert.ok((afterClose[kind] ?? 0) <= (before[kind] ?? 0), `${kind}: ${afterClose[kind]} after close, ${before[kind]} before`);
  // After close: nothing is done, nothing throws.
  assert.deepEqual(await a.lookup(cam('eight'), never), []);
  assert.deepEqual(await a.claim(cam('eight')), { status: 'unavailable' });
  await a.close();
});

test('bad options are refused at construction, naming the option', () => {
  const log = recordingLog().log;
  const base = { url: 'redis://127.0.0.1:1', id: 'a', advertise: 'http://h:1', log };
  assert.throws(() => new RedisDirectory({ ...base, url: 'http://127.0.0.1:6379' }), { code: 'ERR_CLUSTER_BAD_OPTION', option: 'url' });
  assert.throws(() => new RedisDirectory({ ...base, id: 'a b' }), { option: 'id' });
  assert.throws(() => new RedisDirectory({ ...base, advertise: 'rtmp://h/live' }), { option: 'advertise', message: /the app comes from the stream/ });
  assert.throws(() => new RedisDirectory({ ...base, ttlMs: 10 }), { option: 'ttlMs' });
});
