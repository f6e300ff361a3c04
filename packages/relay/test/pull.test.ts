import { test } from 'node:test';
import assert from 'node:assert/strict';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeFlvHeader, encodeTag } from '@flvcast/flv';
import { Hub, type SubscriberSink } from '@flvcast/hub';
import { flvFormat } from '@flvcast/mux';
import { avcInterframe, avcKeyframe, avcSequenceHeader } from '@flvcast/test-fixtures';
import { PullSource, Puller } from '../src/index.js';
import { sendToPlayer, startTestServer } from './rtmp-test-server.js';
import { quiet, sleep, startFlvResponse, waitFor } from './test-helpers.js';


const pullOptions = {
  reconnectMinMs: 50,
  reconnectMaxMs: 400,
  connectTimeoutMs: 2000,
  startTimeoutMs: 2000,
  idleTimeoutMs: 5000,
  maxTagBytes: 1024 * 1024,
  maxRedirects: 3,
  log: quiet,
};
const key = { vhost: '', app: 'live', stream: 'cam1' };
const nullSink: SubscriberSink = { write: () => true, end() {} };

test('an RTMP pull plays the upstream and publishes it; a dropped upstream is reconnected under the same key', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const hub = new Hub({ reconnectGraceMs: 2000 });
  const pull = new PullSource(hub, key, { ...pullOptions, url: `${server.url}/origin/cam1`, onDemand: false });
  t.after(() => pull.close());
  pull.start();
  const conn = await waitFor('the pull to play', () => server.connections.find((c) => c.playStreamId !== undefined));
  assert.equal((conn.events.find((e) => e.type === 'play') as { name: string }).name, 'cam1');
  assert.equal(hub.get(key), undefined, 'nothing is published before media');
  sendToPlayer(conn, 9, 0, avcSequenceHeader);
  sendToPlayer(conn, 9, 0, avcKeyframe());
  sendToPlayer(conn, 9, 40, avcInterframe());
  const stream = await waitFor('the pulled stream', () => hub.get(key)?.publisher);
  assert.equal(stream.info.protocol, 'pull');
  assert.equal(stream.info.remoteAddress, `127.0.0.1:${server.port}`);
  await waitFor('three frames', () => (hub.get(key)?.tagsIn ?? 0) >= 3);
  assert.equal(pull.status().state, 'pulling');

  // A viewer stays attached across the upstream's blip.
  const viewer = hub.subscribe(key, flvFormat, nullSink, { protocol: 'test' })!;
  conn.socket.destroy();
  const again = await waitFor('a second play', () => server.connections.find((c) => c !== conn && c.playStreamId !== undefined));
  sendToPlayer(again, 9, 0, avcSequenceHeader);
  sendToPlayer(again, 9, 0, avcKeyframe());
  await waitFor('the stream republished', () => hub.get(key)?.publisher !== undefined && hub.get(key)?.publisher !== stream);
  assert.equal(viewer.ended, false, 'the viewer waited through the blip');
  assert.equal(pull.status().reconnects, 1);
});

/** An HTTP server that redirects `/old.flv` to `/x.flv` and streams FLV tags there, keeping the response open. */
async function flvServer(): Promise<{ url: string; responses: ServerResponse[]; requests: string[]; close(): Promise<void> }> {
  const responses: ServerResponse[] = [];
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/loop.flv') return void res.writeHead(302, { location: '/loop.flv' }).end();
    if (req.url === '/old.flv') return void res.writeHead(302, { location: '/x.flv' }).end();
    if (req.url !== '/x.flv') return void res.writeHead(404).end();
    startFlvResponse(res);
    responses.push(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    responses,
    requests,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

test('an HTTP-FLV pull follows a redirect and publishes the body; too many redirects is an error', async (t) => {
  const upstream = await flvServer();
  t.after(() => upstream.close());
  const hub = new Hub();
  const pull = new PullSource(hub, key, { ...pullOptions, url: `${upstream.url}/old.flv`, onDemand: false });
  t.after(() => pull.close());
  pull.start();
  await waitFor('the pulled stream', () => hub.get(key)?.publisher);
  assert.deepEqual(upstream.requests, ['/old.flv', '/x.flv']);
  upstream.responses[0]!.write(encodeTag(9, 40, avcInterframe()));
  await waitFor('the next frame', () => (hub.get(key)?.tagsIn ?? 0) >= 3);

  const looping = new PullSource(hub, { ...key, stream: 'loop' }, { ...pullOptions, url: `${upstream.url}/loop.flv`, onDemand: false });
  t.after(() => looping.close());
  looping.start();
  const status = await waitFor('the redirect error', () => (looping.status().lastError !== undefined ? looping.status() : undefined));
  assert.equal(status.lastError?.code, 'ERR_RELAY_TOO_MANY_REDIRECTS');
  assert.equal(upstream.requests.filter((r) => r === '/loop.flv').length, 4, 'the first request and 3 redirects');
});

test('an oversized FLV tag from an HTTP upstream ends that connection (bounded buffer)', async (t) => {
  const server = http.createServer((_req, res) => {
    res.writeHead(200);
    res.write(encodeFlvHeader({ hasAudio: false, hasVideo: true }));
    // A tag header announcing 16 MB: more than maxTagBytes, refused before its body is buffered.
    res.write(Uint8Array.from([9, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0]));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  const hub = new Hub();
  const pull = new PullSource(hub, key, { ...pullOptions, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/x.flv`, onDemand: false });
  t.after(() => pull.close());
  pull.start();
  const status = await waitFor('the protocol error', () => (pull.status().lastError !== undefined ? pull.status() : undefined));
  assert.equal(status.lastError?.code, 'ERR_RELAY_PROTOCOL');
  assert.match(status.lastError?.message ?? '', /maxTagSize/);
});

test('an on-demand pull starts with the first viewer and stops idleMs after the last one left', async (t) => {
  const upstream = await flvServer();
  t.after(() => upstream.close());
  const hub = new Hub({ reconnectGraceMs: 0 });
  const puller = new Puller(hub, [{ stream: 'live/cam1', url: `${upstream.url}/x.flv`, onDemand: true, idleMs: 200 }], pullOptions);
  t.after(() => puller.close());
  hub.setResolver(puller.resolver, { timeoutMs: 3000 });
  puller.start();
  await sleep(50);
  assert.equal(upstream.requests.length, 0, 'nothing pulled before a viewer asks');
  assert.equal(await hub.find({ ...key, stream: 'other' }), undefined, 'a stream without a pull is not found');

  const stream = await hub.find(key);
  assert.ok(stream, 'the viewer found the stream');
  const viewer = hub.subscribe(key, flvFormat, nullSink, { protocol: 'test' })!;
  await sleep(300);
  assert.equal(puller.list()[0]?.state, 'pulling', 'a watched pull stays');
  viewer.close();
  // Back within idleMs: the same pull serves it.
  await sleep(100);
  const back = hub.subscribe(key, flvFormat, nullSink, { protocol: 'test' })!;
  await sleep(200);
  assert.equal(puller.list()[0]?.state, 'pulling');
  assert.equal(upstream.requests.length, 1, 'one upstream connection so far');
  back.close();
  await waitFor('the idle stop', () => puller.list()[0]?.state === 'idle');
  await waitFor('the stream to go', () => hub.get(key) === undefined);
  // The next viewer starts it again.
  assert.ok(await hub.find(key));
  assert.equal(upstream.requests.length, 2);
});
