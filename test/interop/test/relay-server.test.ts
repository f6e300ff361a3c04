/**
 * The relay as the flvcast server runs it: `forward`, `onForwardUrl` (SRS's dynamic forward) and `pull`
 * settings, the API's /forwards and /pulls and the flvcast_forward_* metrics, between two servers.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildServer, resolveConfig } from '@flvcast/server';
import type { FastifyInstance } from 'fastify';
import { SyntheticPublisher } from '../src/synthetic-publisher.js';
import { streamKey, waitForMedia, waitUntil } from '../src/tools.js';

interface Running {
  app: FastifyInstance;
  httpUrl: string;
  rtmpPort: number;
  apiUrl: string;
}

async function server(t: TestContext, overrides: Record<string, unknown>): Promise<Running> {
  const config = resolveConfig({ httpListen: ['127.0.0.1:0'], rtmpListen: ['127.0.0.1:0'], apiListen: ['127.0.0.1:0'], logLevel: 'silent', dashboard: false, ...overrides });
  const built = await buildServer(config);
  t.after(() => built.app.close());
  const [address] = await built.listen();
  return { app: built.app, httpUrl: `http://127.0.0.1:${address!.port}`, rtmpPort: built.app.rtmp.addresses()[0]!.port, apiUrl: `http://127.0.0.1:${built.apiAddresses()[0]!.port}` };
}

const getJson = async <T>(url: string): Promise<T> => (await fetch(url)).json() as Promise<T>;

test('bad relay settings are refused with the setting named', () => {
  assert.throws(() => resolveConfig({ forward: ['live/*'] }), /forward.*pattern=rtmp/);
  assert.throws(() => resolveConfig({ forward: ['live/*=http://x/app'] }), /forward.*rtmp:\/\//);
  assert.throws(() => resolveConfig({ pull: ['live/a=rtmp://h/app'] }), /pull.*names no stream/);
  assert.throws(() => resolveConfig({ pullOnDemand: ['a=http://h/x.flv'] }), /pullOnDemand/);
  assert.throws(() => resolveConfig({ onForwardUrl: ['ftp://x'] }), /onForwardUrl/);
});

test('server settings: a static and an on_forward destination, a pull back, all in the API and metrics', async (t) => {
  const edge = await server(t, {});
  // SRS's on_forward: the backend names the destinations for each publish.
  const asked: Record<string, unknown>[] = [];
  const backend = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      asked.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 0, data: { urls: [`rtmp://127.0.0.1:${edge.rtmpPort}/dynamic`] } }));
    });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => backend.close(() => r())));
  const origin = await server(t, {
    forward: [`live/*=rtmp://127.0.0.1:${edge.rtmpPort}/static`],
    onForwardUrl: [`http://127.0.0.1:${(backend.address() as AddressInfo).port}/forward`],
    relayReconnectMinMs: 200,
  });
  const pub = await SyntheticPublisher.start(origin.rtmpPort, 'cam1?token=abc');
  t.after(() => pub.close());
  await waitForMedia(edge.app, 'cam1', { appName: 'static' });
  await waitForMedia(edge.app, 'cam1', { appName: 'dynamic' });
  assert.deepEqual(asked[0], { action: 'on_forward', vhost: '', app: 'live', stream: 'cam1', param: '?token=abc', ip: '127.0.0.1', protocol: 'rtmp', hops: 0 });

  const { forwards } = await getJson<{ forwards: { stream: string; url: string; state: string; bytes: number }[] }>(`${origin.apiUrl}/api/v1/forwards`);
  assert.deepEqual(forwards.map((f) => [f.stream, f.url, f.state]).sort(), [
    ['live/cam1', `rtmp://127.0.0.1:${edge.rtmpPort}/dynamic`, 'forwarding'],
    ['live/cam1', `rtmp://127.0.0.1:${edge.rtmpPort}/static`, 'forwarding'],
  ]);
  const metrics = await (await fetch(`${origin.apiUrl}/metrics`)).text();
  assert.match(metrics, new RegExp(`flvcast_forward_up\\{stream="live/cam1",destination="rtmp://127.0.0.1:${edge.rtmpPort}/static"\\} 1`));
  assert.equal(origin.app.streams.get(streamKey('cam1'))?.viewerCount, 0, 'forwards are not viewers');

  // A third server pulls the forwarded copy back over HTTP-FLV.
  const puller = await server(t, { pull: [`live/copy=${edge.httpUrl}/static/cam1.flv`], pullOnDemand: [`live/lazy=${edge.httpUrl}/dynamic/cam1.flv`] });
  await waitForMedia(puller.app, 'copy');
  const { pulls } = await getJson<{ pulls: { stream: string; state: string; onDemand: boolean }[] }>(`${puller.apiUrl}/api/v1/pulls`);
  assert.deepEqual(pulls.map((p) => [p.stream, p.state, p.onDemand]), [
    ['live/copy', 'pulling', false],
    ['live/lazy', 'idle', true],
  ]);
  const lazy = await fetch(`${puller.httpUrl}/live/lazy.flv`);
  assert.equal(lazy.status, 200);
  await lazy.body?.cancel();
  await waitUntil(() => puller.app.relay.pulls()[1]?.state === 'pulling' || puller.app.relay.pulls()[1]?.state === 'idle', 5000, 'the on-demand pull to have run');
});
