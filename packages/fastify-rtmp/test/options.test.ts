import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import httpFlv from '@flvcast/fastify-http-flv';
import rtmp, { rtmpOptionDescriptors, validateOptions, type RtmpPluginOptions } from '../src/index.js';
import { assertOptionsRefused } from './refused-options.js';

async function register(opts: RtmpPluginOptions) {
  const lines: string[] = [];
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => void lines.push(line) } } });
  await app.register(httpFlv);
  await app.register(rtmp, { listen: { host: '127.0.0.1', port: 0 }, ...opts });
  await app.ready();
  return { app, warnings: lines.map((l) => (JSON.parse(l) as { msg: string }).msg) };
}

test('old size spellings still work (same value, now …Bytes), each with one warning line at registration', async (t) => {
  const { app, warnings } = await register({ chunkSize: 8192, maxChunkSize: 4096, maxMessageSize: 1 << 20, windowAckSize: 5_000_000 });
  t.after(() => app.close());
  assert.deepEqual(
    warnings,
    [
      ['chunkSize', 'chunkSizeBytes'],
      ['maxChunkSize', 'maxChunkSizeBytes'],
      ['maxMessageSize', 'maxMessageSizeBytes'],
      ['windowAckSize', 'windowAckSizeBytes'],
    ].map(([old, now]) => `@flvcast/fastify-rtmp: option "${old}" is deprecated and will be removed in the next release: use "${now}" (same value, in bytes)`),
  );
  const resolved = validateOptions({ chunkSize: 8192, maxChunkSize: 4096, maxMessageSize: 1 << 20, windowAckSize: 5_000_000 });
  assert.deepEqual(
    [resolved.chunkSizeBytes, resolved.maxChunkSizeBytes, resolved.maxMessageSizeBytes, resolved.windowAckSizeBytes],
    [8192, 4096, 1 << 20, 5_000_000],
  );
});

test('new spellings: no warning; an old spelling with a bad value, or next to its new one, is refused naming it', async (t) => {
  const { app, warnings } = await register({ chunkSizeBytes: 8192, maxMessageSizeBytes: 1 << 20 });
  t.after(() => app.close());
  assert.deepEqual(warnings, []);
  await assertOptionsRefused([{ chunkSize: 'big' }, { maxMessageSize: 10 }, { windowAckSize: 1, windowAckSizeBytes: 1 }, { maxChunkSize: 4096, maxChunkSizeBytes: 4096 }]);
});

test('every RTMP duration is named …Ms and every size …Bytes', () => {
  for (const [name, d] of Object.entries(rtmpOptionDescriptors)) {
    if (d.unit === 'ms') assert.match(name, /Ms$/);
    if (d.unit === 'bytes') assert.match(name, /Bytes$/);
    if (/(Timeout|Wait|Grace)/.test(name)) assert.equal(d.unit, 'ms', name);
    if (/Size/.test(name)) assert.equal(d.unit, 'bytes', name);
  }
});
