/// <reference lib="dom" />
/**
 * Browsers and flvcast behind nginx, in Debian's headless Chromium (driven by playwright-core).
 *
 * CORS for players on other sites, directly and through nginx: a preflight naming a custom request header
 * (X-Auth-Token, as players send with mpegts.js's `headers` option) is allowed, and a page from another
 * origin reads the live FLV with `fetch()` and that header. A refused preflight makes `fetch()` reject, so a
 * 200 with FLV bytes in the page is the proof. Then nginx's HTTPS + HTTP/2 site: the browser fetches the
 * FLV over h2 and plays WS-FLV over wss:// (nginx has no WebSocket over HTTP/2: that one is HTTP/1.1).
 *
 * The server is flvcast (`buildServer`) playing its bundled demo clip; nginx runs the sites of
 * docs/reverse-proxy.md. Chromium comes from CHROMIUM_PATH or /usr/bin/chromium, nginx from NGINX_PATH or
 * /usr/sbin/nginx (`.ci/run` installs both); without them the tests fail in CI (CI set) and are skipped
 * loudly elsewhere. (The DOM lib reference is for the page.evaluate callbacks.)
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildServer, resolveConfig } from '@flvcast/server';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from '../src/chromium.js';
import { NGINX_PLAIN, NGINX_TLS, NGINX_UPGRADE_MAP, assertProxies, nginxSite, skipWithoutProxies, startNginx, type SiteSubstitutions } from '../src/reverse-proxy.js';
import { testCert } from '../src/self-signed.js';
import { request, streamKey, waitForMedia, waitUntil } from '../src/tools.js';

const nginxSkip = skipWithoutProxies('nginx');
const browserSkip = nginxSkip || skipWithoutChromium('Cross-origin fetch() of FLV with a custom header is');

/** flvcast with its demo stream, and nginx in front of it (default: the plain proxy_pass site). */
async function demoBehindNginx(
  t: TestContext,
  site: (s: SiteSubstitutions) => string = (s) => nginxSite(NGINX_PLAIN, s),
): Promise<{ app: FastifyInstance; direct: string; proxied: string; proxyPort: number }> {
  assertProxies('nginx');
  const built = await buildServer(resolveConfig({ httpListen: ['127.0.0.1:0'], rtmpListen: ['127.0.0.1:0'], apiListen: ['off'], logLevel: 'silent', demo: true }));
  t.after(() => built.app.close());
  const [address] = await built.listen();
  await waitForMedia(built.app, 'demo', { minTags: 1 });
  const nginx = await startNginx(t, { http: ([port]) => site({ port: port!, upstreamPort: address!.port }) });
  return { app: built.app, direct: `http://127.0.0.1:${address!.port}`, proxied: nginx.url, proxyPort: nginx.ports[0]! };
}

test('a CORS preflight naming X-Auth-Token is allowed, directly and through nginx', { skip: nginxSkip }, async (t) => {
  const { direct, proxied } = await demoBehindNginx(t);
  for (const [via, base] of Object.entries({ direct, 'through nginx': proxied })) {
    const res = await request(`${base}/live/demo.flv`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://player.example.net',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-auth-token,x-requested-with',
      },
    });
    assert.equal(res.status, 204, `${via}: ${res.status} ${res.body.toString()}`);
    assert.equal(res.headers['access-control-allow-origin'], '*', via);
    const allowed = String(res.headers['access-control-allow-headers'] ?? '').toLowerCase().split(/\s*,\s*/);
    assert.ok(allowed.includes('x-auth-token') && allowed.includes('x-requested-with'), `${via}: allowed headers ${JSON.stringify(res.headers['access-control-allow-headers'])}`);
    assert.match(String(res.headers['access-control-allow-methods']), /\bGET\b/, via);
  }
});

/** A second origin: a plain HTTP server with one empty page (a player hosted elsewhere). */
async function otherOrigin(t: TestContext): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>a player on another site</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function launch(t: TestContext): Promise<Browser> {
  const browser = await launchChromium();
  t.after(() => browser.close());
  return browser;
}

interface PageFetch {
  ok: boolean;
  status?: number;
  contentType?: string | null;
  first?: number[];
  error?: string;
}

test('headless Chromium on another origin fetch()es the FLV with an X-Auth-Token header and reads it, directly and through nginx', { skip: browserSkip, timeout: 60_000 }, async (t) => {
  const { app, direct, proxied } = await demoBehindNginx(t);
  const origin = await otherOrigin(t);

  const browser = await launch(t);
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => problems.push(`${m.type()}: ${m.text()}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  const sentHeaders: Record<string, string>[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/live/demo.flv')) sentHeaders.push(r.headers());
  });
  await page.goto(`${origin}/`);

  for (const [via, base] of Object.entries({ direct, 'through nginx': proxied })) {
    const result = await page.evaluate(async (url): Promise<PageFetch> => {
      try {
        const res = await fetch(url, { headers: { 'X-Auth-Token': 'token-from-the-player' } });
        const reader = res.body!.getReader();
        const first: number[] = [];
        while (first.length < 13) {
          const { value, done } = await reader.read();
          if (done) break;
          first.push(...Array.from(value.subarray(0, 13 - first.length)));
        }
        await reader.cancel();
        return { ok: true, status: res.status, contentType: res.headers.get('content-type'), first };
      } catch (err) {
        return { ok: false, error: String(err) };
      }
    }, `${base}/live/demo.flv`);
    const what = `${via}, from ${await page.evaluate(() => location.origin)}`;
    assert.ok(result.ok, `${what}: fetch() failed (a refused preflight looks like this): ${result.error}; browser: ${problems.join(' | ') || 'nothing logged'}`);
    assert.equal(result.status, 200, what);
    assert.equal(result.contentType, 'video/x-flv', what);
    // "FLV", version 1, flags (audio 0x04 | video 0x01), header size 9, PreviousTagSize0 = 0.
    assert.deepEqual(result.first, [0x46, 0x4c, 0x56, 0x01, 0x05, 0, 0, 0, 9, 0, 0, 0, 0], `${what}: FLV signature and header`);
  }
  assert.equal(sentHeaders.length, 2, 'two FLV requests');
  for (const headers of sentHeaders) assert.equal(headers['x-auth-token'], 'token-from-the-player', 'the browser sent the custom header');
  // The cancelled readers closed their connections: flvcast let both viewers go.
  await waitUntil(() => (app.streams.get(streamKey('demo'))?.subscribers.size ?? 0) === 0, 10_000, 'the browser viewers to leave after reader.cancel()');
});

test('headless Chromium through nginx\'s HTTPS + HTTP/2 site: the page and the FLV come over HTTP/2, WS-FLV plays over wss://', { skip: browserSkip, timeout: 60_000 }, async (t) => {
  const cert = await testCert();
  const { proxyPort } = await demoBehindNginx(t, (s) => [NGINX_UPGRADE_MAP, nginxSite(NGINX_TLS, { ...s, certPath: cert.certPath, keyPath: cert.keyPath })].join('\n\n'));
  const base = `https://127.0.0.1:${proxyPort}`;
  const browser = await launch(t);
  // The throwaway certificate is not in Chromium's trust store.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  // What the browser really spoke, per response (DevTools protocol: h2, http/1.1).
  const cdp = await context.newCDPSession(page);
  const protocols = new Map<string, string>();
  cdp.on('Network.responseReceived', (e) => protocols.set(new URL(e.response.url).pathname, e.response.protocol ?? '?'));
  await cdp.send('Network.enable');
  await page.goto(`${base}/dashboard/config.json`);

  const result = await page.evaluate(async () => {
    const read = async (): Promise<number[]> => {
      const res = await fetch('/live/demo.flv');
      const reader = res.body!.getReader();
      const first: number[] = [];
      while (first.length < 3) {
        const { value, done } = await reader.read();
        if (done) break;
        first.push(...Array.from(value.subarray(0, 3 - first.length)));
      }
      await reader.cancel();
      return first;
    };
    // nginx 1.22 neither offers nor implements WebSocket over HTTP/2 (RFC 8441), so Chromium opens this one
    // as an HTTP/1.1 Upgrade on a connection of its own.
    const ws = (): Promise<number[]> =>
      new Promise((resolve, reject) => {
        const socket = new WebSocket(`wss://${location.host}/live/demo.flv`);
        socket.binaryType = 'arraybuffer';
        socket.onmessage = (e) => {
          socket.close();
          resolve(Array.from(new Uint8Array(e.data as ArrayBuffer).subarray(0, 3)));
        };
        socket.onerror = () => reject(new Error('WebSocket error'));
      });
    try {
      return { ok: true, fetched: await read(), ws: await ws() };
    } catch (err) {
      return { ok: false, error: String(err) };
    }
  });
  assert.ok(result.ok, `in the page: ${result.error}`);
  const flv = [0x46, 0x4c, 0x56];
  assert.deepEqual(result.fetched, flv, 'FLV through fetch()');
  assert.deepEqual(result.ws, flv, 'FLV in the first WebSocket message');
  assert.equal(protocols.get('/dashboard/config.json'), 'h2', `the page came over HTTP/2: ${JSON.stringify([...protocols])}`);
  assert.equal(protocols.get('/live/demo.flv'), 'h2', `the FLV came over HTTP/2: ${JSON.stringify([...protocols])}`);
});
