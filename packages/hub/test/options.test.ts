import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hub, HubError, defaultHubOptions, hubOptionDescriptors, resolveHubOptions, validateHubOptions } from '../src/index.js';

test('the hub options come from their descriptors: defaults, and a duration is named …Ms, a size …Bytes', () => {
  for (const [name, d] of Object.entries(hubOptionDescriptors)) {
    assert.equal((defaultHubOptions as Record<string, unknown>)[name], d.default, name);
    if (d.unit === 'ms') assert.match(name, /Ms$/);
    if (d.unit === 'bytes') assert.match(name, /Bytes$/);
  }
  assert.equal(new Hub().options.fastCacheMs, 0);
  assert.throws(() => new Hub({ fastCacheMs: 1.5 }), (e: unknown) => e instanceof HubError && e.code === 'ERR_HUB_BAD_OPTION' && e.option === 'fastCacheMs');
});

test('fastCache (seconds, deprecated) is still accepted as fastCacheMs × 1000, with one DeprecationWarning per process', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    assert.equal(new Hub({ fastCache: 1.5 }).options.fastCacheMs, 1500);
    assert.equal(new Hub({ fastCache: 2 }).options.fastCacheMs, 2000);
    assert.equal(validateHubOptions({ fastCache: 0.5 }).fastCacheMs, 500);
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  const deprecations = warnings.filter((w) => w.name === 'DeprecationWarning');
  assert.equal(deprecations.length, 1, 'one line, however many hubs');
  assert.match(deprecations[0]!.message, /option "fastCache" is deprecated and will be removed in the next release: use "fastCacheMs" \(milliseconds; fastCache was seconds, ×1000\)/);
  // The pure form returns the notice instead (the plugins log it through fastify.log).
  const resolved = resolveHubOptions({ fastCache: 3 });
  assert.equal(resolved.options.fastCacheMs, 3000);
  assert.deepEqual(resolved.deprecations.map((d) => [d.alias, d.option, d.factor]), [['fastCache', 'fastCacheMs', 1000]]);
  assert.equal('fastCache' in resolved.options, false);
});

test('fastCache: a bad value or both spellings are refused naming the old spelling', () => {
  const named = (option: string, message: RegExp) => (e: unknown) => e instanceof HubError && e.code === 'ERR_HUB_BAD_OPTION' && e.option === option && message.test(e.message);
  assert.throws(() => new Hub({ fastCache: -1 }), named('fastCache', /option "fastCache" must be an integer >= 0 \(ms\), got -1000 \(as fastCacheMs = fastCache × 1000\)/));
  assert.throws(() => new Hub({ fastCache: 'x' as never }), named('fastCache', /expected a number \(seconds\)/));
  assert.throws(() => new Hub({ fastCache: 1, fastCacheMs: 1000 }), named('fastCache', /pass only "fastCacheMs"/));
});
