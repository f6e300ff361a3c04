import assert from 'node:assert/strict';
import Fastify from 'fastify';
import httpFlv from '@flvcast/fastify-http-flv';
import rtmp from '../src/index.js';

/** Each set of options must stop the app at boot with FST_FLVCAST_RTMP_INVALID_OPTION naming its (first) option. */
export async function assertOptionsRefused(cases: readonly Record<string, unknown>[]): Promise<void> {
  for (const opts of cases) {
    const app = Fastify();
    await app.register(httpFlv);
    await assert.rejects(
      async () => {
        await app.register(rtmp, opts as never);
        await app.ready();
      },
      (err: Error & { code?: string }) => err.code === 'FST_FLVCAST_RTMP_INVALID_OPTION' && err.message.includes(Object.keys(opts)[0]!),
      JSON.stringify(opts),
    );
    await app.close();
  }
}
