/**
 * flvcast behind real reverse proxies, with real peers: ffmpeg publishes over RTMP to the server
 * (`buildServer`, in-process, every listener on 127.0.0.1:0, the API listener included), and Debian's nginx
 * and Caddy stand in front of its public HTTP port with the configurations docs/reverse-proxy.md prints
 * (src/reverse-proxy.ts keeps them; only ports and paths are substituted). Viewers are ffprobe, Node's
 * HTTP/HTTP2 clients and `ws`.
 *
 * What must hold behind a proxy: the API and /metrics stay unreachable through it (on the same host every
 * proxied request is loopback, and a plain `proxy_pass` adds no header telling it apart); FLV is not
 * buffered by the proxy (nginx obeys flvcast's `X-Accel-Buffering: no`; Caddy flushes bodies of unknown
 * length); WS-FLV passes with the Upgrade headers; `--trust-proxy` turns X-Forwarded-For into the client's
 * address for the per-address viewer limit.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import { buildServer, resolveConfig } from '@flvcast/server';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import {
  CADDY_SITE,
  NGINX_PLAIN,
  NGINX_SITE,
  NGINX_TLS,
  NGINX_UPGRADE_MAP,
  assertProxies,
  caddySite,
  nginxSite,
  skipWithoutProxies,
  startCaddy,
  startNginx,
  type Cleanup,
  type RunningProxy,
} from '../src/reverse-proxy.js';
import { testCert } from '../src/self-signed.js';
import {
  FlvCollector,
  HttpFlvViewer,
  probe,
  publish,
  request,
  sleep,
  streamKey,
  summarize,
  waitForMedia,
  waitUntil,
  withTimeout,
  type Proc,
  type ReceivedTag,
} from '../src/tools.js';

const docsFile = fileURLToPath(new URL('../../../../docs/reverse-proxy.md', import.meta.url));

interface Flvcast {
  app: FastifyInstance;
  httpPort: number;
  /** http://127.0.0.1:<public port> */
  http: string;
  /** http://127.0.0.1:<API port> */
  api: string;
  rtmp: string;
}

async function startFlvcast(t: Cleanup, config: Record<string, unknown>): Promise<Flvcast> {
  const built = await buildServer(
    resolveConfig({ httpListen: ['127.0.0.1:0'], rtmpListen: ['127.0.0.1:0'], apiListen: ['127.0.0.1:0'], logLevel: 'silent', ...config }),
  );
  t.after(() => built.app.close());
  const [address] = await built.listen();
  const apiAddress = built.apiAddresses()[0];
  assert.ok(address !== undefined && apiAddress !== undefined, 'public and API listeners are bound');
  return {
    app: built.app,
    httpPort: address.port,
    http: `http://127.0.0.1:${address.port}`,
    api: `http://127.0.0.1:${apiAddress.port}`,
    rtmp: `rtmp://127.0.0.1:${built.app.rtmp.addresses()[0]!.port}`,
  };
}

async function getJson<T>(url: string): Promise<T> {
  const res = await request(url);
  assert.equal(res.status, 200, `GET ${url}: ${res.body.toString()}`);
  return JSON.parse(res.body.toString()) as T;
}

interface ApiClient {
  id: string;
  role: 'publisher' | 'viewer';
  protocol: string;
  ip: string | null;
  stream: string;
}

/** Per tag matched by type and timestamp: how much later it reached the proxied viewer than the direct one. */
function addedDelay(direct: readonly ReceivedTag[], proxied: readonly ReceivedTag[]): { n: number; p50: number; p99: number } {
  const at = new Map(direct.filter((t) => t.type !== 18).map((t) => [`${t.type}@${t.timestamp}`, t.at]));
  const d: number[] = [];
  for (const tag of proxied) {
    const a = at.get(`${tag.type}@${tag.timestamp}`);
    if (a !== undefined) d.push(tag.at - a);
  }
  d.sort((x, y) => x - y);
  return { n: d.length, p50: d[Math.floor(d.length / 2)] ?? NaN, p99: d[Math.floor(d.length * 0.99)] ?? NaN };
}

interface WsViewer {
  ws: WebSocket;
  flv: FlvCollector;
  textMessages: number;
}

function openWs(url: string, opts: WebSocket.ClientOptions = {}): Promise<WsViewer> {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...opts });
  const viewer: WsViewer = { ws, flv: new FlvCollector(), textMessages: 0 };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) viewer.flv.push(new Uint8Array(data));
    else viewer.textMessages++;
  });
  return withTimeout(
    new Promise<WsViewer>((resolve, reject) => {
      ws.once('open', () => resolve(viewer));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`${url}: upgrade answered ${res.statusCode}`)));
      ws.once('error', reject);
    }),
    5_000,
    `WebSocket ${url} to open`,
  );
}

const digest = (tag: ReceivedTag): string => `${tag.type}@${tag.timestamp}/${tag.payload.byteLength}/${createHash('sha256').update(tag.payload).digest('hex').slice(0, 16)}`;

/** Tags two viewers of the same stream both received, aligned at the first keyframe both have. */
function commonTags(a: readonly ReceivedTag[], b: readonly ReceivedTag[]): { a: ReceivedTag[]; b: ReceivedTag[] } {
  const firstKey = (tags: readonly ReceivedTag[]): number => tags.find((t) => t.video?.isKeyframe === true && !t.video.isSequenceHeader)?.timestamp ?? Infinity;
  const start = Math.max(firstKey(a), firstKey(b));
  const ia = a.findIndex((t) => t.video?.isKeyframe === true && !t.video.isSequenceHeader && t.timestamp >= start);
  const ib = b.findIndex((t) => t.video?.isKeyframe === true && !t.video.isSequenceHeader && t.timestamp === a[ia]?.timestamp);
  if (ia < 0 || ib < 0) return { a: [], b: [] };
  const n = Math.min(a.length - ia, b.length - ib);
  return { a: a.slice(ia, ia + n), b: b.slice(ib, ib + n) };
}

/** The sequence headers and metadata a viewer got, by kind (their timestamps depend on when it joined). */
function configTags(tags: readonly ReceivedTag[]): string[] {
  return tags
    .filter((t) => t.type === 18 || t.video?.isSequenceHeader === true || t.audio?.isSequenceHeader === true)
    .map((t) => `${t.type}/${createHash('sha256').update(t.payload).digest('hex').slice(0, 16)}`)
    .sort();
}

test('docs/reverse-proxy.md prints the configurations these tests run, verbatim (minus ports and paths)', () => {
  const docs = readFileSync(docsFile, 'utf8');
  for (const [name, text] of Object.entries({ NGINX_PLAIN, NGINX_UPGRADE_MAP, NGINX_SITE, NGINX_TLS, CADDY_SITE })) {
    assert.ok(docs.includes(text), `docs/reverse-proxy.md must contain ${name} exactly as test/interop/src/reverse-proxy.ts has it:\n${text}`);
  }
});

describe('ffmpeg → flvcast → nginx / Caddy → viewers', { skip: skipWithoutProxies('nginx') }, () => {
  const cleanups: Array<() => unknown> = [];
  const suite: Cleanup = { after: (fn) => cleanups.push(fn) };
  let s: Flvcast;
  let pub: Proc;

  before(async () => {
    assertProxies('nginx');
    // The operator's usual setup behind a proxy on the same host: trust it for X-Forwarded-For.
    s = await startFlvcast(suite, { trustProxy: '127.0.0.1' });
    pub = publish(`${s.rtmp}/live/cam`, 'av', { seconds: 120 });
    suite.after(() => pub.kill());
    await waitForMedia(s.app, 'cam', { minTags: 10 });
  });
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  const upstream = (port: number) => ({ port, upstreamPort: s.httpPort });
  const assertPublishing = (what: string): void => {
    assert.equal(pub.exited, false, `${what}: ffmpeg is still publishing (${pub.stderr})`);
    assert.ok(s.app.streams.get(streamKey('cam'))?.publisher !== undefined, `${what}: live/cam still has its publisher`);
  };

  test('the API and /metrics are out of reach through nginx (404), whatever the request claims; the API listener serves them', async (t) => {
    const nginx = await startNginx(t, {
      ports: 2,
      http: ([plain, forwarding]) => [NGINX_UPGRADE_MAP, nginxSite(NGINX_PLAIN, upstream(plain!)), nginxSite(NGINX_SITE, upstream(forwarding!))].join('\n\n'),
    });
    const proxies = { 'plain proxy_pass': `http://127.0.0.1:${nginx.ports[0]}`, 'proxy_pass + X-Forwarded-For': `http://127.0.0.1:${nginx.ports[1]}` };
    const listed = await getJson<{ clients: ApiClient[] }>(`${s.api}/api/v1/clients`);
    const publisher = listed.clients.find((c) => c.role === 'publisher' && c.stream === 'live/cam');
    assert.ok(publisher !== undefined, `the API lists the publisher: ${JSON.stringify(listed)}`);
    const tagsBefore = s.app.streams.get(streamKey('cam'))!.tagsIn;

    // What a client on the internet can try through the proxy: on this host, nginx connects from
    // 127.0.0.1, and the claims below make the forwarded address loopback too (trustProxy is 127.0.0.1).
    const claims: Array<Record<string, string>> = [
      {},
      { 'x-forwarded-for': '127.0.0.1' },
      { 'x-forwarded-for': '127.0.0.1, 127.0.0.1', 'x-real-ip': '127.0.0.1', forwarded: 'for=127.0.0.1' },
    ];
    const calls: Array<[string, string]> = [
      ['GET', '/api/v1/summary'],
      ['GET', '/metrics'],
      ['GET', '/api/v1/clients'],
      ['DELETE', `/api/v1/clients/${publisher.id}`],
      ['DELETE', '/api/v1/streams/live/cam'],
    ];
    for (const [via, base] of Object.entries(proxies)) {
      for (const claim of claims) {
        for (const [method, path] of calls) {
          const res = await request(`${base}${path}`, { method, headers: claim });
          const what = `${method} ${path} through nginx (${via}) claiming ${JSON.stringify(claim)}`;
          assert.equal(res.status, 404, `${what}: ${res.status} ${res.body.toString().slice(0, 200)}`);
          assert.doesNotMatch(res.body.toString(), /flvcast_|"clients"|"totals"|"publisher"/, `${what}: no API or metrics data in the body`);
        }
      }
    }
    // The same calls straight to the public port (no proxy): the same 404.
    assert.equal((await request(`${s.http}/api/v1/summary`)).status, 404);
    assert.equal((await request(`${s.http}/metrics`)).status, 404);

    // The encoder noticed nothing: same publisher, media still flowing.
    assertPublishing('after the attempts');
    assert.equal(s.app.streams.get(streamKey('cam'))!.publisher!.id, publisher.id);
    await waitUntil(() => s.app.streams.get(streamKey('cam'))!.tagsIn > tagsBefore + 10, 3_000, 'more media from the publisher');

    // The API listener, from loopback, no token: everything works there (X-Forwarded-For is not read).
    const summary = await getJson<{ totals: { publishers: number } }>(`${s.api}/api/v1/summary`);
    assert.equal(summary.totals.publishers, 1);
    const metrics = await request(`${s.api}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.50' } });
    assert.equal(metrics.status, 200);
    assert.match(metrics.body.toString(), /^flvcast_publishers 1$/m);

    // A viewer through the forwarding proxy, as 203.0.113.9: the API shows the forwarded address, and
    // kicking it from the API listener ends its response through nginx; the publisher stays.
    const viewer = await HttpFlvViewer.open(`${proxies['proxy_pass + X-Forwarded-For']}/live/cam.flv`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    t.after(() => viewer.close());
    assert.equal(viewer.status, 200);
    await viewer.waitFor((v) => v.tags.length >= 5, 5_000, 'tags through nginx');
    const clients = await getJson<{ clients: ApiClient[] }>(`${s.api}/api/v1/clients?stream=live/cam`);
    const proxied = clients.clients.find((c) => c.role === 'viewer' && c.ip === '203.0.113.9');
    assert.ok(proxied !== undefined, `the API lists the proxied viewer by its forwarded address: ${JSON.stringify(clients.clients)}`);
    const kick = await request(`${s.api}/api/v1/clients/${proxied.id}`, { method: 'DELETE' });
    assert.equal(kick.status, 200, kick.body.toString());
    assert.deepEqual(JSON.parse(kick.body.toString()), { id: proxied.id, role: 'viewer', stream: 'live/cam' });
    await viewer.waitForEnd(5_000);
    assertPublishing('after kicking a viewer');
  });

  test('HTTP-FLV through nginx with a plain proxy_pass: ffprobe sees H.264 + AAC, and nginx does not buffer (X-Accel-Buffering: no)', async (t) => {
    const nginx = await startNginx(t, { http: ([port]) => nginxSite(NGINX_PLAIN, upstream(port!)) });
    const url = `${nginx.url}/live/cam.flv`;
    const probed = probe(url);
    // A direct viewer and one through nginx, side by side: the same tags, and when each arrived.
    const [direct, proxied] = await Promise.all([HttpFlvViewer.open(`${s.http}/live/cam.flv`), HttpFlvViewer.open(url)]);
    t.after(() => direct.close());
    t.after(() => proxied.close());
    await sleep(3_000);
    direct.close();
    proxied.close();

    const result = await probed;
    assert.equal(result.code, 0, `ffprobe through nginx: ${result.stderr}`);
    const video = result.streams.find((x) => x.codec_type === 'video');
    const audio = result.streams.find((x) => x.codec_type === 'audio');
    assert.equal(video?.codec_name, 'h264', JSON.stringify(result.streams));
    assert.deepEqual([video?.width, video?.height], [320, 240]);
    assert.equal(audio?.codec_name, 'aac', JSON.stringify(result.streams));

    assert.equal(proxied.status, 200);
    assert.equal(proxied.headers['content-type'], 'video/x-flv');
    assert.equal(proxied.flv.error, undefined, `FLV through nginx parses: ${proxied.flv.error?.message}`);
    // flvcast sends the header (nginx reads it from the upstream response) ...
    assert.equal(direct.headers['x-accel-buffering'], 'no', 'flvcast marks FLV responses X-Accel-Buffering: no');
    // ... and nginx, by default, acts on X-Accel-* headers and does not pass them on (proxy_hide_header's
    // defaults). nginx 1.22 strips it; recorded, not asserted: that is nginx's business.
    t.diagnostic(`${nginx.version}: X-Accel-Buffering to the client: ${JSON.stringify(proxied.headers['x-accel-buffering'] ?? null)}`);
    // What the header buys: nginx relays each write at once. Buffered (the header ignored), tags reached
    // the viewer 50-80 ms later at the median in this setup (docs/benchmarks.md "Behind nginx": +20.8 ms).
    const delay = addedDelay(direct.tags, proxied.tags);
    t.diagnostic(`added by nginx over ${delay.n} tags: p50 ${delay.p50.toFixed(2)} ms, p99 ${delay.p99.toFixed(2)} ms`);
    assert.ok(delay.n >= 50, `enough tags matched (${delay.n}); direct ${summarize(direct.tags)}; nginx ${summarize(proxied.tags)}`);
    assert.ok(delay.p50 < 10, `nginx adds little at the median (${delay.p50.toFixed(2)} ms; buffering would add tens of ms)`);
    assertPublishing('after playing through nginx');
  });

  test('WS-FLV through nginx with the Upgrade headers carries the same tags as a direct WS-FLV viewer', async (t) => {
    const nginx = await startNginx(t, { http: ([port]) => [NGINX_UPGRADE_MAP, nginxSite(NGINX_SITE, upstream(port!))].join('\n\n') });
    const [direct, proxied] = await Promise.all([openWs(`${s.http.replace('http:', 'ws:')}/live/cam.flv`), openWs(`${nginx.url.replace('http:', 'ws:')}/live/cam.flv`)]);
    t.after(() => direct.ws.terminate());
    t.after(() => proxied.ws.terminate());
    const enough = (v: WsViewer): boolean => v.flv.tags.filter((x) => x.video?.isKeyframe && !x.video.isSequenceHeader).length >= 2 && v.flv.tags.length >= 80;
    await waitUntil(() => enough(direct) && enough(proxied), 8_000, 'both WebSockets to receive two GOPs');
    direct.ws.terminate();
    proxied.ws.terminate();

    assert.equal(proxied.textMessages, 0, 'binary messages only through nginx');
    assert.equal(proxied.flv.error, undefined, `FLV over WS through nginx parses: ${proxied.flv.error?.message}`);
    assert.deepEqual(proxied.flv.header, direct.flv.header);
    assert.equal(proxied.flv.demuxer.previousTagSizeMismatches, 0);
    assert.deepEqual(configTags(proxied.flv.tags), configTags(direct.flv.tags), 'same metadata and sequence headers');
    const common = commonTags(direct.flv.tags, proxied.flv.tags);
    assert.ok(common.a.length >= 40, `at least 40 common tags from a shared keyframe (got ${common.a.length}); direct ${summarize(direct.flv.tags)}; nginx ${summarize(proxied.flv.tags)}`);
    assert.deepEqual(common.b.map(digest), common.a.map(digest), 'the same tags (type, timestamp, payload bytes) through nginx');
    assertPublishing('after WS-FLV through nginx');
  });

  test('HTTPS and HTTP/2 terminated by nginx: an HTTP/2 client, ffprobe over https:// and wss:// (HTTP/1.1) all play', async (t) => {
    const cert = await testCert();
    const nginx = await startNginx(t, {
      http: ([port]) => [NGINX_UPGRADE_MAP, nginxSite(NGINX_TLS, { ...upstream(port!), certPath: cert.certPath, keyPath: cert.keyPath })].join('\n\n'),
    });
    const https = `https://127.0.0.1:${nginx.ports[0]}`;
    const probed = probe(`${https}/live/cam.flv`);

    // HTTP/2 (ALPN h2) to nginx; nginx talks HTTP/1.1 to flvcast.
    const session = http2.connect(https, { ca: cert.cert });
    t.after(() => session.destroy());
    const h2 = await withTimeout(
      new Promise<{ status: number; accel: unknown; alpn: string | false | undefined; flv: FlvCollector }>((resolve, reject) => {
        session.once('error', reject);
        const req = session.request({ ':path': '/live/cam.flv' });
        const flv = new FlvCollector();
        let status = 0;
        let accel: unknown;
        req.once('response', (headers) => {
          status = Number(headers[':status']);
          accel = headers['x-accel-buffering'];
        });
        req.on('data', (chunk: Buffer) => {
          flv.push(new Uint8Array(chunk));
          if (flv.tags.length >= 30) {
            req.close();
            resolve({ status, accel, alpn: session.alpnProtocol, flv });
          }
        });
        req.once('error', reject);
      }),
      8_000,
      'FLV over HTTP/2 through nginx',
    );
    session.close();
    assert.equal(h2.alpn, 'h2');
    assert.equal(h2.status, 200);
    assert.equal(h2.flv.error, undefined);
    assert.deepEqual(h2.flv.header, { hasAudio: true, hasVideo: true, headerSize: 9 });
    assert.ok(h2.flv.tags.some((x) => x.video?.isKeyframe && !x.video.isSequenceHeader), `a keyframe over HTTP/2: ${summarize(h2.flv.tags)}`);

    // WebSocket over TLS: HTTP/1.1 Upgrade on its own connection (nginx 1.22 has no WebSocket over HTTP/2).
    const ws = await openWs(`${https.replace('https:', 'wss:')}/live/cam.flv`, { ca: cert.cert });
    t.after(() => ws.ws.terminate());
    await waitUntil(() => ws.flv.tags.length >= 30, 5_000, 'tags over wss:// through nginx');
    ws.ws.terminate();
    assert.equal(ws.flv.error, undefined);
    assert.equal(ws.textMessages, 0);

    const result = await probed;
    assert.equal(result.code, 0, `ffprobe over https:// through nginx: ${result.stderr}`);
    assert.deepEqual(result.streams.map((x) => x.codec_name).sort(), ['aac', 'h264']);
    assertPublishing('after HTTPS through nginx');
  });

  test('HTTP-FLV and WS-FLV through Caddy\'s plain reverse_proxy: ffprobe plays, no buffering without flush_interval, X-Forwarded-For set by Caddy', { skip: skipWithoutProxies('caddy') }, async (t) => {
    assertProxies('caddy');
    const caddy: RunningProxy = await startCaddy(t, { sites: ([port]) => caddySite(CADDY_SITE, upstream(port!)) });
    t.diagnostic(`caddy ${caddy.version}`);
    const url = `${caddy.url}/live/cam.flv`;
    const probed = probe(url);
    // The client claims an address; Caddy (no trusted_proxies) replaces X-Forwarded-For with the address
    // it sees, so flvcast (trusting 127.0.0.1) sees this test's real address, not the claim.
    const [direct, proxied] = await Promise.all([HttpFlvViewer.open(`${s.http}/live/cam.flv`), HttpFlvViewer.open(url, { headers: { 'x-forwarded-for': '203.0.113.77' } })]);
    t.after(() => direct.close());
    t.after(() => proxied.close());
    const ws = await openWs(`${caddy.url.replace('http:', 'ws:')}/live/cam.flv`);
    t.after(() => ws.ws.terminate());
    await sleep(3_000);
    const viewers = [...s.app.streams.get(streamKey('cam'))!.subscribers].map((x) => `${x.info.protocol} ${x.info.remoteAddress}`).sort();
    direct.close();
    proxied.close();
    ws.ws.terminate();

    const result = await probed;
    assert.equal(result.code, 0, `ffprobe through Caddy: ${result.stderr}\n${caddy.log()}`);
    assert.deepEqual(result.streams.map((x) => x.codec_name).sort(), ['aac', 'h264']);
    assert.equal(proxied.status, 200);
    assert.equal(proxied.flv.error, undefined);
    // Caddy passes response headers on, this one included (it has no meaning to Caddy).
    assert.equal(proxied.headers['x-accel-buffering'], 'no');
    // Caddy 2.6 flushes every write of a response without Content-Length (flvcast's are chunked or
    // HTTP/1.0 close-delimited): no `flush_interval -1` needed. Measured here against a direct viewer.
    const delay = addedDelay(direct.tags, proxied.tags);
    t.diagnostic(`added by Caddy over ${delay.n} tags: p50 ${delay.p50.toFixed(2)} ms, p99 ${delay.p99.toFixed(2)} ms`);
    assert.ok(delay.n >= 50, `enough tags matched (${delay.n})`);
    assert.ok(delay.p50 < 10, `Caddy adds little at the median (${delay.p50.toFixed(2)} ms)`);
    assert.ok(ws.flv.tags.length >= 30 && ws.flv.error === undefined && ws.textMessages === 0, `WS-FLV through Caddy: ${summarize(ws.flv.tags)}`);
    assert.ok(!viewers.some((v) => v.includes('203.0.113.77')), `the claimed address is not believed through Caddy: ${viewers.join(', ')}`);
    assert.deepEqual(viewers.filter((v) => v.startsWith('http-flv')), ['http-flv 127.0.0.1', 'http-flv 127.0.0.1']);
    assertPublishing('after Caddy');
  });
});

describe('per-address viewer limit behind nginx (150 clients, X-Forwarded-For)', { skip: skipWithoutProxies('nginx') }, () => {
  const demo = streamKey('demo');

  /** Opens one viewer per address through the proxy, `batch` at a time; resolves with all of them. */
  async function openViewers(url: string, addresses: string[], batch = 30): Promise<HttpFlvViewer[]> {
    const viewers: HttpFlvViewer[] = [];
    for (let i = 0; i < addresses.length; i += batch) {
      viewers.push(...(await Promise.all(addresses.slice(i, i + batch).map((ip) => HttpFlvViewer.open(url, { headers: { 'x-forwarded-for': ip } })))));
    }
    return viewers;
  }

  async function behindNginx(t: Cleanup, config: Record<string, unknown>): Promise<{ s: Flvcast; url: string }> {
    assertProxies('nginx');
    // The bundled demo clip as the stream: no encoder needed to count viewers.
    const s = await startFlvcast(t, { demo: true, ...config });
    await waitForMedia(s.app, 'demo', { minTags: 1 });
    const nginx = await startNginx(t, {
      http: ([port]) => [NGINX_UPGRADE_MAP, nginxSite(NGINX_SITE, { port: port!, upstreamPort: s.httpPort })].join('\n\n'),
    });
    return { s, url: `${nginx.url}/live/demo.flv` };
  }

  const addresses = Array.from({ length: 150 }, (_, i) => `203.0.113.${i + 1}`);

  test('with --trust-proxy 127.0.0.1, 150 clients with distinct forwarded addresses are all admitted, each counted as itself', async (t) => {
    const { s, url } = await behindNginx(t, { trustProxy: '127.0.0.1' });
    // Every test client connects from 127.0.0.1 and claims its address; nginx appends 127.0.0.1 (what it
    // saw) and flvcast, trusting 127.0.0.1, takes the claim. Real clients connect from their own address,
    // which nginx appends and flvcast stops at: a claim further left is not believed.
    const viewers = await openViewers(url, addresses);
    t.after(() => viewers.forEach((v) => v.close()));
    const statuses = viewers.map((v) => v.status);
    assert.deepEqual(statuses.filter((x) => x !== 200), [], `all 150 admitted (${statuses.filter((x) => x === 200).length} got 200)`);
    const seen = await waitUntil(
      () => {
        const subs = [...(s.app.streams.get(demo)?.subscribers ?? [])];
        return subs.length === 150 ? subs.map((x) => x.info.remoteAddress) : undefined;
      },
      5_000,
      '150 viewers in the hub',
    );
    assert.deepEqual([...new Set(seen)].sort(), [...addresses].sort(), 'the hub counts each viewer by its forwarded address');
    await waitUntil(() => viewers.every((v) => v.flv.header !== undefined), 5_000, 'every viewer to receive the FLV header');
    viewers.forEach((v) => v.close());
    await waitUntil(() => (s.app.streams.get(demo)?.subscribers.size ?? 0) === 0, 5_000, 'the viewers to leave (nginx closes its upstream connections)');
  });

  test('without --trust-proxy, nginx is one client: the 101st viewer gets 429 (maxViewersPerIp 100)', async (t) => {
    const { s, url } = await behindNginx(t, {});
    const viewers = await openViewers(url, addresses.slice(0, 100));
    t.after(() => viewers.forEach((v) => v.close()));
    assert.deepEqual(viewers.filter((v) => v.status !== 200).map((v) => v.status), [], 'the first 100 are admitted');
    const extra = await HttpFlvViewer.open(url, { headers: { 'x-forwarded-for': addresses[100]! } });
    t.after(() => extra.close());
    await extra.waitForEnd(3_000);
    assert.equal(extra.status, 429, `the 101st through nginx: ${extra.status} ${extra.body}`);
    assert.match(extra.body, /too many viewers from your address \(maxViewersPerIp is 100\)/);
    const seen = new Set([...s.app.streams.get(demo)!.subscribers].map((x) => x.info.remoteAddress));
    assert.deepEqual([...seen], ['127.0.0.1'], 'every viewer is the proxy');
    viewers.forEach((v) => v.close());
  });
});
