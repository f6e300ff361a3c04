import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hub } from '@flvcast/hub';
import { decodeOriginRecord, decodeStreamEntry, HubRegistration, hubLoad } from '../src/index.js';
import { cam, connectedDirectory, fileRedis, recordingLog, sleep, testPrefix, waitFor } from './directory-helpers.js';
import { skipWithoutRedis } from '@flvcast/test-fixtures';

const skip = skipWithoutRedis();
const shared = fileRedis(skip);

const holder = async (prefix: string, stream: string): Promise<string | undefined> => decodeStreamEntry(await shared.admin.get(`${prefix}stream:live/${stream}`))?.origin;

/** An origin: a hub, its directory (load from the hub) and the registration tying them. */
async function origin(id: string, prefix: string, confirmMs = 2000) {
  const hub = new Hub();
  const log = recordingLog();
  const directory = await connectedDirectory(shared.redis.url, id, prefix, { ttlMs: 900, load: () => hubLoad(hub) });
  const registration = new HubRegistration(hub, directory, { log: log.log, confirmMs });
  return {
    hub,
    directory,
    registration,
    log,
    close: async () => {
      registration.close();
      await directory.close();
    },
  };
}

test('a publish admitted here is claimed, released when its publisher ends; a second origin is refused naming the holder', { skip }, async (t) => {
  const prefix = testPrefix();
  const a = await origin('a', prefix);
  const b = await origin('b', prefix);
  t.after(() => Promise.all([a.close(), b.close()]));

  assert.equal(await a.registration.admitPublish(cam('cam1')), undefined);
  const publisher = a.hub.publish(cam('cam1'), { protocol: 'rtmp' });
  assert.equal(await holder(prefix, 'cam1'), 'a');
  assert.equal(await b.registration.admitPublish(cam('cam1')), 'stream held by origin a');

  publisher.end();
  await waitFor('the release', async () => (await holder(prefix, 'cam1')) === undefined, 2000);
  assert.equal(a.directory.holds(cam('cam1')), false);
  // Now the name is free for b.
  assert.equal(await b.registration.admitPublish(cam('cam1')), undefined);
  assert.equal(await holder(prefix, 'cam1'), 'b');
});

test('a claim whose publish never comes (refused by the hub, encoder gone) is released', { skip }, async (t) => {
  const prefix = testPrefix();
  const a = await origin('a', prefix, 150);
  t.after(() => a.close());
  assert.equal(await a.registration.admitPublish(cam('ghost')), undefined);
  assert.equal(await holder(prefix, 'ghost'), 'a');
  await waitFor('the unconfirmed claim to go', async () => (await holder(prefix, 'ghost')) === undefined, 2000);

  // A confirmed one stays past confirmMs and past its TTL (the heartbeat keeps it).
  assert.equal(await a.registration.admitPublish(cam('real')), undefined);
  a.hub.publish(cam('real'), { protocol: 'rtmp' });
  await sleep(1200);
  assert.equal(await holder(prefix, 'real'), 'a');
});

test('pulled streams are never claimed; publishes without admission (file sources) are claimed when they start', { skip }, async (t) => {
  const prefix = testPrefix();
  const a = await origin('a', prefix);
  const b = await origin('b', prefix);
  t.after(() => Promise.all([a.close(), b.close()]));

  const pulled = a.hub.publish(cam('relayed'), { protocol: 'pull' });
  await sleep(100);
  assert.equal(await holder(prefix, 'relayed'), undefined, "an edge's pull is its origin's stream");
  pulled.end();

  a.hub.publish(cam('file'), { protocol: 'file' });
  await waitFor('the file source claimed', async () => (await holder(prefix, 'file')) === 'a', 2000);
  // b has a file source of the same name: served there, not advertised, and b says so.
  b.hub.publish(cam('file'), { protocol: 'file' });
  await waitFor('b to warn', () => b.log.lines.some((l) => l.level === 'warn' && l.fields.holder === 'a'), 2000);
  assert.equal(await holder(prefix, 'file'), 'a');
});

test('the heartbeat carries the hub load: streams published here and viewers', { skip }, async (t) => {
  const prefix = testPrefix();
  const a = await origin('a', prefix);
  t.after(() => a.close());
  a.hub.publish(cam('one'), { protocol: 'rtmp' });
  a.hub.publish(cam('two'), { protocol: 'pull' });
  const slot = a.hub.viewers.acquire('10.0.0.1', 'live/one');
  t.after(() => typeof slot === 'object' && slot.release());
  await waitFor('the load in the origin key', async () => {
    const record = decodeOriginRecord(await shared.admin.get(`${prefix}origin:a`));
    return record?.load.streams === 1 && record.load.viewers === 1;
  }, 2000);
});
