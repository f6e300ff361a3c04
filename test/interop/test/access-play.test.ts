/**
 * Access control for viewers (HTTP-FLV and WS-FLV): the onPlay hook, signed URLs with expiry kicks, the
 * WS Origin allow-list. A refused viewer gets its status (401/403, or WS close 4401/4403) and not one
 * FLV byte. One ffmpeg publisher feeds three apps that share one hub, each with its own access options.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { signStream, type AccessContext, type AccessEndContext, type AccessVerdict } from '@flvcast/access';
import type { AccessDenial } from '@flvcast/hub';
import { HttpFlvViewer, publish, request, startApp, waitForMedia, waitUntil, withTimeout, type Proc, type StartedApp } from '../src/tools.js';

const secret = 'interop-secret-0123456789abcdef';

interface WsOutcome {
  kind: 'http' | 'closed' | 'open' | 'error';
  status?: number;
  code?: number;
  reason?: string;
  binaryMessages: number;
}

/** Opens a WS-FLV connection and reports how it went within `ms`: refused upgrade, close code, or still open. */
async function wsOutcome(url: string, opts: { origin?: string; ms?: number; untilBinary?: boolean } = {}): Promise<WsOutcome> {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...(opts.origin === undefined ? {} : { origin: opts.origin }) });
  const out: WsOutcome = { kind: 'error', binaryMessages: 0 };
  ws.on('message', (_data, isBinary) => {
    if (isBinary) out.binaryMessages++;
  });
  try {
    return await withTimeout(
      new Promise<WsOutcome>((resolve) => {
        ws.once('unexpected-response', (_req, res) => resolve({ ...out, kind: 'http', status: res.statusCode ?? 0 }));
        ws.once('close', (code, reason) => resolve({ ...out, kind: 'closed', code, reason: reason.toString() }));
        ws.once('error', () => undefined);
        if (opts.untilBinary) ws.on('message', (_d, bin) => bin && out.binaryMessages >= 3 && resolve({ ...out, kind: 'open' }));
      }),
      opts.ms ?? 3_000,
      `the WebSocket ${url}`,
    );
  } finally {
    ws.terminate();
  }
}

describe('access control for viewers', () => {
  let pub: Proc;
  let hooked: StartedApp;
  let signed: StartedApp;
  let lenient: StartedApp;
  let verdict: (ctx: AccessContext) => AccessVerdict | Promise<AccessVerdict> = () => undefined;
  const seen: AccessContext[] = [];
  const stops: AccessEndContext[] = [];
  const denials: AccessDenial[] = [];

  before(async () => {
    hooked = await startApp({
      captureLogs: true,
      httpFlv: {
        onPlay: (ctx) => {
          seen.push(ctx);
          return verdict(ctx);
        },
        onStop: (ctx) => void stops.push(ctx),
        wsAllowedOrigins: ['https://app.example'],
        accessTimeoutMs: 300,
      },
    });
    hooked.app.streams.events.on('deny', (d) => void denials.push(d));
    signed = await startApp({ httpFlv: { hub: hooked.app.streams, signedUrls: { secret } } });
    lenient = await startApp({ httpFlv: { hub: hooked.app.streams, signedUrls: { secret, kickOnExpiry: false } } });
    pub = publish(`${hooked.rtmpUrl}/live/cam`, 'av', { seconds: 30 });
    await waitForMedia(hooked.app, 'cam');
  });
  after(async () => {
    await pub.kill();
    await Promise.all([signed.app.close(), lenient.app.close()]);
    await hooked.app.close();
  });

  test('onPlay refusing: HTTP 401/403 with a reason, zero FLV bytes, one deny event and one log line', async () => {
    verdict = () => ({ status: 401, reason: 'token please' });
    const before = denials.length;
    const v401 = await HttpFlvViewer.open(`${hooked.httpUrl}/live/cam.flv?user=ann`);
    await v401.waitForEnd(3_000);
    assert.equal(v401.status, 401);
    assert.equal(v401.flv.bytes, 0, 'no FLV byte');
    assert.match(v401.body, /token please/);
    const ctx = seen.at(-1)!;
    assert.equal(ctx.action, 'play');
    assert.equal(ctx.protocol, 'http-flv');
    assert.equal(ctx.ip, '127.0.0.1');
    assert.deepEqual([ctx.vhost, ctx.app, ctx.stream], ['', 'live', 'cam']);
    assert.deepEqual(ctx.query, { user: 'ann' });
    assert.equal(typeof ctx.headers?.host, 'string');

    verdict = () => false;
    const v403 = await HttpFlvViewer.open(`${hooked.httpUrl}/live/cam.flv`);
    await v403.waitForEnd(3_000);
    assert.equal(v403.status, 403);
    assert.equal(v403.flv.bytes, 0);
    assert.deepEqual(denials.slice(before).map((d) => [d.action, d.protocol, d.stream, d.reason]), [
      ['play', 'http-flv', 'live/cam', 'token please'],
      ['play', 'http-flv', 'live/cam', 'forbidden'],
    ]);
    assert.ok(hooked.logs.some((l) => l.msg === 'flv: play refused' && l.reason === 'token please' && l.ip === '127.0.0.1'));
  });

  test('a refused viewer learns nothing about the stream: an unknown stream is 401 too, not 404', async () => {
    verdict = () => ({ status: 401, reason: 'who are you' });
    const res = await request(`${hooked.httpUrl}/live/nobody.flv`);
    assert.equal(res.status, 401);
  });

  test('onPlay refusing over WS: the upgrade opens and closes with 4401/4403, no binary message', async () => {
    verdict = () => ({ status: 401, reason: 'token please' });
    const ws401 = await wsOutcome(`${hooked.wsUrl}/live/cam.flv`);
    assert.deepEqual(ws401, { kind: 'closed', code: 4401, reason: 'token please', binaryMessages: 0 });
    assert.equal(seen.at(-1)!.protocol, 'ws-flv');
    verdict = () => false;
    const ws403 = await wsOutcome(`${hooked.wsUrl}/live/cam.flv`);
    assert.deepEqual(ws403, { kind: 'closed', code: 4403, reason: 'forbidden', binaryMessages: 0 });
  });

  test('a hook that throws or hangs refuses (403), is logged, and the server keeps serving', async () => {
    verdict = () => {
      throw new Error('auth db down');
    };
    const thrown = await request(`${hooked.httpUrl}/live/cam.flv`);
    assert.equal(thrown.status, 403);
    assert.ok(hooked.logs.some((l) => l.msg === 'flv: play refused: access check failed' && JSON.stringify(l.err).includes('auth db down')));
    verdict = () => new Promise(() => {});
    const hung = await request(`${hooked.httpUrl}/live/cam.flv`);
    assert.equal(hung.status, 403);
    assert.match(hung.body.toString(), /timed out/);
  });

  test('an admitted viewer plays, and onStop hears when it leaves (bytes, reason)', async () => {
    verdict = async () => {
      await new Promise((r) => setTimeout(r, 50));
      return true;
    };
    const viewer = await HttpFlvViewer.open(`${hooked.httpUrl}/live/cam.flv`);
    await viewer.waitFor((v) => v.tags.length >= 10, 5_000, 'ten tags');
    assert.equal(viewer.status, 200);
    const clientId = seen.at(-1)!.clientId;
    viewer.close();
    const stop = await waitUntil(() => stops.find((s) => s.clientId === clientId), 3_000, 'onStop');
    assert.equal(stop.reason, 'left');
    assert.ok(stop.bytes > 1000, `bytes ${stop.bytes}`);
  });

  test('WS Origin allow-list: a foreign origin is refused at the upgrade (403); listed and absent origins pass', async () => {
    verdict = () => true;
    const foreign = await wsOutcome(`${hooked.wsUrl}/live/cam.flv`, { origin: 'https://evil.example' });
    assert.equal(foreign.kind, 'http');
    assert.equal(foreign.status, 403);
    assert.equal(denials.at(-1)!.reason, 'origin https://evil.example not allowed');
    const listed = await wsOutcome(`${hooked.wsUrl}/live/cam.flv`, { origin: 'https://APP.example', untilBinary: true });
    assert.equal(listed.kind, 'open');
    const none = await wsOutcome(`${hooked.wsUrl}/live/cam.flv`, { untilBinary: true });
    assert.equal(none.kind, 'open', 'non-browser clients send no Origin');
    // The allow-list is about WebSockets: plain HTTP-FLV is governed by CORS instead.
    const http = await HttpFlvViewer.open(`${hooked.httpUrl}/live/cam.flv`, { headers: { origin: 'https://evil.example' } });
    http.close();
    assert.equal(http.status, 200);
  });

  test('signed URLs: missing or forged tokens get 401 / 4401 and no FLV byte; a valid one plays over HTTP and WS', async () => {
    const query = new URLSearchParams(signStream({ secret, action: 'play', stream: 'live/cam', expiresAt: Date.now() / 1000 + 600 }));
    const missing = await request(`${signed.httpUrl}/live/cam.flv`);
    assert.equal(missing.status, 401);
    assert.equal(missing.body.subarray(0, 3).toString(), '{"s');
    const forged = await request(`${signed.httpUrl}/live/cam.flv?expires=${query.get('expires')}&token=${'A'.repeat(43)}`);
    assert.equal(forged.status, 401);
    const other = await request(`${signed.httpUrl}/live/other.flv?${query}`);
    assert.equal(other.status, 401, 'a token for one stream does not open another');
    const ws = await wsOutcome(`${signed.wsUrl}/live/cam.flv`);
    assert.deepEqual(ws, { kind: 'closed', code: 4401, reason: 'signed URL required (expires and token)', binaryMessages: 0 });
    const viewer = await HttpFlvViewer.open(`${signed.httpUrl}/live/cam.flv?${query}`);
    await viewer.waitFor((v) => v.tags.length >= 5, 5_000, 'tags');
    viewer.close();
    const wsOk = await wsOutcome(`${signed.wsUrl}/live/cam.flv?${query}`, { untilBinary: true });
    assert.equal(wsOk.kind, 'open');
  });

  test('a viewer is cut when its token expires (HTTP ends, WS closes 4401), unless kickOnExpiry is off', async () => {
    // Expiry is in whole seconds: this token runs out 1-2 s from now.
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const query = new URLSearchParams(signStream({ secret, action: 'play', stream: 'live/cam', expiresAt }));
    const [http, kept] = await Promise.all([HttpFlvViewer.open(`${signed.httpUrl}/live/cam.flv?${query}`), HttpFlvViewer.open(`${lenient.httpUrl}/live/cam.flv?${query}`)]);
    const ws = wsOutcome(`${signed.wsUrl}/live/cam.flv?${query}`, { ms: 5_000 });
    try {
      await http.waitForEnd(4_000);
      assert.ok(Date.now() / 1000 >= expiresAt - 0.05, 'not before the expiry');
      assert.ok(http.tags.length > 5, 'it played until then');
      assert.equal(http.ended, true, 'the response ended cleanly (last chunk)');
      const closed = await ws;
      assert.equal(closed.kind, 'closed');
      assert.equal(closed.code, 4401);
      assert.equal(closed.reason, 'token expired');
      assert.ok(closed.binaryMessages > 3);
      // The lenient app let its viewer through the same expiry and keeps feeding it.
      const bytes = kept.flv.bytes;
      await kept.waitFor((v) => v.flv.bytes > bytes && !v.ended && !v.aborted, 2_000, 'the lenient viewer to keep receiving');
    } finally {
      http.close();
      kept.close();
    }
  });
});
