/**
 * A child process of the dvr scenario's VOD part: `node vod-downloader.js <url> <count>` opens `count` GETs
 * of `url` at once, reads every byte (discarding it) and prints one JSON line: bytes per download, their
 * statuses, wall time and this process's CPU. Downloads run in two such processes so the harness's own
 * reading is spread like real clients' and does not sit in the scenario's process.
 */
import http from 'node:http';

interface DownloadResult {
  status: number;
  bytes: number;
  ms: number;
  error?: string;
}

const [url, countText] = process.argv.slice(2);
if (url === undefined || countText === undefined) {
  console.error('usage: vod-downloader <url> <count>');
  process.exit(2);
}
const count = Number(countText);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const started = performance.now();
const cpu0 = process.cpuUsage();

function download(): Promise<DownloadResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.get(url!, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - t0 }));
      res.on('error', (err) => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - t0, error: err.message }));
    });
    req.on('error', (err) => resolve({ status: 0, bytes: 0, ms: performance.now() - t0, error: err.message }));
  });
}

const results = await Promise.all(Array.from({ length: count }, () => download()));
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ results, wallMs: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000 }));
