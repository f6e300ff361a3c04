/**
 * VOD throughput: the real `flvcast` serving one large recording to many parallel downloads.
 *
 *   node test/bench/dist/src/vod-download.js [--mb 100] [--clients 200]
 *
 * Writes a synthetic FLV of about `--mb` MB (2 s GOPs of 25 fps video, 4 KB frames: ~1.6 Mbit/s) with a
 * keyframes index into .cache/bench/vod, starts `flvcast --vod-dir` on it, then prints: the first `?start=`
 * (a cold seek index: the whole file scanned) and a warm one; and `--clients` whole-file GETs at once, their
 * aggregate MB/s and the server's CPU time (user + system, /proc) per GB sent.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { encodeFlvHeader, encodeTag, withKeyframeIndex } from '@flvcast/flv';
import { cacheDir, flvcastCli } from './paths.js';
import { cpuMs } from './proc-stats.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const mb = arg('mb', 100);
const clients = arg('clients', 200);

const dir = join(cacheDir, 'vod');
const file = join(dir, 'live', `big-${mb}.flv`);
if (!existsSync(file)) {
  mkdirSync(join(dir, 'live'), { recursive: true });
  const frame = new Uint8Array(4096);
  const parts: Uint8Array[] = [encodeFlvHeader({ hasAudio: false, hasVideo: true }), encodeTag(9, 0, Uint8Array.from([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 0]))];
  let size = 0;
  for (let i = 0; size < mb * 1024 * 1024; i++) {
    frame[0] = i % 50 === 0 ? 0x17 : 0x27;
    frame[1] = 1;
    const tag = encodeTag(9, i * 40, frame.slice());
    parts.push(tag);
    size += tag.length;
  }
  const total = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    total.set(p, at);
    at += p.length;
  }
  writeFileSync(file, withKeyframeIndex(total));
}

const child = spawn(process.execPath, [flvcastCli, '--vod-dir', dir, '--http-listen', '127.0.0.1:0', '--rtmp-listen', '127.0.0.1:0', '--api-listen', 'off', '--no-dashboard', '--log-format', 'json', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve, reject) => {
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    const m = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    if (m !== null) resolve(Number(m[1]));
  });
  child.once('exit', (code) => reject(new Error(`flvcast exited (${code})`)));
});
const path = `/vod/live/big-${mb}.flv`;

function get(query: string): Promise<{ bytes: number; ms: number; status: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: `${path}${query}`, agent: false }, (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => (bytes += d.length));
        res.on('end', () => resolve({ bytes, ms: performance.now() - started, status: res.statusCode ?? 0 }));
      })
      .on('error', reject);
  });
}

try {
  const cold = await get('?starttime=60');
  const warm = await get('?starttime=120');
  console.log(`?starttime=: cold (index scan of ${mb} MB) ${cold.ms.toFixed(0)} ms, warm ${warm.ms.toFixed(0)} ms (status ${cold.status}/${warm.status}, both whole tails)`);
  const cpu0 = cpuMs(child.pid!)!;
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: clients }, () => get('')));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMs(child.pid!)! - cpu0;
  const bytes = results.reduce((n, r) => n + r.bytes, 0);
  const bad = results.filter((r) => r.status !== 200).length;
  console.log(`${clients} parallel downloads of ${mb} MB: ${(bytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(1)} s = ${(bytes / 1e6 / seconds).toFixed(0)} MB/s; server CPU ${(cpu / 1000).toFixed(1)} s (${((cpu / 1000 / seconds) * 100).toFixed(0)} % of one core, ${(cpu / (bytes / 1e9)).toFixed(0)} ms per GB); non-200: ${bad}`);
} finally {
  child.kill('SIGKILL');
}
