/**
 * An origin that is SIGKILLed by the test (its own process, so nothing in it gets to say goodbye): claims
 * the stream it is given, says so on stdout, then heartbeats until killed.
 * Usage: node dead-origin.js <redis url> <prefix> <id> <ttlMs> <app/stream>
 */
import { RedisDirectory } from '../src/index.js';

const [url = '', prefix = '', id = '', ttl = '', name = ''] = process.argv.slice(2);
const [app = '', stream = ''] = name.split('/');
const log = { info() {}, warn() {}, debug() {} };
const directory = new RedisDirectory({ url, prefix, id, ttlMs: Number(ttl), advertise: 'http://127.0.0.9:8080', log });
const key = { vhost: '', app, stream };
for (;;) {
  const claim = await directory.claim(key);
  if (claim.status !== 'unavailable') {
    process.stdout.write(`${JSON.stringify(claim)}\n`);
    break;
  }
  await new Promise((r) => setTimeout(r, 20));
}
// The heartbeat's interval is unref'd (it never keeps a server alive): this keeps the process up until the kill.
setInterval(() => {}, 60_000);
