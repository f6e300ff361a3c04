import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { startCli } from './running-cli.js';

test('the server refuses an unsigned or forged URL, logs the refusal, and never logs the token itself', async (t) => {
  const { out, liveUrl: url } = await startCli(t, ['--http-listen', '127.0.0.1:0', '--rtmp-listen', '127.0.0.1:0'], { FLVCAST_SIGNED_URL_SECRET: 'log-test-secret-0123456789' });
  const status = await new Promise<number>((resolve, reject) => {
    get(`${url}?expires=9999999999&token=SECRETTOKENVALUE`, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
  assert.equal(status, 401);
  const logged = Date.now() + 3_000;
  while (!out().includes('play refused')) {
    assert.ok(Date.now() < logged, 'no refusal log line');
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(out(), /token=\[redacted\]/);
  assert.doesNotMatch(out(), /SECRETTOKENVALUE/);
  assert.doesNotMatch(out(), /log-test-secret/);
});
