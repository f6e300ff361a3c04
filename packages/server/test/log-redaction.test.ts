import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));

test('the server refuses an unsigned or forged URL, logs the refusal, and never logs the token itself', async (t) => {
  const child = spawn(process.execPath, [cli, '--demo', '--http-listen', '127.0.0.1:0', '--rtmp-listen', '127.0.0.1:0'], {
    env: { ...process.env, FLVCAST_SIGNED_URL_SECRET: 'log-test-secret-0123456789', FLVCAST_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!/live now: (http:\/\/[^\s"\\]+)/.test(out)) {
    assert.ok(Date.now() < deadline, `no ready line in ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /live now: (http:\/\/[^\s"\\]+)/.exec(out)![1]!;
  const status = await new Promise<number>((resolve, reject) => {
    get(`${url}?expires=9999999999&token=SECRETTOKENVALUE`, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
  assert.equal(status, 401);
  const logged = Date.now() + 3_000;
  while (!out.includes('play refused')) {
    assert.ok(Date.now() < logged, 'no refusal log line');
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(out, /token=\[redacted\]/);
  assert.doesNotMatch(out, /SECRETTOKENVALUE/);
  assert.doesNotMatch(out, /log-test-secret/);
});
