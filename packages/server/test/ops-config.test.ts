import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../src/build-server.js';
import { ConfigError, resolveConfig } from '../src/config.js';

async function server(layer: Record<string, unknown>) {
  const built = await buildServer(resolveConfig({ httpListen: ['127.0.0.1:0'], rtmpListen: ['127.0.0.1:0'], apiListen: ['127.0.0.1:0'], logLevel: 'silent', ...layer }));
  return { app: built.app, api: built.api! };
}

const remote = '198.51.100.20';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const OPS_URLS = ['/api/v1/streams', '/api/v1/clients', '/api/v1/summary', '/metrics'];

test('by default the API and /metrics are on the API listener, open to loopback only (403 from elsewhere)', async (t) => {
  const { app, api } = await server({});
  t.after(() => app.close());
  for (const url of OPS_URLS) {
    assert.equal((await api.inject({ url, remoteAddress: '127.0.0.1' })).statusCode, 200, url);
    assert.equal((await api.inject({ url, remoteAddress: remote })).statusCode, 403, url);
  }
  assert.match((await api.inject('/metrics')).body, /^flvcast_streams 0$/m);
});

test('the public listener never serves the API or /metrics: 404 from loopback too, with or without a token', async (t) => {
  // Behind a reverse proxy on the same host every request comes from 127.0.0.1.
  const { app } = await server({ apiToken: 'api-secret', trustProxy: '127.0.0.1' });
  t.after(() => app.close());
  for (const url of OPS_URLS) {
    for (const headers of [{}, bearer('api-secret'), { 'x-forwarded-for': '127.0.0.1' }]) {
      assert.equal((await app.inject({ url, remoteAddress: '127.0.0.1', headers })).statusCode, 404, `${url} ${JSON.stringify(headers)}`);
    }
  }
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/clients/1', remoteAddress: '127.0.0.1' })).statusCode, 404);
});

test('the API listener ignores X-Forwarded-For: a forged loopback address from elsewhere is still elsewhere', async (t) => {
  const { app, api } = await server({ trustProxy: 'true' });
  t.after(() => app.close());
  assert.equal((await api.inject({ url: '/api/v1/summary', remoteAddress: remote, headers: { 'x-forwarded-for': '127.0.0.1' } })).statusCode, 403);
});

test('apiToken lets remote clients in with the token, for the API and (without metricsToken) for /metrics', async (t) => {
  const { app, api } = await server({ apiToken: 'api-secret' });
  t.after(() => app.close());
  for (const url of ['/api/v1/streams', '/metrics']) {
    assert.equal((await api.inject({ url, remoteAddress: remote })).statusCode, 401, url);
    assert.equal((await api.inject({ url, remoteAddress: remote, headers: bearer('api-secret') })).statusCode, 200, url);
  }
});

test('metricsToken: a scrape-only token that does not open the API, and the API token does not open /metrics', async (t) => {
  const { app, api } = await server({ apiToken: 'api-secret', metricsToken: 'scrape-secret' });
  t.after(() => app.close());
  assert.equal((await api.inject({ url: '/metrics', remoteAddress: remote, headers: bearer('scrape-secret') })).statusCode, 200);
  assert.equal((await api.inject({ url: '/metrics', remoteAddress: remote, headers: bearer('api-secret') })).statusCode, 401);
  assert.equal((await api.inject({ url: '/api/v1/streams', remoteAddress: remote, headers: bearer('scrape-secret') })).statusCode, 401);
});

test('api: false and metrics: false leave the routes out', async (t) => {
  const { app, api } = await server({ metrics: false });
  t.after(() => app.close());
  assert.equal((await api.inject('/api/v1/streams')).statusCode, 200);
  assert.equal((await api.inject('/metrics')).statusCode, 404);
  const none = await buildServer(resolveConfig({ rtmpListen: ['127.0.0.1:0'], logLevel: 'silent', api: false, metrics: false }));
  t.after(() => none.app.close());
  assert.equal(none.api, undefined, 'no API app when both are off');
});

test('apiListen: off means no API listener; "off" with addresses and bad addresses are config errors', async (t) => {
  const off = await buildServer(resolveConfig({ httpListen: ['127.0.0.1:0'], rtmpListen: ['127.0.0.1:0'], apiListen: ['off'], logLevel: 'silent' }));
  t.after(() => off.app.close());
  assert.equal(off.api, undefined);
  await off.listen();
  assert.deepEqual(off.apiAddresses(), []);
  assert.throws(() => resolveConfig({ apiListen: ['off', '127.0.0.1:8081'] }), (err: Error) => err instanceof ConfigError && /apiListen.*off/.test(err.message));
  assert.throws(() => resolveConfig({ apiListen: ['127.0.0.1:99999'] }), (err: Error) => err instanceof ConfigError && /apiListen/.test(err.message));
});

test('the API listener really listens (default 127.0.0.1), shares the hub, and closes with the app', async (t) => {
  const built = await buildServer(resolveConfig({ httpListen: ['127.0.0.1:0'], rtmpListen: ['127.0.0.1:0'], apiListen: ['0'], logLevel: 'silent', demo: true }));
  t.after(() => built.app.close());
  await built.listen();
  const [addr] = built.apiAddresses();
  assert.equal(addr?.address, '127.0.0.1', 'a bare port binds loopback only');
  let streams: { streams: { name: string }[] } = { streams: [] };
  for (let i = 0; i < 50 && streams.streams.length === 0; i++) {
    streams = (await (await fetch(`http://127.0.0.1:${addr!.port}/api/v1/streams`)).json()) as typeof streams;
    if (streams.streams.length === 0) await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(streams.streams.map((s) => s.name), ['live/demo'], 'the API reads the streaming app\'s hub');
  await built.app.close();
  await assert.rejects(fetch(`http://127.0.0.1:${addr!.port}/api/v1/streams`), 'the API listener closes with the app');
});
