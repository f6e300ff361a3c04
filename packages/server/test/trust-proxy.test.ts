import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { buildServer } from '../src/build-server.js';
import { ConfigError, resolveConfig, trustProxySetting } from '../src/config.js';

/** Opens a viewer of live/demo with an X-Forwarded-For header; resolves with the response (body left flowing). */
function view(port: number, forwardedFor: string | undefined, path = '/live/demo.flv'): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }, (res) => {
      res.resume();
      resolve(res);
    });
    req.on('error', reject).end();
  });
}

async function started(layer: Record<string, unknown>) {
  const built = await buildServer(resolveConfig({ httpListen: ['127.0.0.1:0'], rtmpListen: ['127.0.0.1:0'], apiListen: ['off'], logLevel: 'silent', demo: true, ...layer }));
  const [addr] = await built.listen();
  const hub = built.app.streams;
  for (let i = 0; i < 100 && hub.get({ vhost: '', app: 'live', stream: 'demo' }) === undefined; i++) await new Promise((r) => setTimeout(r, 20));
  return { app: built.app, port: addr!.port };
}

test('trustProxySetting: off, true, hop counts, addresses/CIDRs and named ranges; errors name the problem', () => {
  assert.equal(trustProxySetting(''), false);
  assert.equal(trustProxySetting('false'), false);
  assert.equal(trustProxySetting('true'), true);
  const hops = trustProxySetting('2');
  assert.ok(typeof hops === 'function' && hops('10.0.0.1', 0) && hops('10.0.0.2', 1) && !hops('203.0.113.1', 2), 'a hop count trusts the nearest n hops');
  assert.deepEqual(trustProxySetting('127.0.0.1, 10.0.0.0/8,::1,loopback'), ['127.0.0.1', '10.0.0.0/8', '::1', 'loopback']);
  for (const bad of ['0', '1000', 'proxy.example', '10.0.0.0/40']) {
    assert.ok(typeof trustProxySetting(bad) === 'object' && 'problem' in (trustProxySetting(bad) as object), bad);
  }
  assert.throws(() => resolveConfig({ trustProxy: 'nginx' }), (err: Error) => err instanceof ConfigError && /trustProxy \(--trust-proxy, FLVCAST_TRUST_PROXY\)/.test(err.message));
});

test('with --trust-proxy, per-IP limits count the forwarded client; without it, the proxy is one client', async (t) => {
  const trusted = await started({ trustProxy: '127.0.0.1', maxViewersPerIp: 1 });
  t.after(() => trusted.app.close());
  const a = await view(trusted.port, '203.0.113.1');
  const b = await view(trusted.port, '203.0.113.2');
  assert.deepEqual([a.statusCode, b.statusCode], [200, 200], 'two clients behind the proxy, one viewer each');
  const again = await view(trusted.port, '203.0.113.1');
  assert.equal(again.statusCode, 429, 'the same forwarded client is held to its limit');
  const viewers = [...trusted.app.streams.get({ vhost: '', app: 'live', stream: 'demo' })!.subscribers].map((s) => s.info.remoteAddress).sort();
  assert.deepEqual(viewers, ['203.0.113.1', '203.0.113.2'], 'the hub (API, logs, metrics) sees the client addresses');
  a.destroy();
  b.destroy();

  const plain = await started({ maxViewersPerIp: 1 });
  t.after(() => plain.app.close());
  const c = await view(plain.port, '203.0.113.1');
  const d = await view(plain.port, '203.0.113.2');
  assert.deepEqual([c.statusCode, d.statusCode], [200, 429], 'X-Forwarded-For is not believed unless trusted');
  c.destroy();
});

test('a hop count works as a hop count (Fastify alone ignores a bare number)', async (t) => {
  const byHops = await started({ trustProxy: '1', maxViewersPerIp: 1 });
  t.after(() => byHops.app.close());
  const a = await view(byHops.port, '203.0.113.1');
  const b = await view(byHops.port, '203.0.113.2');
  assert.deepEqual([a.statusCode, b.statusCode], [200, 200]);
  a.destroy();
  b.destroy();
});

test('IP rules judge the forwarded client only when the proxy is trusted, and only from that proxy', async (t) => {
  const trusted = await started({ trustProxy: '127.0.0.1', playDeny: ['203.0.113.0/24'] });
  t.after(() => trusted.app.close());
  assert.equal((await view(trusted.port, '203.0.113.7')).statusCode, 403);
  const ok = await view(trusted.port, '198.51.100.7');
  assert.equal(ok.statusCode, 200);
  ok.destroy();

  // Trusting some other proxy: requests from 127.0.0.1 are not from it, so their header is ignored.
  const other = await started({ trustProxy: '10.9.9.9', playDeny: ['203.0.113.0/24'] });
  t.after(() => other.app.close());
  const forged = await view(other.port, '203.0.113.7');
  assert.equal(forged.statusCode, 200);
  forged.destroy();
});
