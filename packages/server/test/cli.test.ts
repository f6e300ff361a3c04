import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { cli, startCli } from './running-cli.js';

test('flvcast --demo honours FLVCAST_HTTP_LISTEN/FLVCAST_RTMP_LISTEN, serves the demo stream, exits on SIGTERM', async (t) => {
  const { child, out: logged, liveUrl: url } = await startCli(t, [], { FLVCAST_HTTP_LISTEN: '127.0.0.1:0', FLVCAST_RTMP_LISTEN: '127.0.0.1:0' });
  const out = logged();
  assert.match(out, /publish: +ffmpeg .* rtmp:\/\/127\.0\.0\.1:\d+\/live\/cam1/);
  const dashboard = /open: +(http:\/\/127\.0\.0\.1:\d+\/) /.exec(out);
  assert.ok(dashboard, `the ready lines name the dashboard URL: ${out}`);
  const page = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    get(dashboard[1]!, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
  assert.equal(page.status, 200);
  assert.match(page.body, /<title>flvcast<\/title>/);
  const body = await new Promise<Buffer>((resolve, reject) => {
    get(url, (res) => {
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'video/x-flv');
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        if (Buffer.concat(chunks).length > 4096) {
          res.destroy();
          resolve(Buffer.concat(chunks));
        }
      });
    }).on('error', reject);
  });
  assert.equal(body.subarray(0, 3).toString(), 'FLV');
  assert.equal(body[4], 0x05, 'audio + video flags');
  const started = Date.now();
  child.kill('SIGTERM');
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 0);
  assert.ok(Date.now() - started < 5000);
});

test('a bad flag exits 2 with a message that names it', async () => {
  const child = spawn(process.execPath, [cli, '--chunk-size-bytes', 'huge'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 2);
  assert.match(err, /--chunk-size-bytes/);
  const unknown = spawn(process.execPath, [cli, '--no-such-flag'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err2 = '';
  unknown.stderr.on('data', (d: Buffer) => (err2 += d.toString()));
  assert.equal(await new Promise((resolve) => unknown.once('exit', resolve)), 2);
  assert.match(err2, /no-such-flag/);
});

test('the ready banner: one JSON record per line when stdout is not a terminal, naming the API listener apart', async (t) => {
  const { out } = await startCli(t, ['--http-listen', '127.0.0.1:0', '--rtmp-listen', '127.0.0.1:0'], {});
  const records = out().trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
  const msgs = records.map((r) => r.msg);
  assert.ok(msgs.some((m) => /^flvcast .* ready$/.test(m)), msgs.join('\n'));
  assert.ok(msgs.every((m) => !m.includes('\n')), 'no record carries several lines');
  const api = msgs.find((m) => m.startsWith('  api:'));
  const http = /play: +ffplay http:\/\/127\.0\.0\.1:(\d+)\//.exec(msgs.join('\n'));
  const apiPort = /http:\/\/127\.0\.0\.1:(\d+)\/api\/v1\/streams/.exec(api ?? '');
  assert.ok(apiPort && http, `the banner names the API URL: ${api}`);
  assert.notEqual(apiPort[1], http[1], 'the API is not on the public port');
  // The other formats of the default mount list, beside .flv on the same name.
  for (const ext of ['aac', 'mp3']) assert.ok(msgs.some((m) => m.endsWith(`http://127.0.0.1:${http[1]}/live/cam1.${ext}  (audio only, ${ext.toUpperCase()} streams)`)), `the banner names .${ext}: ${msgs.join('\n')}`);
  assert.ok(msgs.some((m) => m.startsWith('  metrics:') && m.includes(`:${apiPort[1]}/metrics`)));
});

test('--log-format pretty: readable lines, not JSON, with the banner as its lines', async (t) => {
  const { out } = await startCli(t, ['--http-listen', '127.0.0.1:0', '--rtmp-listen', '127.0.0.1:0', '--log-format', 'pretty'], {});
  const lines = out().trim().split('\n');
  assert.ok(lines.every((l) => !l.startsWith('{')), out());
  assert.ok(lines.some((l) => /INFO: flvcast .* ready$/.test(l)), out());
  assert.ok(lines.some((l) => /INFO: {3}live now: http:\/\/127\.0\.0\.1:\d+\/live\/demo\.flv$/.test(l)), out());
});
