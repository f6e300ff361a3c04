import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { Hub } from '@flvcast/hub';
import httpFlv, { httpFlvOptionDescriptors, validateOptions, type HttpFlvPluginOptions } from '../src/index.js';

/** An app with the plugin registered, and the warn lines it logged. */
async function register(opts: HttpFlvPluginOptions) {
  const lines: string[] = [];
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => void lines.push(line) } } });
  await app.register(httpFlv, opts);
  await app.ready();
  return { app, warnings: lines.map((l) => (JSON.parse(l) as { msg: string }).msg) };
}

test('old spellings still work, each with one warning line at registration: fastCache (s) → fastCacheMs, highWaterMark → highWaterMarkBytes', async (t) => {
  const processWarnings: Error[] = [];
  const onWarning = (w: Error) => processWarnings.push(w);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  const { app, warnings } = await register({ fastCache: 2, highWaterMark: 4096 });
  t.after(() => app.close());
  assert.equal(app.streams.options.fastCacheMs, 2000);
  assert.equal(validateOptions({ highWaterMark: 4096 }).highWaterMarkBytes, 4096);
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[0]!, /^@flvcast\/fastify-http-flv: option "fastCache" is deprecated .*: use "fastCacheMs" \(milliseconds; fastCache was seconds, ×1000\)$/);
  assert.match(warnings[1]!, /^@flvcast\/fastify-http-flv: option "highWaterMark" is deprecated and will be removed in the next release: use "highWaterMarkBytes" \(same value, in bytes\)$/);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(processWarnings, [], 'the hub gets the converted value: no second warning from it');
});

test('new spellings: no warning; both spellings at once are refused naming the old one', async (t) => {
  const { app, warnings } = await register({ fastCacheMs: 500, highWaterMarkBytes: 2048 });
  t.after(() => app.close());
  assert.deepEqual(warnings, []);
  assert.equal(app.streams.options.fastCacheMs, 500);
  for (const [opts, name] of [
    [{ highWaterMark: 4096, highWaterMarkBytes: 4096 }, 'highWaterMark'],
    [{ fastCache: 1, fastCacheMs: 1000 }, 'fastCache'],
    [{ highWaterMark: 10 }, 'highWaterMark'],
  ] as const) {
    assert.throws(() => validateOptions(opts), (err: Error & { code?: string }) => err.code === 'FST_FLVCAST_INVALID_OPTION' && err.message.includes(`"${name}"`), JSON.stringify(opts));
  }
});

test('the options are one table: the hub options are included (but not its clock), and ignored with a hub passed in', () => {
  assert.ok('gopCache' in httpFlvOptionDescriptors && 'fastCacheMs' in httpFlvOptionDescriptors && 'mount' in httpFlvOptionDescriptors);
  assert.equal('now' in httpFlvOptionDescriptors, false);
  assert.throws(() => validateOptions({ now: () => 0 } as never), /"now": unknown option/);
  const hub = new Hub();
  assert.equal(validateOptions({ hub, gopCache: 'ignored' as never }).hub, hub);
});
