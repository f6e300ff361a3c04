import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveConfig } from '../src/index.js';

test('cluster settings: off by default; bad values refused naming the option', () => {
  const c = resolveConfig();
  assert.equal(c.redisUrl, '', 'no Redis unless asked: nothing changes without it');
  assert.equal(c.clusterTtlMs, 10_000);
  assert.equal(c.clusterRedirect, false);
  assert.equal(c.clusterKeyPrefix, 'flvcast:');
  const refused = (layer: Record<string, unknown>, message: RegExp) =>
    assert.throws(() => resolveConfig(layer), (e: unknown) => e instanceof ConfigError && message.test(e.message), JSON.stringify(layer));
  refused({ redisUrl: 'http://127.0.0.1:6379' }, /redisUrl.*expected redis:\/\//);
  refused({ clusterAdvertise: 'rtmp://10.0.0.5:1935/live' }, /clusterAdvertise.*the app comes from the stream/);
  refused({ clusterAdvertise: '10.0.0.5:8080' }, /clusterAdvertise/);
  refused({ clusterTtlMs: 500 }, /clusterTtlMs/);
  refused({ clusterId: 'a b' }, /clusterId.*without spaces/);
  refused({ clusterKeyPrefix: '' }, /clusterKeyPrefix/);
  assert.equal(resolveConfig({ redisUrl: 'rediss://user:pw@redis.example:6380/2', clusterAdvertise: 'https://10.0.0.5:8443' }).redisUrl, 'rediss://user:pw@redis.example:6380/2');
});
