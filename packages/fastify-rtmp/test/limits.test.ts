import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { RtmpClientEvent } from '@flvcast/rtmp';
import { assertOptionsRefused } from './refused-options.js';
import { TestClient, startApp, until } from './test-client.js';

test('maxConnectionsPerIp: one more connection from that address is closed before any byte; others are not affected', async (t) => {
  const { app, port, hits, warns } = await startApp({ maxConnectionsPerIp: 2, maxConnections: 10 });
  t.after(() => app.close());
  const a = [new TestClient(port), new TestClient(port)];
  for (const c of a) await c.settle();
  assert.deepEqual(a.map((c) => c.connected), [true, true]);
  const refused = new TestClient(port);
  await refused.settle();
  assert.equal(refused.closed, true, 'the third connection from 127.0.0.1 is closed');
  assert.equal(refused.received, 0, 'without a single byte (no S0/S1)');
  const other = new TestClient(port, '127.0.0.2');
  await other.settle();
  assert.equal(other.connected, true, 'another address still connects');
  assert.deepEqual(hits, [{ limit: 'maxConnectionsPerIp', protocol: 'rtmp', remoteAddress: '127.0.0.1' }]);
  const line = warns.find((l) => l.code === 'ERR_RTMP_TOO_MANY_CONNECTIONS_PER_IP');
  assert.ok(line !== undefined, JSON.stringify(warns));
  assert.equal(line.ip, '127.0.0.1');
  assert.equal(line.limit, 'maxConnectionsPerIp');
  // A slot that frees is usable again, and nothing is kept per address once its connections are gone.
  a[0]!.socket.destroy();
  await until(() => app.rtmp.connections === 2, 'the server to see the close');
  const again = new TestClient(port);
  await again.settle();
  assert.equal(again.connected, true, 'a freed slot can be used again');
  for (const c of [a[1]!, other, again]) c.socket.destroy();
  await until(() => app.rtmp.connections === 0, 'all connections to close');
  assert.equal(app.rtmp.clientAddresses, 0, 'per-address counters are freed');
});

test('maxConnections: the connection beyond the total is closed, whatever its address', async (t) => {
  const { app, port, hits, warns } = await startApp({ maxConnections: 2, maxConnectionsPerIp: 100 });
  t.after(() => app.close());
  const ok = [new TestClient(port, '127.0.0.1'), new TestClient(port, '127.0.0.2')];
  for (const c of ok) await c.settle();
  const refused = new TestClient(port, '127.0.0.3');
  await refused.settle();
  assert.equal(refused.closed, true);
  assert.equal(refused.received, 0);
  assert.deepEqual(ok.map((c) => c.connected), [true, true], 'the first two are untouched');
  assert.deepEqual(hits, [{ limit: 'maxConnections', protocol: 'rtmp', remoteAddress: '127.0.0.3' }]);
  assert.ok(warns.some((l) => l.code === 'ERR_RTMP_TOO_MANY_CONNECTIONS' && l.ip === '127.0.0.3'), JSON.stringify(warns));
  for (const c of ok) c.socket.destroy();
});

test('a client hammering a limit gets every hit counted but only a burst of log lines', async (t) => {
  const { app, port, hits, warns } = await startApp({ maxConnectionsPerIp: 1 });
  t.after(() => app.close());
  const holder = new TestClient(port);
  await holder.settle();
  for (let i = 0; i < 10; i++) {
    const batch = Array.from({ length: 20 }, () => new TestClient(port));
    await Promise.all(batch.map((c) => c.settle()));
    assert.ok(batch.every((c) => c.closed));
  }
  assert.equal(hits.length, 200, 'every refusal is a limit event');
  const lines = warns.filter((l) => l.code === 'ERR_RTMP_TOO_MANY_CONNECTIONS_PER_IP');
  assert.ok(lines.length >= 1 && lines.length <= 20, `${lines.length} warn lines for 200 refusals`);
  holder.socket.destroy();
});

test('maxStreams (hub option): a publish on a new key beyond it gets NetStream.Publish.Rejected, then the close', async (t) => {
  const { app, port, hits, warns } = await startApp({}, { maxStreams: 1 });
  t.after(() => app.close());
  const first = new TestClient(port);
  await first.settle();
  first.session.publish('one');
  first.flush();
  await until(() => first.events.some((e) => e.type === 'published'), 'the first publish');
  const second = new TestClient(port);
  await second.settle();
  second.session.publish('two');
  second.flush();
  await until(() => second.closed, 'the refused publisher to be closed');
  const status = second.events.find((e): e is Extract<RtmpClientEvent, { type: 'status' }> => e.type === 'status' && e.level === 'error');
  assert.ok(status !== undefined, JSON.stringify(second.events.map((e) => e.type)));
  assert.equal(status.code, 'NetStream.Publish.Rejected');
  assert.match(status.description, /maxStreams/);
  assert.equal(app.streams.size, 1);
  assert.equal(first.closed, false, 'the first publisher is untouched');
  assert.deepEqual(hits, [{ limit: 'maxStreams', protocol: 'rtmp', remoteAddress: '127.0.0.1' }]);
  assert.ok(warns.some((l) => l.code === 'ERR_HUB_TOO_MANY_STREAMS' && l.stream === 'live/two'), JSON.stringify(warns));
  first.socket.destroy();
});

test('timeouts and size limits are reported as limit events with the client', async (t) => {
  const { app, port, hits } = await startApp({ handshakeTimeoutMs: 150, firstPacketTimeoutMs: 300, idleTimeoutMs: 300, maxChunkSizeBytes: 4096, maxMessageSizeBytes: 4096 });
  t.after(() => app.close());
  const silent = connect({ port, host: '127.0.0.1' });
  silent.on('error', () => {});
  await new Promise((r) => silent.once('close', r));
  const big = new TestClient(port);
  await big.settle();
  // Set Chunk Size (type 1) of 8192 on csid 2, over the server's maxChunkSizeBytes.
  big.socket.write(Uint8Array.from([0x02, 0, 0, 0, 0, 0, 4, 0x01, 0, 0, 0, 0, 0, 0, 0x20, 0]));
  await until(() => big.closed, 'the oversized chunk size to close the connection');
  const huge = new TestClient(port);
  await huge.settle();
  // A video message (type 9) on csid 6 declaring 5000 bytes, over maxMessageSizeBytes.
  huge.socket.write(Uint8Array.from([0x06, 0, 0, 0, 0, 0x13, 0x88, 0x09, 1, 0, 0, 0]));
  await until(() => huge.closed, 'the oversized message to close the connection');
  const idle = new TestClient(port);
  await idle.settle();
  await until(() => idle.closed, 'a connection that never publishes to time out', 2000);
  const publisher = new TestClient(port);
  await publisher.settle();
  publisher.session.publish('quiet');
  publisher.flush();
  await until(() => publisher.events.some((e) => e.type === 'published'), 'the publish');
  publisher.session.sendVideo(0, Uint8Array.from([0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65, 0]));
  publisher.flush();
  await until(() => publisher.closed, 'a publisher that goes quiet to time out', 2000);
  assert.deepEqual(hits.map((h) => h.limit), ['handshakeTimeoutMs', 'maxChunkSize', 'maxMessageSize', 'firstPacketTimeoutMs', 'idleTimeoutMs']);
  assert.ok(hits.every((h) => h.protocol === 'rtmp' && h.remoteAddress === '127.0.0.1'));
});

test('the connection limits are validated', async () => {
  await assertOptionsRefused([{ maxConnections: 0 }, { maxConnectionsPerIp: -1 }, { maxConnectionsPerIp: 'many' }]);
});
