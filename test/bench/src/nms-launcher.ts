/**
 * Starts node-media-server the way its own `bin/app.js` does, with its bundled default config
 * (`bin/config.json`), changing only what a benchmark on a shared machine has to change:
 * - the ports: `node nms-launcher.js <rtmpPort> <httpPort> <dataDir>`, bound to 127.0.0.1;
 * - its data/record directories live under `.cache/bench/` instead of inside node_modules;
 * - the TLS listeners (RTMPS, HTTPS) are left out: no benchmark client uses them;
 * - the secrets its bin/app.js would generate and write back into the config file are generated in
 *   memory here (nothing is written into node_modules).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import NodeMediaServer from 'node-media-server';

const require = createRequire(import.meta.url);

const [rtmpPort, httpPort, dataDir] = process.argv.slice(2);
if (rtmpPort === undefined || httpPort === undefined || dataDir === undefined) {
  console.error('usage: nms-launcher.js <rtmpPort> <httpPort> <dataDir>');
  process.exit(2);
}

interface NmsConfig {
  bind?: string;
  rtmp?: { port: number };
  http?: { port: number };
  rtmps?: unknown;
  https?: unknown;
  store?: { path?: string };
  record?: { path?: string; auto?: boolean };
  auth?: { secret?: string; jwt?: { secret?: string; users?: { password?: string }[] } };
  [key: string]: unknown;
}

const config = JSON.parse(readFileSync(require.resolve('node-media-server/bin/config.json'), 'utf8')) as NmsConfig;
config.bind = '127.0.0.1';
config.rtmp = { port: Number(rtmpPort) };
config.http = { port: Number(httpPort) };
delete config.rtmps;
delete config.https;
mkdirSync(dataDir, { recursive: true });
config.store = { ...config.store, path: join(dataDir, 'data') };
config.record = { ...config.record, path: join(dataDir, 'record') };
if (config.auth) {
  config.auth.secret ||= randomBytes(16).toString('hex');
  if (config.auth.jwt) {
    config.auth.jwt.secret ||= randomBytes(32).toString('hex');
    // no admin login happens in the benchmark: an unusable password instead of a generated one
    for (const user of config.auth.jwt.users ?? []) user.password ||= `unusable-${randomBytes(8).toString('hex')}`;
  }
}
const configPath = join(dataDir, 'config.json');
writeFileSync(configPath, JSON.stringify(config, null, 2));

const nms = new NodeMediaServer(config, configPath);
void nms.run();

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    const hard = setTimeout(() => process.exit(0), 2000);
    hard.unref();
    nms.stop().finally(() => process.exit(0));
  });
}
