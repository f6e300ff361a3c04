import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hub } from '@flvcast/hub';
import { aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader } from '@flvcast/test-fixtures';
import { Forwarder } from '../src/index.js';
import { startTestServer, type SeenConnection } from './rtmp-test-server.js';
import { quiet, sleep, waitFor } from './test-helpers.js';


const forwarderOptions = {
  limits: { maxQueueBytes: 1024 * 1024, maxQueueMs: 10_000, stallTimeoutMs: 30_000 },
  reconnectMinMs: 50,
  reconnectMaxMs: 400,
  client: { connectTimeoutMs: 2000, handshakeTimeoutMs: 2000, startTimeoutMs: 2000, highWaterBytes: 256 * 1024 },
  lookupTimeoutMs: 1000,
  log: quiet,
};

const published = (c: SeenConnection) => c.events.find((e) => e.type === 'publish') as { name: string; query: Record<string, string> } | undefined;
const connectObject = (c: SeenConnection) => (c.events.find((e) => e.type === 'connect') as { command: Record<string, unknown> } | undefined)?.command;

test('a matching publish is forwarded with its hop count in the connect object and the stream name', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const hub = new Hub({ reconnectGraceMs: 200 });
  const forwarder = new Forwarder(hub, { ...forwarderOptions, rules: [{ match: 'live/*', url: `${server.url}/relay` }, { match: 'other/*', url: `${server.url}/nope` }] });
  t.after(() => forwarder.close());

  const publisher = hub.publish({ vhost: '', app: 'live', stream: 'cam1' }, { protocol: 'rtmp', hops: 2 });
  publisher.data('onMetaData', { width: 320, height: 240 });
  publisher.video(0, avcSequenceHeader);
  publisher.audio(0, aacSequenceHeader);
  publisher.video(0, avcKeyframe());
  const conn = await waitFor('the forward to publish', () => server.connections.find((c) => published(c) !== undefined));
  assert.equal(server.connections.length, 1, 'the other/* rule does not match');
  assert.deepEqual(published(conn), { type: 'publish', streamId: 1, name: 'cam1', query: { flvcastHops: '3' }, publishType: 'live' });
  assert.equal(connectObject(conn)?.['flvcastHops'], 3);
  assert.equal(connectObject(conn)?.['app'], 'relay');

  for (let i = 1; i <= 10; i++) {
    publisher.video(i * 40, avcInterframe(i));
    publisher.audio(i * 40, aacFrame(i));
  }
  const media = await waitFor('the media at the destination', () => {
    const m = conn.events.filter((e) => e.type === 'video' || e.type === 'audio');
    return m.length >= 23 ? m : undefined;
  });
  assert.deepEqual(
    media.slice(0, 3).map((e) => e.type),
    ['video', 'audio', 'video'],
    'sequence headers, then the GOP',
  );
  assert.ok(conn.events.some((e) => e.type === 'metadata'), 'onMetaData went too');
  const [status] = forwarder.list();
  assert.equal(status?.state, 'forwarding');
  assert.equal(status?.stream, 'live/cam1');
  assert.ok((status?.bytes ?? 0) > 0);
  assert.equal(hub.get({ vhost: '', app: 'live', stream: 'cam1' })?.viewerCount, 0, 'a forward is no viewer');

  // The publisher leaves: after the grace window the forward unpublishes and stops.
  publisher.end();
  await waitFor('the forward to unpublish', () => conn.events.some((e) => e.type === 'unpublish'));
  await waitFor('the forward to be gone', () => forwarder.list().length === 0);
});

test('a destination that drops the connection is reconnected with back-off, and resumes at a keyframe', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const hub = new Hub({ reconnectGraceMs: 200 });
  const forwarder = new Forwarder(hub, { ...forwarderOptions, rules: [{ match: 'live/*', url: `${server.url}/relay/renamed?k=v` }] });
  t.after(() => forwarder.close());
  const publisher = hub.publish({ vhost: '', app: 'live', stream: 'cam1' }, { protocol: 'rtmp' });
  publisher.video(0, avcSequenceHeader);
  publisher.video(0, avcKeyframe());
  const first = await waitFor('the first connection', () => server.connections.find((c) => published(c) !== undefined));
  assert.deepEqual(published(first)?.query, { k: 'v', flvcastHops: '1' });
  assert.equal(published(first)?.name, 'renamed');
  first.socket.destroy();
  await waitFor('the forward to notice', () => forwarder.list()[0]?.state === 'waiting' || forwarder.list()[0]?.state === 'connecting');
  const second = await waitFor('a second connection', () => server.connections.find((c) => c !== first && published(c) !== undefined));
  // The new connection starts from the cached GOP: configuration and keyframe first.
  const videos = await waitFor('the GOP on the new connection', () => {
    const v = second.events.filter((e) => e.type === 'video') as { payload: Uint8Array }[];
    return v.length >= 2 ? v : undefined;
  });
  assert.equal(videos[0]!.payload[1], 0, 'sequence header first');
  assert.equal(videos[1]!.payload[0], 0x17, 'then a keyframe');
  const status = await waitFor('forwarding again', () => (forwarder.list()[0]?.state === 'forwarding' ? forwarder.list()[0] : undefined));
  assert.equal(status.reconnects, 1);
  assert.match(status.lastError?.code ?? '', /^ERR_RELAY_(CLOSED|SOCKET)$/, 'a FIN or a reset, as the kernel has it');
  publisher.end();
});

test('a destination that stops reading costs bounded memory: the socket stays under its high-water mark, the hub queue under its bound, drops are counted', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const hub = new Hub({ reconnectGraceMs: 0 });
  const highWater = 256 * 1024;
  const maxQueue = 1024 * 1024;
  const forwarder = new Forwarder(hub, { ...forwarderOptions, client: { ...forwarderOptions.client, highWaterBytes: highWater }, limits: { maxQueueBytes: maxQueue, maxQueueMs: 600_000, stallTimeoutMs: 600_000 }, rules: [{ match: 'live/*', url: `${server.url}/relay` }] });
  t.after(() => forwarder.close());
  const publisher = hub.publish({ vhost: '', app: 'live', stream: 'big' }, { protocol: 'rtmp' });
  publisher.video(0, avcSequenceHeader);
  const conn = await waitFor('the forward to publish', () => server.connections.find((c) => published(c) !== undefined));
  conn.socket.pause(); // accepts, then never reads again
  const frame = (keyframe: boolean): Uint8Array => {
    const f = new Uint8Array(64 * 1024);
    f.set(keyframe ? avcKeyframe() : avcInterframe());
    return f;
  };
  let maxSocket = 0;
  let maxQueued = 0;
  // 128 MB at 64 KB a frame, a keyframe every 25: far more than the kernel's socket buffers take (loopback's
  // autotuning let 30-50 MB through in CI runs, so 64 MB left too thin a margin).
  for (let i = 0; i < 2000; i++) {
    publisher.video(i * 40, frame(i % 25 === 0));
    const s = forwarder.list()[0]!;
    maxSocket = Math.max(maxSocket, s.socketBufferedBytes);
    maxQueued = Math.max(maxQueued, s.queuedBytes);
    if (i % 50 === 0) await sleep(1); // let the socket flush what the kernel takes
  }
  const s = forwarder.list()[0]!;
  t.diagnostic(`128 MB published to a destination that reads nothing: socket buffer peak ${maxSocket} B, hub queue peak ${maxQueued} B, ${s.drops} frames dropped in ${s.skips} skips`);
  assert.equal(s.state, 'forwarding');
  assert.ok(maxSocket <= highWater + 128 * 1024, `socket buffer peaked at ${maxSocket} bytes (high water ${highWater} + one frame)`);
  assert.ok(maxQueued <= maxQueue + 64 * 1024, `hub queue peaked at ${maxQueued} bytes (bound ${maxQueue} + one frame)`);
  // Of 2000 frames, what the kernel's socket buffers, the high-water mark and the queue hold got through; the
  // rest must have been dropped, not kept.
  assert.ok(s.drops > 1000, `frames dropped: ${s.drops}`);
  assert.ok(s.skips > 0);
  publisher.end();
});

test('a destination that accepts TCP but never answers the handshake times out and is retried', async (t) => {
  const server = await startTestServer({ read: false });
  t.after(() => server.close());
  const hub = new Hub({ reconnectGraceMs: 0 });
  const forwarder = new Forwarder(hub, { ...forwarderOptions, client: { ...forwarderOptions.client, handshakeTimeoutMs: 200 }, rules: [{ match: 'live/*', url: `${server.url}/relay` }] });
  t.after(() => forwarder.close());
  const publisher = hub.publish({ vhost: '', app: 'live', stream: 'x' }, { protocol: 'rtmp' });
  const status = await waitFor('a handshake timeout', () => (forwarder.list()[0]?.lastError?.code === 'ERR_RELAY_HANDSHAKE_TIMEOUT' ? forwarder.list()[0] : undefined));
  assert.notEqual(status.state, 'forwarding');
  publisher.end();
});

test('the lookup adds destinations per publish; a failing lookup adds none', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const hub = new Hub({ reconnectGraceMs: 0 });
  const asked: unknown[] = [];
  const forwarder = new Forwarder(hub, {
    ...forwarderOptions,
    rules: [],
    lookup: (req) => {
      asked.push(req);
      if (req.stream === 'bad') throw new Error('backend down');
      return [`${server.url}/dyn`];
    },
  });
  t.after(() => forwarder.close());
  const p1 = hub.publish({ vhost: '', app: 'live', stream: 'cam9' }, { protocol: 'rtmp', query: { token: 't' } });
  const conn = await waitFor('the dynamic forward', () => server.connections.find((c) => published(c) !== undefined));
  assert.equal(published(conn)?.name, 'cam9');
  assert.deepEqual(asked[0], { vhost: '', app: 'live', stream: 'cam9', query: { token: 't' }, protocol: 'rtmp', remoteAddress: undefined, hops: 0 });
  const p2 = hub.publish({ vhost: '', app: 'live', stream: 'bad' }, { protocol: 'rtmp' });
  await sleep(50);
  assert.deepEqual(forwarder.list().map((f) => f.stream), ['live/cam9']);
  p1.end();
  p2.end();
});

test('forward URLs a publisher carries (the onPublish grant) are forwarded too, once each', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const hub = new Hub({ reconnectGraceMs: 0 });
  const forwarder = new Forwarder(hub, { ...forwarderOptions, rules: [{ match: 'live/*', url: `${server.url}/granted` }] });
  t.after(() => forwarder.close());
  const publisher = hub.publish({ vhost: '', app: 'live', stream: 'g1' }, { protocol: 'rtmp', forward: [`${server.url}/granted`, `${server.url}/extra`] });
  await waitFor('two forwards', () => server.connections.filter((c) => published(c) !== undefined).length === 2);
  assert.deepEqual(forwarder.list().map((f) => f.url).sort(), [`${server.url}/extra`, `${server.url}/granted`]);
  publisher.end();
});
