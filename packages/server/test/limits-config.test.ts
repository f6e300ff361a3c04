import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../src/build-server.js';
import { configFromEnv, resolveConfig } from '../src/config.js';

test('the limits are config keys with flags and env vars, and reach the plugins', async (t) => {
  const env = configFromEnv({ FLVCAST_MAX_STREAMS: '3', FLVCAST_MAX_VIEWERS_PER_IP: '7', FLVCAST_HTTP_HEADERS_TIMEOUT_MS: '2000' });
  const config = resolveConfig(env, { rtmpListen: ['127.0.0.1:0'], logLevel: 'silent', maxConnectionsPerIp: '5' });
  assert.deepEqual([config.maxStreams, config.maxViewersPerIp, config.maxConnectionsPerIp, config.httpHeadersTimeoutMs], [3, 7, 5, 2000]);
  const { app } = await buildServer(config);
  t.after(() => app.close());
  await app.ready();
  assert.equal(app.streams.options.maxStreams, 3);
  assert.equal(app.server.headersTimeout, 2000);
  assert.equal(app.server.requestTimeout, 30_000);
  assert.equal(app.server.keepAliveTimeout, 10_000);
  assert.throws(() => resolveConfig({ maxViewers: 0 }), /maxViewers \(--max-viewers, FLVCAST_MAX_VIEWERS\)/);
});

test('limit defaults: generous for a normal deployment, finite against abuse', () => {
  const c = resolveConfig();
  assert.deepEqual(
    [c.maxConnections, c.maxConnectionsPerIp, c.maxChunkSizeBytes, c.maxStreams, c.maxViewers, c.maxViewersPerIp, c.maxViewersPerStream],
    [1000, 50, 65536, 1000, 10_000, 100, 10_000],
  );
});
