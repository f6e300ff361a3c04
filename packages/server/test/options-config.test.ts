import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { httpFlvOptionDescriptors } from '@flvcast/fastify-http-flv';
import { hubOptionDescriptors } from '@flvcast/hub';
import { rtmpOptionDescriptors } from '@flvcast/fastify-rtmp';
import { ConfigError, configDeprecations, configFromEnv, configSchema, envName, flagName, flvcastOptionDescriptors, pluginSettings, resolveConfig, type FlvcastConfig } from '../src/index.js';
import { cli, startCli } from './running-cli.js';

test('one table: the schema, the config type and the defaults are the descriptors (the server exposes plugin options it marks)', () => {
  const keys = Object.keys(flvcastOptionDescriptors);
  assert.deepEqual(Object.keys(configSchema.properties), keys);
  const c: FlvcastConfig = resolveConfig();
  assert.deepEqual(Object.keys(c).sort(), [...keys].sort(), 'every setting resolves to a value');
  for (const [key, d] of Object.entries(flvcastOptionDescriptors)) assert.deepEqual((c as Record<string, unknown>)[key], d.default, key);
  // Compile-time strictness: enums are unions, lists are string arrays.
  const format: 'auto' | 'pretty' | 'json' = c.logFormat;
  const actions: ('publish' | 'play')[] = c.signedUrlActions;
  assert.ok(format && actions);
  // Plugin options come through with the server's default and range where it sets one.
  assert.equal(c.mergeWriteMs, 10);
  assert.equal(hubOptionDescriptors.mergeWriteMs.default, 0, "the plugin's own default is untouched");
  assert.equal(configSchema.properties.fastCacheMs?.maximum, 60_000);
  assert.equal(configSchema.properties.maxQueueBytes?.minimum, 65_536);
  assert.equal(configSchema.properties.handshakeTimeoutMs?.maximum, 600_000, 'no server value the plugin would refuse at startup');
  for (const table of [httpFlvOptionDescriptors, rtmpOptionDescriptors]) {
    for (const [key, d] of Object.entries(table)) assert.equal(key in flvcastOptionDescriptors, d.server !== undefined, key);
  }
  assert.deepEqual(Object.keys(pluginSettings(rtmpOptionDescriptors, c)), [
    'handshakeTimeoutMs',
    'firstPacketTimeoutMs',
    'idleTimeoutMs',
    'chunkSizeBytes',
    'maxChunkSizeBytes',
    'maxMessageSizeBytes',
    'playMergeWriteMs',
    'maxForwardHops',
    'maxConnections',
    'maxConnectionsPerIp',
  ]);
  assert.equal(pluginSettings(httpFlvOptionDescriptors, c).fastCacheMs, 0);
});

test('every duration setting ends in Ms and every size in Bytes, and says so', () => {
  for (const [key, d] of Object.entries(flvcastOptionDescriptors)) {
    if (d.unit === 'ms') assert.match(key, /Ms$/);
    if (d.unit === 'bytes') assert.match(key, /Bytes$/);
    if (/Timeout|Grace|Wait|Cache(?!Max)|Ms$/.test(key) && d.kind !== 'boolean') assert.equal(d.unit, 'ms', key);
    if (/Size|Bytes$/.test(key)) assert.equal(d.unit, 'bytes', key);
  }
});

test('old spellings as config keys, flags and variables: converted, one warning line each, the layer order kept', () => {
  const file = { fastCacheMs: 1000, maxMessageSize: 1 << 20 };
  const env = configFromEnv({ FLVCAST_FAST_CACHE: '2.5', FLVCAST_CHUNK_SIZE: '8192' });
  const c = resolveConfig(file, env, { maxChunkSize: '4096' });
  assert.equal(c.fastCacheMs, 2500, 'seconds × 1000; the environment beats the file whatever the spelling');
  assert.equal(c.chunkSizeBytes, 8192);
  assert.equal(c.maxChunkSizeBytes, 4096);
  assert.equal(c.maxMessageSizeBytes, 1 << 20);
  assert.equal('fastCache' in c, false);
  assert.deepEqual(configDeprecations(c), [
    'option maxMessageSize (--max-message-size, FLVCAST_MAX_MESSAGE_SIZE) is deprecated and will be removed in the next release: use maxMessageSizeBytes (--max-message-size-bytes, FLVCAST_MAX_MESSAGE_SIZE_BYTES) (same value, in bytes)',
    'option fastCache (--fast-cache, FLVCAST_FAST_CACHE) is deprecated and will be removed in the next release: use fastCacheMs (--fast-cache-ms, FLVCAST_FAST_CACHE_MS) (milliseconds; fastCache was seconds, ×1000)',
    'option chunkSize (--chunk-size, FLVCAST_CHUNK_SIZE) is deprecated and will be removed in the next release: use chunkSizeBytes (--chunk-size-bytes, FLVCAST_CHUNK_SIZE_BYTES) (same value, in bytes)',
    'option maxChunkSize (--max-chunk-size, FLVCAST_MAX_CHUNK_SIZE) is deprecated and will be removed in the next release: use maxChunkSizeBytes (--max-chunk-size-bytes, FLVCAST_MAX_CHUNK_SIZE_BYTES) (same value, in bytes)',
  ]);
  assert.equal(resolveConfig({ fastCache: 1 }, { fastCacheMs: 300 }).fastCacheMs, 300, 'a later layer wins in the new spelling too');
  assert.deepEqual(configDeprecations(resolveConfig()), []);
});

test('old spellings: errors name what the operator wrote', () => {
  const refused = (layer: Record<string, unknown>, message: RegExp) => assert.throws(() => resolveConfig(layer), (e: unknown) => e instanceof ConfigError && message.test(e.message), JSON.stringify(layer));
  refused({ chunkSize: 'abc' }, /chunkSize \(--chunk-size, FLVCAST_CHUNK_SIZE\) \[old spelling of chunkSizeBytes\]: must be integer/);
  refused({ fastCache: 61 }, /fastCache \(--fast-cache, FLVCAST_FAST_CACHE\) \[old spelling of fastCacheMs\]: must be <= 60000/);
  refused({ fastCache: 'soon' }, /fastCache \(--fast-cache, FLVCAST_FAST_CACHE\): expected a number \(seconds\)/);
  refused({ fastCache: 1, fastCacheMs: 1000 }, /fastCache \(--fast-cache, FLVCAST_FAST_CACHE\): the old spelling of fastCacheMs, which is set too/);
  assert.equal(flagName('maxMessageSize'), 'max-message-size');
  assert.equal(envName('maxMessageSizeBytes'), 'FLVCAST_MAX_MESSAGE_SIZE_BYTES');
});

test('--help lists every setting with its flag, default and variable, then the old spellings', () => {
  const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' }).stdout;
  for (const [key, d] of Object.entries(flvcastOptionDescriptors)) {
    const line = help.split('\n').find((l) => l.startsWith(`  --${flagName(key)} `) || l.startsWith(`  --${flagName(key)}[`));
    assert.ok(line?.includes(envName(key)) && line.includes(JSON.stringify(d.default)), `${key}: ${line}`);
  }
  assert.match(help, /--log-format <auto\|pretty\|json>/);
  assert.match(help, /Old spellings[^\n]*\n {2}--fast-cache <value> +use --fast-cache-ms \(seconds, ×1000\) FLVCAST_FAST_CACHE\n/);
});

test('the server logs each old spelling once at startup, through its logger', async (t) => {
  const { out } = await startCli(t, ['--http-listen', '127.0.0.1:0', '--rtmp-listen', '127.0.0.1:0', '--fast-cache', '1'], { FLVCAST_CHUNK_SIZE: '8192' });
  const warnings = out()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((r) => r.msg.includes('is deprecated'));
  assert.deepEqual(
    warnings.map((w) => [w.level, w.msg.split(' ')[1]]),
    [
      [40, 'chunkSize'],
      [40, 'fastCache'],
    ],
  );
});
