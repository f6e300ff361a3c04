import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { verifySignedStream } from '@flvcast/access';
import { ConfigError, configFromEnv, resolveConfig } from '../src/index.js';
import { signCommand } from '../src/sign-command.js';

const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const secret = 'server-test-secret-0123456789';
const now = 1_800_000_000_000;

const queryOf = (url: string): Record<string, string> => Object.fromEntries(new URL(url.replace(/^(rtmp|ws)/, 'http')).searchParams);

test('sign: a play URL (HTTP-FLV, then WS-FLV) the server will accept for that stream until it expires', () => {
  const [http, ws, ...rest] = signCommand(['--secret', secret, '--stream', 'live/cam1', '--expires-in', '60', '--base-url', 'https://tv.example/'], {}, now);
  assert.equal(rest.length, 0);
  assert.match(http!, /^https:\/\/tv\.example\/live\/cam1\.flv\?expires=1800000060&token=[\w-]{43}$/);
  assert.equal(ws, http!.replace('https', 'wss'));
  const check = verifySignedStream({ secret, action: 'play', stream: 'live/cam1', query: queryOf(http!), ip: '1.2.3.4', now: now / 1000 });
  assert.deepEqual(check, { ok: true, expiresAt: 1_800_000_060 });
  assert.equal(verifySignedStream({ secret, action: 'publish', stream: 'live/cam1', query: queryOf(http!), ip: '1.2.3.4', now: now / 1000 }).ok, false);
});

test('sign: a publish URL for RTMP, IP-bound, vhost carried in the query; the secret may come from the environment', () => {
  const [url] = signCommand(['--stream', 'v1/live/cam1', '--action', 'publish', '--ip', '10.0.0.7'], { FLVCAST_SIGNED_URL_SECRET: secret }, now);
  assert.match(url!, /^rtmp:\/\/localhost:1935\/live\/cam1\?vhost=v1&expires=1800003600&token=[\w-]{43}&ip=10\.0\.0\.7$/);
  const check = verifySignedStream({ secret, action: 'publish', stream: 'v1/live/cam1', query: queryOf(url!), ip: '10.0.0.7', now: now / 1000 });
  assert.equal(check.ok, true);
});

test('sign: bad arguments are ConfigErrors naming the argument', () => {
  assert.throws(() => signCommand(['--stream', 'live/cam1'], {}), /--secret/);
  assert.throws(() => signCommand(['--secret', secret, '--stream', 'cam1'], {}), /--stream/);
  assert.throws(() => signCommand(['--secret', secret, '--stream', 'live/../x'], {}), /--stream/);
  assert.throws(() => signCommand(['--secret', secret, '--stream', 'live/cam1', '--action', 'watch'], {}), /--action/);
  assert.throws(() => signCommand(['--secret', secret, '--stream', 'live/cam1', '--expires-in', '-5'], {}), /--expires-in/);
  assert.throws(() => signCommand(['--secret', secret, '--stream', 'live/cam1', '--ip', 'host'], {}), /--ip/);
  assert.throws(() => signCommand(['--secret', secret, '--stream', 'live/cam1', '--action', 'publish', '--base-url', 'http://x'], {}), /--base-url/);
  assert.throws(() => signCommand(['--nope'], {}), ConfigError);
});

test('access config: bad IP rules, short secrets, non-HTTP callbacks and bad origins are refused at startup', () => {
  assert.throws(() => resolveConfig({ playDeny: ['10.0.0.0/33'] }), /playDeny \(--play-deny, FLVCAST_PLAY_DENY\): bad prefix/);
  assert.throws(() => resolveConfig({ publishAllow: ['nope'] }), /--publish-allow/);
  assert.throws(() => resolveConfig({ signedUrlSecret: 'short' }), /--signed-url-secret.*16/);
  assert.throws(() => resolveConfig({ onPlayUrl: ['ftp://x'] }), /--on-play-url/);
  assert.throws(() => resolveConfig({ wsAllowedOrigins: ['example.com'] }), /--ws-allowed-origins/);
  assert.throws(() => resolveConfig({ callbackFailure: 'maybe' }), /--callback-failure/);
  const ok = resolveConfig(configFromEnv({ FLVCAST_PLAY_ALLOW: '10.0.0.0/8, ::1', FLVCAST_SIGNED_URL_ACTIONS: 'publish', FLVCAST_SIGNED_URL_SECRET: secret }));
  assert.deepEqual(ok.playAllow, ['10.0.0.0/8', '::1']);
  assert.deepEqual(ok.signedUrlActions, ['publish']);
  assert.equal(ok.signedUrlSecret, secret);
});

test('flvcast sign prints the URL and exits 0; a bad argument exits 2', async () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, [cli, 'sign', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.once('exit', (code) => resolve({ code, out, err }));
    });
  const ok = await run(['--secret', secret, '--stream', 'live/cam1', '--action', 'publish']);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^rtmp:\/\/localhost:1935\/live\/cam1\?expires=\d+&token=[\w-]{43}\n$/);
  const bad = await run(['--stream', 'live/cam1']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--secret/);
});
