import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { configFromEnv, resolveConfig } from '../src/index.js';

const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));

test('TLS options come in pairs, HTTP/2 and RTMPS need a certificate, each error names the option', () => {
  assert.throws(() => resolveConfig({ httpsKey: 'k.pem' }), /httpsCert \(--https-cert, FLVCAST_HTTPS_CERT\): needed with httpsKey/);
  assert.throws(() => resolveConfig({ rtmpsCert: 'c.pem' }), /rtmpsKey \(--rtmps-key, FLVCAST_RTMPS_KEY\): needed with rtmpsCert/);
  assert.throws(() => resolveConfig({ http2: true }), /http2 \(--http2, FLVCAST_HTTP2\): needs httpsCert and httpsKey/);
  assert.throws(() => resolveConfig({ rtmpsListen: ['0.0.0.0:1936'] }), /rtmpsListen .*needs rtmpsCert\/rtmpsKey \(or httpsCert\/httpsKey\)/);
  assert.throws(() => resolveConfig({ rtmpsListen: ['nope'], httpsCert: 'c', httpsKey: 'k' }), /rtmpsListen .*expected host:port/);
  // RTMPS may borrow the HTTPS pair.
  assert.deepEqual(resolveConfig({ rtmpsListen: ['[::]:1936'], httpsCert: 'c', httpsKey: 'k' }).rtmpsListen, ['[::]:1936']);
});

test('shutdownGraceMs: default 5 s, from the environment, bounded', () => {
  assert.equal(resolveConfig().shutdownGraceMs, 5000);
  assert.equal(resolveConfig(configFromEnv({ FLVCAST_SHUTDOWN_GRACE_MS: '1500' })).shutdownGraceMs, 1500);
  assert.throws(() => resolveConfig({ shutdownGraceMs: 0 }), /shutdownGraceMs \(--shutdown-grace-ms, FLVCAST_SHUTDOWN_GRACE_MS\)/);
});

test('an unreadable certificate stops the CLI with exit 2 and names the flag', async () => {
  const child = spawn(process.execPath, [cli, '--https-cert', '/nonexistent/cert.pem', '--https-key', '/nonexistent/key.pem', '--http-listen', '127.0.0.1:0', '--rtmp-listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  assert.equal(await new Promise((resolve) => child.once('exit', resolve)), 2);
  assert.match(err, /--https-cert.*cannot read \/nonexistent\/cert\.pem/);
});
