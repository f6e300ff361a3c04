/**
 * Captures the seed corpus from real sessions over loopback (run it again to refresh test/fuzz/corpus/):
 *
 * - ffmpeg (the npm build the interop tests use; FFMPEG_PATH overrides) publishes a second of tiny H.264 with
 *   B-frames + AAC to flvcast (both plugins) through a recording TCP proxy: `ffmpeg-publish.c2s.rtmp` is what
 *   ffmpeg sent (digest handshake included), `ffmpeg-publish.s2c.rtmp` what flvcast answered, and
 *   `ffmpeg-play.flv` what an HTTP-FLV viewer of that stream received.
 * - Our own RTMP client publishes Enhanced RTMP (connect with fourCcList and capsEx, `hvc1` video from
 *   libx265, `Opus` audio from libopus, one ModEx video packet and one multitrack audio packet):
 *   `ertmp-hevc-opus.c2s.rtmp` and `ertmp-hevc-opus.s2c.rtmp`.
 *
 * Usage: node test/fuzz/dist/src/capture-corpus.js [outDir]   (keep the corpus small: under 200 KB)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import httpFlv from '@flvcast/fastify-http-flv';
import rtmp from '@flvcast/fastify-rtmp';
import { nalToRbsp } from '@flvcast/flv';
import { RtmpClientSession } from '@flvcast/rtmp';
import Fastify from 'fastify';

const require = createRequire(import.meta.url);
const ffmpeg = process.env.FFMPEG_PATH || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
const outDir = process.argv[2] ?? fileURLToPath(new URL('../../corpus/', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function run(args: string[]): void {
  const r = spawnSync(ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 60_000 });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} exited with ${r.status}`);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** A TCP proxy in front of the RTMP port that records each connection's bytes, both ways. */
async function recordingProxy(target: number): Promise<{ port: number; sessions: { c2s: Buffer[]; s2c: Buffer[] }[]; close(): void }> {
  const sessions: { c2s: Buffer[]; s2c: Buffer[] }[] = [];
  const server = net.createServer((client) => {
    const session = { c2s: [] as Buffer[], s2c: [] as Buffer[] };
    sessions.push(session);
    const upstream = net.connect({ host: '127.0.0.1', port: target });
    client.on('data', (b: Buffer) => {
      session.c2s.push(b);
      upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => {
      session.s2c.push(b);
      client.write(b);
    });
    client.on('close', () => upstream.end());
    upstream.on('close', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, sessions, close: () => server.close() };
}

/** Records an HTTP-FLV viewer's bytes until `stop()`. */
function viewer(url: string): { stop(): Buffer } {
  const chunks: Buffer[] = [];
  const req = http.get(url, (res) => res.on('data', (b: Buffer) => chunks.push(b)));
  req.on('error', () => {});
  return {
    stop() {
      req.destroy();
      return Buffer.concat(chunks);
    },
  };
}

// --- Annex B HEVC and Ogg Opus, as libx265 and libopus write them --------------------------------------

function annexBNals(bytes: Uint8Array): Uint8Array[] {
  const starts: number[] = [];
  for (let i = 0; i + 3 <= bytes.length; i++) {
    if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 1) {
      starts.push(i + 3);
      i += 2;
    }
  }
  return starts.map((s, k) => {
    let end = k + 1 < starts.length ? starts[k + 1]! - 3 : bytes.length;
    while (end > s && bytes[end - 1] === 0) end--; // the zero of a 4-byte start code
    return bytes.subarray(s, end);
  });
}

function hvcC(vps: Uint8Array, sps: Uint8Array, pps: Uint8Array): Uint8Array {
  // Profile/tier/level copied from the SPS's profile_tier_level (12 bytes after the first RBSP byte).
  const ptl = nalToRbsp(sps.subarray(2)).subarray(1, 13);
  const head = [1, ptl[0]!, ...ptl.subarray(1, 5), ...ptl.subarray(5, 11), ptl[11]!, 0xf0, 0x00, 0xfc, 0xfd, 0xf8, 0xf8, 0x00, 0x00, 0x0f];
  const arrays: number[] = [3];
  for (const [type, nal] of [[32, vps], [33, sps], [34, pps]] as const) {
    arrays.push(0x80 | type, 0, 1, nal.length >> 8, nal.length & 0xff, ...nal);
  }
  return Uint8Array.from([...head, ...arrays]);
}

function oggPackets(bytes: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let partial: Uint8Array[] = [];
  let pos = 0;
  while (pos + 27 <= bytes.length && bytes[pos] === 0x4f) {
    const segments = bytes[pos + 26]!;
    const table = bytes.subarray(pos + 27, pos + 27 + segments);
    let at = pos + 27 + segments;
    for (const lace of table) {
      partial.push(bytes.subarray(at, at + lace));
      at += lace;
      if (lace < 255) {
        packets.push(concat(partial));
        partial = [];
      }
    }
    pos = at;
  }
  return packets;
}

const fourcc = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

async function captureErtmp(port: number, tmp: string): Promise<void> {
  const hevcFile = join(tmp, 'v.hevc');
  const opusFile = join(tmp, 'a.ogg');
  run(['-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=10:duration=1', '-c:v', 'libx265', '-x265-params', 'log-level=none:keyint=5:bframes=0', '-pix_fmt', 'yuv420p', '-f', 'hevc', '-y', hevcFile]);
  run(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=0.5', '-c:a', 'libopus', '-b:a', '16k', '-ac', '1', '-f', 'ogg', '-y', opusFile]);
  const nals = annexBNals(readFileSync(hevcFile));
  const nalType = (n: Uint8Array): number => (n[0]! >> 1) & 0x3f;
  const vps = nals.find((n) => nalType(n) === 32)!;
  const sps = nals.find((n) => nalType(n) === 33)!;
  const pps = nals.find((n) => nalType(n) === 34)!;
  // Access units: a VCL NAL with first_slice_segment_in_pic_flag starts one; prefix SEI goes with the next.
  const frames: { key: boolean; nals: Uint8Array[] }[] = [];
  let prefix: Uint8Array[] = [];
  for (const n of nals) {
    const t = nalType(n);
    if (t >= 32 && t <= 34) continue;
    if (t < 32) {
      if ((n[2]! & 0x80) !== 0) frames.push({ key: t >= 16 && t <= 23, nals: [...prefix] });
      prefix = [];
      frames.at(-1)?.nals.push(n);
    } else prefix.push(n);
  }
  const lengthPrefixed = (list: Uint8Array[]): number[] => list.flatMap((n) => [n.length >>> 24, (n.length >> 16) & 0xff, (n.length >> 8) & 0xff, n.length & 0xff, ...n]);
  const packets = oggPackets(readFileSync(opusFile));
  const opusHead = packets[0]!;

  const client = new RtmpClientSession({
    app: 'live',
    tcUrl: `rtmp://127.0.0.1:${port}/live`,
    connectProperties: { fourCcList: ['hvc1', 'Opus'], capsEx: 1 },
  });
  const socket = net.connect({ host: '127.0.0.1', port });
  const flush = (): void => {
    for (const b of client.takeOutput()) socket.write(b);
  };
  let published = false;
  socket.on('data', (b: Buffer) => {
    for (const e of client.push(b)) if (e.type === 'published') published = true;
    flush();
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  client.start();
  client.publish('ertmp');
  flush();
  for (let i = 0; i < 100 && !published; i++) await sleep(20);
  if (!published) throw new Error('E-RTMP publish was not accepted');
  client.sendMetadata({ width: 64, height: 64, framerate: 10, videocodecid: 'hvc1', audiocodecid: 'Opus' });
  client.sendVideo(0, Uint8Array.from([0x80 | (1 << 4) | 0, ...fourcc('hvc1'), ...hvcC(vps, sps, pps)]));
  client.sendAudio(0, Uint8Array.from([0x90 | 0, ...fourcc('Opus'), ...opusHead]));
  const audio = packets.slice(2);
  let a = 0;
  frames.forEach((f, i) => {
    const t = i * 100;
    // CodedFrames with a zero composition time for keyframes, CodedFramesX for the rest; one ModEx.
    const frameType = f.key ? 1 : 2;
    const body = lengthPrefixed(f.nals);
    if (i === 3) {
      // ModEx: size-1 = 2, TimestampOffsetNano (3 bytes: 976 ns), then type 0 | CodedFramesX.
      client.sendVideo(t, Uint8Array.from([0x80 | (frameType << 4) | 7, 2, 0x00, 0x03, 0xd0, (0 << 4) | 3, ...fourcc('hvc1'), ...body]));
    } else if (f.key) client.sendVideo(t, Uint8Array.from([0x80 | (frameType << 4) | 1, ...fourcc('hvc1'), 0, 0, 0, ...body]));
    else client.sendVideo(t, Uint8Array.from([0x80 | (frameType << 4) | 3, ...fourcc('hvc1'), ...body]));
    for (; a < audio.length && a * 20 < t + 100; a++) {
      const p = audio[a]!;
      if (a === 2) {
        // Multitrack audio, one track: AvMultitrackType 0 + CodedFrames, FourCC, track id 0.
        client.sendAudio(a * 20, Uint8Array.from([0x90 | 5, (0 << 4) | 1, ...fourcc('Opus'), 0, ...p]));
      } else client.sendAudio(a * 20, Uint8Array.from([0x90 | 1, ...fourcc('Opus'), ...p]));
    }
  });
  client.unpublish();
  flush();
  await sleep(300);
  socket.end();
  await sleep(200);
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'flvcast-corpus-'));
  const app = Fastify({ logger: false });
  await app.register(httpFlv, {});
  await app.register(rtmp, { listen: { host: '127.0.0.1', port: 0 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const httpPort = (app.server.address() as net.AddressInfo).port;
  const rtmpPort = app.rtmp.addresses()[0]!.port;
  const proxy = await recordingProxy(rtmpPort);
  try {
    // 1. ffmpeg: tiny H.264 with B-frames + AAC, one second, published in real time.
    const child = spawn(
      ffmpeg,
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=15:duration=1.2',
        '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=22050:duration=1.2',
        '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '8', '-pix_fmt', 'yuv420p', '-threads', '1',
        '-c:a', 'aac', '-b:a', '24k', '-ac', '1', '-shortest', '-f', 'flv', `rtmp://127.0.0.1:${proxy.port}/live/cam`],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    let play: { stop(): Buffer } | undefined;
    for (let i = 0; i < 200 && play === undefined; i++) {
      await sleep(10);
      if (app.streams.get({ vhost: '', app: 'live', stream: 'cam' })?.publisher !== undefined) play = viewer(`http://127.0.0.1:${httpPort}/live/cam.flv`);
    }
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`ffmpeg publish exited with ${code}`);
    await sleep(300);
    if (play === undefined) throw new Error('the ffmpeg stream never appeared');
    writeFileSync(join(outDir, 'ffmpeg-play.flv'), play.stop());
    // 2. Enhanced RTMP from our own client.
    await captureErtmp(proxy.port, tmp);
    const [ff, er] = proxy.sessions;
    if (ff === undefined || er === undefined) throw new Error(`expected 2 RTMP sessions, got ${proxy.sessions.length}`);
    writeFileSync(join(outDir, 'ffmpeg-publish.c2s.rtmp'), Buffer.concat(ff.c2s));
    writeFileSync(join(outDir, 'ffmpeg-publish.s2c.rtmp'), Buffer.concat(ff.s2c));
    writeFileSync(join(outDir, 'ertmp-hevc-opus.c2s.rtmp'), Buffer.concat(er.c2s));
    writeFileSync(join(outDir, 'ertmp-hevc-opus.s2c.rtmp'), Buffer.concat(er.s2c));
  } finally {
    proxy.close();
    await app.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  const sizes = spawnSync('du', ['-b', outDir], { encoding: 'utf8' }).stdout.trim();
  console.log(`corpus written: ${sizes}`);
}

await main();
