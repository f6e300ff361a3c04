import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastifyOpsApi, fastifyOpsMetrics, type ForwardStatusLike, type PullStatusLike } from '../src/index.js';
import { appWithHub } from './fixtures.js';

const forward: ForwardStatusLike = {
  stream: 'live/cam1',
  url: 'rtmp://user:pw@cdn.example:1935/app/cam1?token=secret&k=v',
  state: 'forwarding',
  connectedSince: Date.UTC(2026, 0, 1),
  bytes: 12345,
  drops: 7,
  skips: 1,
  reconnects: 2,
  queuedBytes: 100,
  socketBufferedBytes: 20,
  lastError: { code: 'ERR_RELAY_CLOSED', message: 'rtmp://cdn.example:1935/app?token=secret: the peer closed the connection', at: Date.UTC(2026, 0, 1) },
};
const pull: PullStatusLike = { stream: 'live/in', url: 'http://origin/live/in.flv', onDemand: true, state: 'idle', connectedSince: undefined, bytes: 5, reconnects: 0, lastError: undefined };

test('GET /api/v1/forwards and /pulls: the relay status with tokens and credentials cut out; empty lists without a relay', async (t) => {
  const { app } = await appWithHub();
  t.after(() => app.close());
  await app.register(fastifyOpsApi, { allowWithoutToken: 'loopback' });
  const bare = await appWithHub();
  t.after(() => bare.app.close());
  await bare.app.register(fastifyOpsApi, { allowWithoutToken: 'loopback' });
  assert.deepEqual((await bare.app.inject('/api/v1/forwards')).json(), { forwards: [] });
  assert.deepEqual((await bare.app.inject('/api/v1/pulls')).json(), { pulls: [] });
  app.decorate('relay', { forwards: () => [forward], pulls: () => [pull] });
  assert.deepEqual((await app.inject('/api/v1/forwards')).json(), {
    forwards: [
      {
        stream: 'live/cam1',
        url: 'rtmp://cdn.example:1935/app/cam1?token=[redacted]&k=v',
        state: 'forwarding',
        connectedSince: '2026-01-01T00:00:00.000Z',
        bytes: 12345,
        drops: 7,
        skips: 1,
        reconnects: 2,
        queuedBytes: 100,
        socketBufferedBytes: 20,
        lastError: { code: 'ERR_RELAY_CLOSED', message: 'rtmp://cdn.example:1935/app?token=[redacted] the peer closed the connection', at: '2026-01-01T00:00:00.000Z' },
      },
    ],
  });
  assert.deepEqual((await app.inject('/api/v1/pulls')).json(), {
    pulls: [{ stream: 'live/in', url: 'http://origin/live/in.flv', onDemand: true, state: 'idle', connectedSince: null, bytes: 5, reconnects: 0, lastError: null }],
  });
});

test('metrics: flvcast_forward_* and flvcast_pull_* per destination, labels without query or credentials', async (t) => {
  const { app } = await appWithHub();
  t.after(() => app.close());
  await app.register(fastifyOpsMetrics, { allowWithoutToken: 'loopback', processMetrics: false });
  let forwards = [forward];
  app.decorate('relay', { forwards: () => forwards, pulls: () => [pull] });
  const body = (await app.inject('/metrics')).body;
  const labels = 'stream="live/cam1",destination="rtmp://cdn.example:1935/app/cam1"';
  for (const line of [
    `flvcast_forward_up{${labels}} 1`,
    `flvcast_forward_sent_bytes{${labels}} 12345`,
    `flvcast_forward_dropped_frames{${labels}} 7`,
    `flvcast_forward_reconnects{${labels}} 2`,
    `flvcast_forward_queued_bytes{${labels}} 120`,
    'flvcast_pull_up{stream="live/in"} 0',
    'flvcast_pull_received_bytes{stream="live/in"} 5',
    'flvcast_pull_reconnects{stream="live/in"} 0',
  ]) {
    assert.ok(body.includes(line), `missing ${line}`);
  }
  assert.ok(!body.includes('secret'));
  forwards = [];
  assert.ok(!(await app.inject('/metrics')).body.includes('flvcast_forward_up{'), 'a forward that went leaves no series');
});
