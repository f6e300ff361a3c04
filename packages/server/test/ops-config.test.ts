import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../src/build-server.js';
import { resolveConfig } from '../src/config.js';

async function server(layer: Record<string, unknown>) {
  const { app } = await buildServer(resolveConfig({ httpListen: ['127.0.0.1:0'], rtmpListen: ['127.0.0.1:0'], logLevel: 'silent', ...layer }));
  return app;
}

const remote = '198.51.100.20';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test('by default the API and /metrics are on, open to loopback only (403 from elsewhere)', async (t) => {
  const app = await server({});
  t.after(() => app.close());
  for (const url of ['/api/v1/streams', '/api/v1/clients', '/api/v1/summary', '/metrics']) {
    assert.equal((await app.inject({ url, remoteAddress: '127.0.0.1' })).statusCode, 200, url);
    assert.equal((await app.inject({ url, remoteAddress: remote })).statusCode, 403, url);
  }
  assert.match((await app.inject('/metrics')).body, /^flvcast_streams 0$/m);
});

test('apiToken lets remote clients in with the token, for the API and (without metricsToken) for /metrics', async (t) => {
  const app = await server({ apiToken: 'api-secret' });
  t.after(() => app.close());
  for (const url of ['/api/v1/streams', '/metrics']) {
    assert.equal((await app.inject({ url, remoteAddress: remote })).statusCode, 401, url);
    assert.equal((await app.inject({ url, remoteAddress: remote, headers: bearer('api-secret') })).statusCode, 200, url);
  }
});

test('metricsToken: a scrape-only token that does not open the API, and the API token does not open /metrics', async (t) => {
  const app = await server({ apiToken: 'api-secret', metricsToken: 'scrape-secret' });
  t.after(() => app.close());
  assert.equal((await app.inject({ url: '/metrics', remoteAddress: remote, headers: bearer('scrape-secret') })).statusCode, 200);
  assert.equal((await app.inject({ url: '/metrics', remoteAddress: remote, headers: bearer('api-secret') })).statusCode, 401);
  assert.equal((await app.inject({ url: '/api/v1/streams', remoteAddress: remote, headers: bearer('scrape-secret') })).statusCode, 401);
});

test('api: false and metrics: false leave the routes out', async (t) => {
  const app = await server({ api: false, metrics: false });
  t.after(() => app.close());
  assert.equal((await app.inject('/api/v1/streams')).statusCode, 404);
  assert.equal((await app.inject('/metrics')).statusCode, 404);
});
