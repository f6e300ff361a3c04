import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MOUNT_FORMATS } from '@flvcast/fastify-http-flv';
import { ConfigError, configFromEnv, configFromFile, envName, flagName, parseListenAddress, resolveConfig } from '../src/index.js';

test('listen addresses: host:port, [v6]:port, :port, port', () => {
  assert.deepEqual(parseListenAddress('127.0.0.1:18080'), { host: '127.0.0.1', port: 18080 });
  assert.deepEqual(parseListenAddress('[::]:8080'), { host: '::', port: 8080 });
  assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListenAddress(':1935'), { host: '0.0.0.0', port: 1935 });
  assert.deepEqual(parseListenAddress('1935'), { host: '0.0.0.0', port: 1935 });
  assert.equal(typeof parseListenAddress('host'), 'string');
  assert.equal(typeof parseListenAddress('h:99999'), 'string');
  assert.equal(typeof parseListenAddress('::1:80'), 'string');
});

test('names: flags are kebab-case, env vars FLVCAST_SNAKE', () => {
  assert.equal(flagName('httpListen'), 'http-listen');
  assert.equal(envName('httpListen'), 'FLVCAST_HTTP_LISTEN');
  assert.equal(envName('reconnectGraceMs'), 'FLVCAST_RECONNECT_GRACE_MS');
});

test('defaults: HTTP 8080, RTMP 1935, SRS-like http_remux defaults', () => {
  const c = resolveConfig();
  assert.deepEqual(c.httpListen, ['0.0.0.0:8080']);
  assert.deepEqual(c.rtmpListen, ['0.0.0.0:1935']);
  assert.equal(c.crossdomain, true);
  assert.equal(c.guessHasAv, true);
  assert.equal(c.dropIfNotMatch, true);
  assert.equal(c.gopCache, true);
  // One template per built-in format, FLV first: every stream in every format on the same name.
  assert.deepEqual(c.mount, Object.keys(MOUNT_FORMATS).map((ext) => `[app]/[stream].${ext}`));
  assert.equal(c.mount[0], '[app]/[stream].flv');
  assert.ok(c.mount.includes('[app]/[stream].aac') && c.mount.includes('[app]/[stream].mp3'));
  assert.equal(c.audioFastCacheMs, 3000);
});

test('mount: a single template (the shape before the list) is still a valid config value, file, env or flag', () => {
  assert.deepEqual(resolveConfig({ mount: '[vhost]/[app]/[stream].flv' }).mount, ['[vhost]/[app]/[stream].flv']);
  assert.deepEqual(resolveConfig(configFromEnv({ FLVCAST_MOUNT: '[app]/[stream].flv,[app]/[stream].aac' })).mount, ['[app]/[stream].flv', '[app]/[stream].aac']);
  assert.throws(() => resolveConfig({ mount: ['[app]/[stream].flv', '/[app]/[stream].flv'] }), /mount/);
  assert.throws(() => resolveConfig({ mount: [] }), /mount/);
});

test('precedence: flags > environment > file > defaults; env strings are coerced', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flvcast-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ gopCache: false, fastCacheMs: 2000, httpListen: ['1.2.3.4:1'] }));
  const env = configFromEnv({ FLVCAST_HTTP_LISTEN: '127.0.0.1:18080, [::1]:18080', FLVCAST_FAST_CACHE_MS: '3000', FLVCAST_GUESS_HAS_AV: 'false' });
  const c = resolveConfig(configFromFile(file), env, { fastCacheMs: '4000' });
  assert.deepEqual(c.httpListen, ['127.0.0.1:18080', '[::1]:18080']);
  assert.equal(c.gopCache, false);
  assert.equal(c.fastCacheMs, 4000);
  assert.equal(c.guessHasAv, false);
});

test('errors name the option, its flag and its variable', () => {
  assert.throws(() => resolveConfig({ chunkSizeBytes: 'abc' }), (e: unknown) => e instanceof ConfigError && /chunkSizeBytes \(--chunk-size-bytes, FLVCAST_CHUNK_SIZE_BYTES\): must be integer/.test(e.message));
  assert.throws(() => resolveConfig({ httpListen: ['nope'] }), /httpListen .*expected host:port/);
  assert.throws(() => resolveConfig({ logLevel: 'loud' }), /logLevel .*must be equal to one of the allowed values: fatal/);
  assert.throws(() => resolveConfig({ bogus: 1 }), /unknown option "bogus"/);
  assert.throws(() => resolveConfig({ source: ['nostream.flv'] }), /source/);
  assert.throws(() => configFromFile('/nonexistent/flvcast.json'), /cannot read config file/);
});
