import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkAccess, httpCallbackHook, httpCallbackNotifier, type AccessContext, type HttpCallbackOptions } from '../src/index.js';

const ctx: AccessContext = {
  action: 'publish',
  protocol: 'rtmp',
  clientId: 'rtmp-7',
  ip: '127.0.0.1',
  vhost: '',
  app: 'live',
  stream: 'cam1',
  query: { token: 'abc' },
  tcUrl: 'rtmp://127.0.0.1/live',
};

/** A callback service on loopback; each path answers its own way and every body is recorded. */
async function callbackServer(t: { after(fn: () => unknown): void }) {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      bodies.push({ path: req.url, ...(JSON.parse(text) as Record<string, unknown>) });
      const answer = (status: number, body: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      if (req.url === '/allow') answer(200, '{"code":0}');
      else if (req.url === '/allow-bare') answer(200, '0');
      else if (req.url === '/deny') answer(200, '{"code":1,"msg":"no"}');
      else if (req.url === '/forbidden') answer(403, '');
      else if (req.url === '/broken') answer(500, '{"code":0}');
      else if (req.url === '/hang') return; // never answers
      else answer(404, '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, bodies };
}

test('SRS-style on_publish: allowed only on 200 with code 0; the JSON body says who asks', async (t) => {
  const { base, bodies } = await callbackServer(t);
  const opts = (path: string, more: Partial<HttpCallbackOptions> = {}): HttpCallbackOptions => ({ urls: [`${base}${path}`], timeoutMs: 1000, ...more });
  assert.deepEqual(await checkAccess(httpCallbackHook('on_publish', opts('/allow')), ctx, 2000), { allowed: true });
  assert.deepEqual(bodies[0], {
    path: '/allow',
    action: 'on_publish',
    client_id: 'rtmp-7',
    ip: '127.0.0.1',
    vhost: '__defaultVhost__',
    app: 'live',
    stream: 'cam1',
    param: '?token=abc',
    protocol: 'rtmp',
    tcUrl: 'rtmp://127.0.0.1/live',
  });
  assert.deepEqual(await checkAccess(httpCallbackHook('on_publish', opts('/allow-bare')), ctx, 2000), { allowed: true });
  assert.deepEqual(await checkAccess(httpCallbackHook('on_publish', opts('/deny')), ctx, 2000), { allowed: false, status: 403, reason: 'refused by on_publish callback' });
  assert.deepEqual(await checkAccess(httpCallbackHook('on_publish', opts('/forbidden')), ctx, 2000), { allowed: false, status: 403, reason: 'refused by on_publish callback' });
  // Every URL must allow.
  const both = httpCallbackHook('on_publish', { urls: [`${base}/allow`, `${base}/deny`], timeoutMs: 1000 });
  assert.equal((await checkAccess(both, ctx, 2000)).allowed, false);
});

test('non-200, timeout and unreachable are failures: denied by default, allowed with onFailure allow (and logged)', async (t) => {
  const { base } = await callbackServer(t);
  const warnings: string[] = [];
  const log = { warn: (obj: object, msg: string) => void warnings.push(`${msg} ${JSON.stringify(obj)}`) };
  const deny = (path: string) => httpCallbackHook('on_play', { urls: [`${base}${path}`], timeoutMs: 200, log });
  const allow = (path: string) => httpCallbackHook('on_play', { urls: [`${base}${path}`], timeoutMs: 200, onFailure: 'allow', log });
  assert.deepEqual(await checkAccess(deny('/broken'), ctx, 2000), { allowed: false, status: 403, reason: 'on_play callback failed' });
  assert.deepEqual(await checkAccess(deny('/hang'), ctx, 2000), { allowed: false, status: 403, reason: 'on_play callback failed' });
  assert.deepEqual(await checkAccess(allow('/broken'), ctx, 2000), { allowed: true });
  assert.deepEqual(await checkAccess(allow('/hang'), ctx, 2000), { allowed: true });
  const unreachable = httpCallbackHook('on_play', { urls: ['http://127.0.0.1:1/x'], timeoutMs: 200, log });
  assert.equal((await checkAccess(unreachable, ctx, 2000)).allowed, false);
  // An explicit refusal is not a failure: onFailure allow does not let it through.
  assert.equal((await checkAccess(allow('/deny'), ctx, 2000)).allowed, false);
  assert.equal(warnings.length, 5);
  assert.match(warnings[0]!, /HTTP 500/);
});

test('on_stop/on_unpublish notifications carry bytes and reason, and never throw', async (t) => {
  const { base, bodies } = await callbackServer(t);
  await httpCallbackNotifier('on_stop', { urls: [`${base}/allow`, 'http://127.0.0.1:1/x'], timeoutMs: 300 })({ ...ctx, action: 'play', bytes: 1234, reason: 'left' });
  assert.equal(bodies.length, 1);
  assert.equal(bodies[0]!.action, 'on_stop');
  assert.equal(bodies[0]!.bytes, 1234);
  assert.equal(bodies[0]!.reason, 'left');
});
