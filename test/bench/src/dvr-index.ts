/**
 * What the recorder's index costs on a 1-hour file, both ways (docs/recording.md):
 * - reserved room: the file is written with room for the index in its onMetaData; finishing writes the
 *   final onMetaData over it in place (one small write, fsync, rename);
 * - rewrite: the file is written plainly and copied once at the end behind a new onMetaData (what
 *   `flvcast index`, the crash repair and a file past the reserved room do).
 * Also the recorder's write throughput to this disk. Synthetic media (25 fps video with a keyframe every
 * 2 s, 43 AAC frames a second) at the bitrate asked for.
 *
 * Usage: node test/bench/dist/src/dvr-index.js [--minutes 60] [--mbps 2.5] [--dir /tmp]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { indexFlvFile, openFileRecordingWriter, Recording, reindexFlvFile, type RecordingWriter } from '@flvcast/dvr';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '60' }, mbps: { type: 'string', default: '2.5' }, dir: { type: 'string', default: tmpdir() } } });
const minutes = Number(values.minutes);
const mbps = Number(values.mbps);
const dir = mkdtempSync(join(values.dir!, 'flvcast-dvr-bench-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

const videoBytes = Math.round(((mbps * 1e6) / 8 - 43 * 200) / 25);
const keyframe = new Uint8Array(videoBytes * 4).fill(7);
keyframe.set([0x17, 0x01, 0, 0, 0]);
const inter = new Uint8Array(Math.round(videoBytes * 0.88)).fill(7);
inter.set([0x27, 0x01, 0, 0, 0]);
const audio = new Uint8Array(200).fill(3);
audio.set([0xaf, 0x01]);
const avcConfig = Uint8Array.from([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 2, 0x68, 0xce]);
const aacConfig = Uint8Array.from([0xaf, 0x00, 0x12, 0x10]);

let finalPath = '';
let writer: RecordingWriter | undefined;
const recording = new Recording({
  vhost: '',
  app: 'bench',
  stream: 'hour',
  plan: 'session',
  segmentMs: 0,
  template: join(dir, '[stream].flv'),
  maxQueueBytes: 64 * 1024 * 1024,
  now: Date.now,
  openWriter: (path, onError) => (writer = openFileRecordingWriter(path, onError)),
  log: { info: () => undefined, warn: (f, m) => console.warn(m, f), error: (f, m) => console.error(m, f) },
  listener: { started: () => undefined, finished: (i) => void (finalPath = i.path), finishFailed: () => undefined, failed: (_p, e) => console.error(e) },
});
recording.setTracks({ hasAudio: true, hasVideo: true });
recording.setMetadata({ width: 1280, height: 720, framerate: 25, encoder: 'bench' });
recording.tag({ type: 9, timestamp: 0, payload: avcConfig, keyframe: false, config: true });
recording.tag({ type: 8, timestamp: 0, payload: aacConfig, keyframe: false, config: true });

const started = performance.now();
const end = minutes * 60_000;
let a = 0;
for (let t = 0; t < end; t += 40) {
  while (a <= t) {
    recording.tag({ type: 8, timestamp: Math.round(a), payload: audio, keyframe: false, config: false });
    a += 1024 / 44.1;
  }
  const key = t % 2000 === 0;
  recording.tag({ type: 9, timestamp: t, payload: key ? keyframe : inter, keyframe: key, config: false });
  // Keep well under the queue bound: this measures the disk, not drops.
  if (t % 1000 === 0) while ((writer?.queue.queuedBytes ?? 0) > 16 * 1024 * 1024) await new Promise((r) => setTimeout(r, 2));
}
const fedMs = performance.now() - started;
const finishStart = performance.now();
await recording.end();
const finishMs = performance.now() - finishStart;
const writeMs = performance.now() - started;
const size = statSync(finalPath).size;
if (recording.droppedBytes > 0) console.warn(`dropped ${recording.droppedBytes} bytes: the figures are not comparable`);

const scanStart = performance.now();
const index = await indexFlvFile(finalPath);
const scanMs = performance.now() - scanStart;
const rewriteStart = performance.now();
await reindexFlvFile(finalPath, join(dir, 'rewritten.flv'));
const rewriteMs = performance.now() - rewriteStart;

const mb = size / 1e6;
console.log(`file: ${minutes} min at ${mbps} Mbit/s = ${mb.toFixed(0)} MB, ${index.keyframes.times.length} keyframes, ${index.tags} tags`);
console.log(`recording (write + finish): ${(writeMs / 1000).toFixed(1)} s, ${(mb / (writeMs / 1000)).toFixed(0)} MB/s (tags fed in ${(fedMs / 1000).toFixed(1)} s)`);
console.log(`reserved room: finishing (index written in place, fsync, rename) ${finishMs.toFixed(0)} ms`);
console.log(`rewrite: scan ${(scanMs / 1000).toFixed(2)} s + copy = ${(rewriteMs / 1000).toFixed(2)} s (${(mb / (rewriteMs / 1000)).toFixed(0)} MB/s), ${mb.toFixed(0)} MB more written`);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
