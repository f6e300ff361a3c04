/**
 * flvcast relaying to and from flvcast, over loopback: a forward whose destination is killed and restarted
 * (it reconnects; the source's own HTTP viewers see no gap), the hop count at the destination, an HTTP-FLV
 * pull (always on, and on demand with its idle stop), a destination that stops reading (bounded memory,
 * counted drops, viewers unaffected), and a forward over rtmps:// to a flvcast RTMPS listener.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import httpFlv from '@flvcast/fastify-http-flv';
import fastifyRelay, { type RelayPluginOptions } from '@flvcast/fastify-relay';
import rtmp from '@flvcast/fastify-rtmp';
import { RtmpServerSession } from '@flvcast/rtmp';
import Fastify, { type FastifyInstance } from 'fastify';
import { testCert } from '../src/self-signed.js';
import { SyntheticPublisher } from '../src/synthetic-publisher.js';
import { HttpFlvViewer, probe, publish, sleep, startApp, streamKey, waitForMedia, waitUntil } from '../src/tools.js';

/** A full garbage collection, so heap figures compare live memory (the flag is set before the function is fetched). */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const liveBytes = (): number => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** A flvcast with HTTP-FLV and RTMP on given (or free) loopback ports. */
async function destination(t: TestContext, rtmpPort = 0, tls?: { cert: string; key: string }): Promise<{ app: FastifyInstance; rtmpPort: number; httpUrl: string }> {
  const app = Fastify({ logger: false });
  await app.register(httpFlv, { reconnectGraceMs: 10_000 });
  await app.register(rtmp, { listen: { host: '127.0.0.1', port: rtmpPort, ...(tls === undefined ? {} : { tls }) } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  return { app, rtmpPort: app.rtmp.addresses()[0]!.port, httpUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

async function source(t: TestContext, relay: RelayPluginOptions): Promise<Awaited<ReturnType<typeof startApp>>> {
  const started = await startApp({
    httpFlv: { reconnectGraceMs: 10_000 },
    plugins: async (a) => {
      await a.register(fastifyRelay, relay);
    },
  });
  t.after(() => started.app.close());
  return started;
}

/** Longest time between two tags a viewer received after `from` (performance.now()). */
function longestGap(viewer: HttpFlvViewer, from: number): number {
  const times = viewer.tags.filter((tag) => tag.at >= from).map((tag) => tag.at);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap;
}

test('flvcast → flvcast: the forward reconnects to a restarted destination; the source viewers see no gap', async (t) => {
  const first = await destination(t);
  const port = first.rtmpPort;
  const src = await source(t, { forward: [{ match: 'live/*', url: `rtmp://127.0.0.1:${port}/edge` }], relayReconnectMinMs: 100, relayReconnectMaxMs: 400 });
  const pub = await SyntheticPublisher.start(src.rtmpPort, 'cam1');
  t.after(() => pub.close());
  const viewer = await HttpFlvViewer.open(`${src.httpUrl}/live/cam1.flv`);
  t.after(() => viewer.close());
  const atDest = await waitForMedia(first.app, 'cam1', { appName: 'edge' });
  assert.deepEqual(atDest.publisher?.info.query, { flvcastHops: '1' }, 'the hop count rides the stream name');
  await viewer.waitFor((v) => v.tags.length > 20, 5000, 'the source viewer to play');

  // The destination dies …
  const killedAt = performance.now();
  await first.app.close();
  await waitUntil(() => src.app.relay.forwards()[0]?.state !== 'forwarding', 5000, 'the forward to notice');
  await sleep(1000);
  // … and comes back on the same port.
  const restartedAt = performance.now();
  const second = await destination(t, port);
  const back = await waitForMedia(second.app, 'cam1', { appName: 'edge', minTags: 5, timeoutMs: 10_000 });
  const reconnectMs = performance.now() - restartedAt;
  assert.equal(back.publisher?.info.protocol, 'rtmp');
  const status = src.app.relay.forwards()[0]!;
  assert.equal(status.state, 'forwarding');
  assert.ok(status.reconnects >= 1, `reconnects: ${status.reconnects}`);
  assert.ok(status.lastError !== undefined);
  const gap = longestGap(viewer, killedAt);
  t.diagnostic(`destination down ${Math.round(restartedAt - killedAt)} ms; forwarding again ${Math.round(reconnectMs)} ms after it listened; ${status.reconnects} reconnects; longest gap at the source's HTTP viewer ${Math.round(gap)} ms`);
  assert.ok(reconnectMs < 2000, `reconnected ${Math.round(reconnectMs)} ms after the restart (back-off capped at 400 ms)`);
  assert.ok(gap < 500, `the source's viewer waited ${Math.round(gap)} ms for a tag (frames every 40 ms)`);
  assert.equal(viewer.aborted, false);
});

test('flvcast pulls HTTP-FLV from a second flvcast and serves it; ffprobe reads it', async (t) => {
  const origin = await startApp({});
  t.after(() => origin.app.close());
  const ffmpeg = publish(`${origin.rtmpUrl}/live/origin1`, 'av', { seconds: 30 });
  t.after(() => ffmpeg.kill());
  await waitForMedia(origin.app, 'origin1');
  const edge = await source(t, { pull: [{ stream: 'live/copy', url: `${origin.httpUrl}/live/origin1.flv` }], relayReconnectMinMs: 200 });
  await waitForMedia(edge.app, 'copy', { timeoutMs: 10_000 });
  const result = await probe(`${edge.httpUrl}/live/copy.flv`, 20_000);
  const video = result.streams.find((s) => s.codec_type === 'video');
  assert.equal(video?.codec_name, 'h264', result.stderr);
  assert.deepEqual([video?.width, video?.height], [320, 240]);
  assert.equal(result.streams.find((s) => s.codec_type === 'audio')?.codec_name, 'aac');
  // The pull is a viewer of the origin, like any other.
  assert.equal(origin.app.streams.get(streamKey('origin1'))?.viewerCount, 1);
});

test('an on-demand pull starts with the first viewer, stops after its idle time, and starts again', async (t) => {
  const origin = await startApp({});
  t.after(() => origin.app.close());
  const pub = await SyntheticPublisher.start(origin.rtmpPort, 'od');
  t.after(() => pub.close());
  await waitForMedia(origin.app, 'od');
  const edge = await source(t, { pull: [{ stream: 'live/od', url: `${origin.httpUrl}/live/od.flv`, onDemand: true, idleMs: 500 }] });
  await sleep(200);
  assert.equal(origin.app.streams.get(streamKey('od'))?.viewerCount, 0, 'nothing pulled before a viewer');
  assert.equal(edge.app.relay.pulls()[0]?.state, 'idle');

  const askedAt = performance.now();
  const viewer = await HttpFlvViewer.open(`${edge.httpUrl}/live/od.flv`);
  assert.equal(viewer.status, 200, viewer.body);
  await viewer.waitFor((v) => v.tags.some((tag) => tag.video?.isKeyframe === true), 5000, 'a keyframe through the on-demand pull');
  t.diagnostic(`on-demand pull: first keyframe ${Math.round(viewer.tags.find((tag) => tag.video?.isKeyframe === true)!.at - askedAt)} ms after the request`);
  assert.equal(origin.app.streams.get(streamKey('od'))?.viewerCount, 1);
  viewer.close();
  const leftAt = performance.now();
  await waitUntil(() => edge.app.relay.pulls()[0]?.state === 'idle', 5000, 'the idle stop');
  const idleAfter = performance.now() - leftAt;
  await waitUntil(() => origin.app.streams.get(streamKey('od'))?.viewerCount === 0, 5000, 'the upstream connection to close');
  assert.ok(idleAfter >= 450, `stopped ${Math.round(idleAfter)} ms after the last viewer (idleMs 500)`);

  const again = await HttpFlvViewer.open(`${edge.httpUrl}/live/od.flv`);
  t.after(() => again.close());
  assert.equal(again.status, 200);
  await again.waitFor((v) => v.tags.some((tag) => tag.video?.isKeyframe === true), 5000, 'the restarted pull');
  assert.equal(edge.app.relay.pulls()[0]?.state, 'pulling');
});

/** An RTMP server that accepts a publish and then never reads another byte. */
async function stuckDestination(t: TestContext): Promise<{ port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    const session = new RtmpServerSession({ hmacSha256: (k, d) => new Uint8Array(createHmac('sha256', k).update(d).digest()) });
    socket.on('data', (data: Buffer) => {
      for (const e of session.push(data)) {
        if (e.type !== 'publish') continue;
        session.acceptPublish(e.streamId);
        for (const chunk of session.takeOutput()) socket.write(chunk);
        socket.pause(); // from now on: not a byte read
        return;
      }
      for (const chunk of session.takeOutput()) socket.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))));
  return { port: (server.address() as AddressInfo).port, sockets };
}

test('a destination that stops reading: the forward stays bounded, drops are counted, HTTP viewers are unaffected', async (t) => {
  const stuck = await stuckDestination(t);
  const highWater = 256 * 1024;
  const maxQueue = 2 * 1024 * 1024;
  const healthy = await destination(t);
  const src = await source(t, {
    forward: [
      { match: 'live/*', url: `rtmp://127.0.0.1:${stuck.port}/app` },
      { match: 'live/*', url: `rtmp://127.0.0.1:${healthy.rtmpPort}/ok` },
    ],
    forwardHighWaterBytes: highWater,
    forwardMaxQueueBytes: maxQueue,
    forwardStallTimeoutMs: 600_000,
  });
  // 25 frames a second of 200 KB: 40 Mbit/s, so the kernel's socket buffers fill within seconds.
  const pub = await SyntheticPublisher.start(src.rtmpPort, 'fat', { videoPadding: 200_000 });
  t.after(() => pub.close());
  const viewer = await HttpFlvViewer.open(`${src.httpUrl}/live/fat.flv`);
  t.after(() => viewer.close());
  const stuckForward = () => src.app.relay.forwards().find((f) => f.url.includes(`:${stuck.port}/`))!;
  const healthyForward = () => src.app.relay.forwards().find((f) => f.url.includes(`:${healthy.rtmpPort}/`))!;
  await waitUntil(() => stuckForward()?.state === 'forwarding' && healthyForward()?.state === 'forwarding', 5000, 'both forwards to publish');
  const started = performance.now();
  let maxSocket = 0;
  let maxQueued = 0;
  // Live memory of the server side: the test's viewer keeps every tag it got, which is not the server's.
  const serverBytes = (): number => liveBytes() - viewer.flv.bytes;
  const early: number[] = [];
  const late: number[] = [];
  // The first 3 s fill what is meant to fill (the kernel's socket buffers, the queue, a 5 MB GOP cache);
  // from there on, 40 MB more go nowhere. Samples a quarter second apart over one GOP at 3 s and at 10 s:
  // their lowest is the floor under the GOP cache's swing, and that floor must not rise with the 40 MB.
  let healthyTagsAt3s = 0;
  while (performance.now() - started < 11_000) {
    const s = stuckForward();
    maxSocket = Math.max(maxSocket, s.socketBufferedBytes);
    maxQueued = Math.max(maxQueued, s.queuedBytes);
    const at = performance.now() - started;
    if (at > 3000 && at < 4000 && early.length * 250 < at - 3000) {
      if (early.length === 0) healthyTagsAt3s = healthy.app.streams.get(streamKey('fat', 'ok'))?.tagsIn ?? 0;
      early.push(serverBytes());
    }
    if (at > 10_000 && late.length * 250 < at - 10_000) late.push(serverBytes());
    await sleep(50);
  }
  const heapBefore = Math.min(...early);
  const heapAfter = Math.min(...late);
  const status = stuckForward();
  const gap = longestGap(viewer, started + 500);
  const healthyTags = (healthy.app.streams.get(streamKey('fat', 'ok'))?.tagsIn ?? 0) - healthyTagsAt3s;
  t.diagnostic(
    `40 Mbit/s for 11 s to a destination that reads nothing: socket buffer peak ${(maxSocket / 1024).toFixed(0)} KiB (high water ${highWater / 1024}), hub queue peak ${(maxQueued / 1024).toFixed(0)} KiB (bound ${maxQueue / 1024}), ${status.drops} frames dropped in ${status.skips} skips, live heap+buffers floor ${((heapAfter - heapBefore) / 1048576).toFixed(1)} MB from 3 s to 10 s (${early.length}/${late.length} samples), viewer's longest gap ${Math.round(gap)} ms`,
  );
  assert.equal(status.state, 'forwarding', 'still connected: it is the destination that is slow');
  assert.ok(maxSocket <= highWater + 256 * 1024, `socket buffer peaked at ${maxSocket} (one 200 KB frame over the high-water mark at most)`);
  assert.ok(maxQueued <= maxQueue + 256 * 1024, `hub queue peaked at ${maxQueued}`);
  assert.ok(status.drops > 0 && status.skips > 0, `drops ${status.drops}, skips ${status.skips}`);
  // 35 MB went nowhere between the windows. What may still move: the forward's queue (2 MB) and socket,
  // the other destination's buffers; not the 35 MB a queue without bounds would keep.
  assert.ok(early.length >= 2 && late.length >= 2, `samples: ${early.length} early, ${late.length} late`);
  assert.ok(heapAfter - heapBefore < 16 * 1024 * 1024, `the live memory floor rose by ${heapAfter - heapBefore} bytes from 3 s to 10 s`);
  assert.ok(viewer.tags.length > 150, `the viewer got ${viewer.tags.length} tags`);
  assert.ok(gap < 1000, `the viewer waited ${Math.round(gap)} ms at most`);
  // The other destination of the same stream got everything meanwhile: 8 s of 25 video + 25 audio frames a second.
  assert.equal(healthyForward().drops, 0);
  assert.ok(healthyTags > 300, `the healthy destination received ${healthyTags} tags from 3 s to 11 s`);
});

test('a forward over rtmps:// to a flvcast RTMPS listener', async (t) => {
  const cert = await testCert();
  const dest = await destination(t, 0, { cert: cert.cert, key: cert.key });
  const src = await source(t, { forward: [{ match: 'live/*', url: `rtmps://127.0.0.1:${dest.rtmpPort}/secure/renamed` }], tls: { ca: cert.cert } });
  const ffmpeg = publish(`${src.rtmpUrl}/live/tls1`, 'av', { seconds: 20 });
  t.after(() => ffmpeg.kill());
  const atDest = await waitForMedia(dest.app, 'renamed', { appName: 'secure', timeoutMs: 15_000 });
  assert.deepEqual(atDest.publisher?.info.query, { flvcastHops: '1' });
  assert.ok(dest.app.rtmp.addresses()[0]?.tls);
  const result = await probe(`${dest.httpUrl}/secure/renamed.flv`, 15_000);
  assert.equal(result.streams.find((s) => s.codec_type === 'video')?.codec_name, 'h264', result.stderr);
  assert.equal(result.streams.find((s) => s.codec_type === 'audio')?.codec_name, 'aac');
});

test('an rtmps:// forward that does not trust the certificate fails with a socket error and retries', async (t) => {
  const cert = await testCert();
  const dest = await destination(t, 0, { cert: cert.cert, key: cert.key });
  const src = await source(t, { forward: [{ match: 'live/*', url: `rtmps://127.0.0.1:${dest.rtmpPort}/secure` }], relayReconnectMinMs: 100 });
  const pub = await SyntheticPublisher.start(src.rtmpPort, 'untrusted');
  t.after(() => pub.close());
  const status = await waitUntil(() => src.app.relay.forwards()[0]?.lastError, 5000, 'the TLS failure');
  assert.equal(status.code, 'ERR_RELAY_SOCKET');
  assert.match(status.message, /certificate/i);
  assert.equal(dest.app.streams.size, 0);
});

test("a pulled stream's viewers stay attached while the upstream server restarts", async (t) => {
  /** An origin flvcast on fixed ports (0: pick), with a synthetic publisher of live/o. */
  const origin = async (httpPort = 0, rtmpPort = 0): Promise<{ app: FastifyInstance; httpPort: number; rtmpPort: number; pub: SyntheticPublisher }> => {
    const app = Fastify({ logger: false });
    await app.register(httpFlv);
    await app.register(rtmp, { listen: { host: '127.0.0.1', port: rtmpPort } });
    await app.listen({ host: '127.0.0.1', port: httpPort });
    t.after(() => app.close());
    const port = app.rtmp.addresses()[0]!.port;
    const pub = await SyntheticPublisher.start(port, 'o');
    t.after(() => pub.close());
    return { app, httpPort: (app.server.address() as AddressInfo).port, rtmpPort: port, pub };
  };
  const first = await origin();
  const edge = await source(t, { pull: [{ stream: 'live/p', url: `http://127.0.0.1:${first.httpPort}/live/o.flv` }], relayReconnectMinMs: 100, relayReconnectMaxMs: 400 });
  await waitForMedia(edge.app, 'p');
  const viewer = await HttpFlvViewer.open(`${edge.httpUrl}/live/p.flv`);
  t.after(() => viewer.close());
  await viewer.waitFor((v) => v.tags.length > 20, 5000, 'the edge viewer to play');

  const downAt = performance.now();
  await first.pub.close();
  await first.app.close();
  await waitUntil(() => edge.app.relay.pulls()[0]?.state !== 'pulling', 5000, 'the pull to notice');
  await sleep(500);
  const second = await origin(first.httpPort, first.rtmpPort);
  const tagsBefore = viewer.tags.length;
  await viewer.waitFor((v) => v.tags.slice(tagsBefore).some((tag) => tag.video?.isKeyframe === true), 10_000, 'media through the new upstream connection');
  const back = viewer.tags.slice(tagsBefore).find((tag) => tag.video?.isKeyframe === true)!.at;
  const status = edge.app.relay.pulls()[0]!;
  t.diagnostic(`upstream down ${Math.round(back - downAt)} ms at the viewer (server restart + ${status.reconnects} reconnects); the viewer's connection stayed`);
  assert.equal(viewer.aborted, false);
  assert.equal(viewer.ended, false);
  assert.ok(status.reconnects >= 1);
  assert.equal(status.state, 'pulling');
  assert.ok(second.app.streams.get(streamKey('o'))?.viewerCount === 1, 'the new upstream has the pull as its viewer');
});

test("an onPublish hook's forward URLs are pushed to, beside the configured rules (dynamic forward)", async (t) => {
  const dest = await destination(t);
  const src = await startApp({
    // The app decides per publish: cam-* streams go to the destination, under the name the hook picks.
    rtmp: { onPublish: (ctx) => (ctx.stream.startsWith('cam-') ? { forward: [`rtmp://127.0.0.1:${dest.rtmpPort}/fromhook/${ctx.stream}-copy`] } : true) },
    plugins: async (a) => {
      await a.register(fastifyRelay, {});
    },
  });
  t.after(() => src.app.close());
  const forwarded = publish(`${src.rtmpUrl}/live/cam-7`, 'av', { seconds: 20 });
  const notForwarded = publish(`${src.rtmpUrl}/live/other`, 'av', { seconds: 20 });
  t.after(() => {
    forwarded.kill();
    notForwarded.kill();
  });
  const atDest = await waitForMedia(dest.app, 'cam-7-copy', { appName: 'fromhook', timeoutMs: 15_000 });
  assert.equal(atDest.publisher?.info.hops, 1);
  await waitForMedia(src.app, 'other');
  const statuses = src.app.relay.forwards();
  assert.deepEqual(statuses.map((s) => s.stream), ['live/cam-7'], JSON.stringify(statuses));
  assert.equal(dest.app.streams.size, 1, 'only the stream the hook named was forwarded');
});

test('flvcast pulls RTMP from a second flvcast (RTMP play) and serves it; ffprobe reads it', async (t) => {
  const origin = await startApp({});
  t.after(() => origin.app.close());
  const ffmpeg = publish(`${origin.rtmpUrl}/live/rtmporigin`, 'av', { seconds: 30 });
  t.after(() => ffmpeg.kill());
  await waitForMedia(origin.app, 'rtmporigin');
  const edge = await source(t, { pull: [{ stream: 'live/rtmpcopy', url: `${origin.rtmpUrl}/live/rtmporigin` }], relayReconnectMinMs: 200 });
  const pulled = await waitForMedia(edge.app, 'rtmpcopy', { timeoutMs: 10_000 });
  assert.equal(pulled.publisher?.info.protocol, 'pull');
  const result = await probe(`${edge.httpUrl}/live/rtmpcopy.flv`, 20_000);
  const video = result.streams.find((s) => s.codec_type === 'video');
  assert.equal(video?.codec_name, 'h264', result.stderr);
  assert.deepEqual([video?.width, video?.height], [320, 240]);
  assert.equal(result.streams.find((s) => s.codec_type === 'audio')?.codec_name, 'aac');
  // The pull is an RTMP player of the origin.
  const origin1 = origin.app.streams.get(streamKey('rtmporigin'));
  assert.deepEqual([...(origin1?.subscribers ?? [])].map((s) => s.info.protocol), ['rtmp']);
});

test('two flvcast servers forwarding to each other under new names: the loop ends at the hop limit, both stay healthy', async (t) => {
  // Each server forwards every publish to the other under a longer name, so no name is ever busy: only the
  // hop count can end the loop. s (0 hops, from ffmpeg) → B sa (1) → A sab (2) → B saba (3) → A sabab (4);
  // sabab's forward announces 5 hops and B refuses it (maxForwardHops 4).
  const ports = { a: 0, b: 0 };
  const hook = (peer: 'a' | 'b', suffix: string) => (ctx: { stream: string }) => ({ forward: [`rtmp://127.0.0.1:${ports[peer]}/live/${ctx.stream}${suffix}`] });
  const b = await startApp({ rtmp: { maxForwardHops: 4, onPublish: hook('a', 'b') }, plugins: async (x) => void (await x.register(fastifyRelay, { relayReconnectMinMs: 500 })) });
  t.after(() => b.app.close());
  ports.b = b.rtmpPort;
  const a = await startApp({ rtmp: { maxForwardHops: 4, onPublish: hook('b', 'a') }, plugins: async (x) => void (await x.register(fastifyRelay, { relayReconnectMinMs: 500 })) });
  t.after(() => a.app.close());
  ports.a = a.rtmpPort;
  const refused: string[] = [];
  b.app.streams.events.on('deny', (d) => refused.push(`${d.stream}: ${d.reason}`));
  const ffmpeg = publish(`${a.rtmpUrl}/live/s`, 'av', { seconds: 30 });
  t.after(() => ffmpeg.kill());
  await waitForMedia(a.app, 'sabab', { timeoutMs: 15_000 });
  await waitUntil(() => refused.length > 0, 10_000, 'B to refuse the fifth hop');
  assert.match(refused[0]!, /^live\/sababa: .*5.*maxForwardHops is 4/);
  await sleep(1500);
  const names = (app: FastifyInstance): string[] => [...app.streams.list()].map((s) => s.name).sort();
  assert.deepEqual(names(a.app), ['live/s', 'live/sab', 'live/sabab']);
  assert.deepEqual(names(b.app), ['live/sa', 'live/saba']);
  // Healthy at both ends: the first and the last stream of the chain play.
  for (const url of [`${a.httpUrl}/live/s.flv`, `${a.httpUrl}/live/sabab.flv`]) {
    const result = await probe(url, 15_000);
    assert.equal(result.streams.find((s) => s.codec_type === 'video')?.codec_name, 'h264', `${url}: ${result.stderr}`);
  }
});
