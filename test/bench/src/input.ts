/**
 * The benchmark's input, encoded once with ffmpeg into `.cache/bench/` and reused while the file exists.
 * Synthetic pictures with moving noise (so x264 actually spends the bit budget) and pink noise audio
 * (so AAC does too): the stream's real bitrate is close to its nominal one.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { track } from './children.js';
import { cacheDir, ffmpegPath } from './paths.js';

export interface InputSpec {
  /** file name inside the cache directory; it encodes the settings, so a changed spec makes a new file */
  name: string;
  width: number;
  height: number;
  videoKbps: number;
  audioKbps: number;
  seconds: number;
}

export const highInput: InputSpec = { name: 'input-720p30-2500k-bf0-aac128k-20s.flv', width: 1280, height: 720, videoKbps: 2500, audioKbps: 128, seconds: 20 };
/** Near-idle: 32 kbit/s of audio and no video, so per-viewer memory is the connection's own cost. */
export const idleInput: InputSpec = { name: 'input-audio-aac32k-20s.flv', width: 0, height: 0, videoKbps: 0, audioKbps: 32, seconds: 20 };
/** The `.aac` listeners' stream: 128 kbit/s of AAC and no video. */
export const aacInput: InputSpec = { name: 'input-audio-aac128k-20s.flv', width: 0, height: 0, videoKbps: 0, audioKbps: 128, seconds: 20 };
export const lowInput: InputSpec = { name: 'input-360p30-500k-bf0-aac64k-20s.flv', width: 640, height: 360, videoKbps: 500, audioKbps: 64, seconds: 20 };

/** Nominal bitrate of the published stream (video + audio), in bit/s. */
export function nominalBitrate(spec: InputSpec): number {
  return (spec.videoKbps + spec.audioKbps) * 1000;
}

/** Path of the input file, encoding it first if it is not in the cache yet. */
export async function ensureInput(spec: InputSpec): Promise<string> {
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, spec.name);
  if (existsSync(file) && statSync(file).size > 0) return file;
  const partial = `${file}.partial.flv`;
  const { width, height, seconds } = spec;
  const video = spec.videoKbps > 0;
  const args = [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y',
    ...(video ? ['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=30:duration=${seconds},noise=alls=12:allf=t`] : []),
    '-f', 'lavfi', '-i', `anoisesrc=color=pink:amplitude=0.2:sample_rate=48000:duration=${seconds}`,
    ...(video ? videoArgs(spec) : []),
    '-c:a', 'aac', '-b:a', `${spec.audioKbps}k`, '-ac', '2',
    '-f', 'flv', partial,
  ];
  process.stdout.write(`encoding ${spec.name} (once; cached in ${cacheDir}) ... `);
  const started = performance.now();
  const child = track(spawn(ffmpegPath(), args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.once('error', reject);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code !== 0) {
    rmSync(partial, { force: true });
    throw new Error(`ffmpeg could not encode ${spec.name} (exit ${code}): ${stderr.slice(-2000)}`);
  }
  renameSync(partial, file);
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return file;
}

function videoArgs(spec: InputSpec): string[] {
  return [
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-b:v', `${spec.videoKbps}k`, '-maxrate', `${spec.videoKbps}k`, '-bufsize', `${spec.videoKbps * 2}k`,
    // a keyframe every 2 s exactly: GOP 60 at 30 fps, no scene-cut keyframes
    '-g', '60', '-keyint_min', '60', '-sc_threshold', '0',
    // no B-frames, as live low-latency encodes do; it also matters for the loop: with B-frames, ffmpeg's
    // `-stream_loop -1 -c copy` offsets each new loop ~2 s too far, a 2 s publishing hole every 20 s
    '-bf', '0',
  ];
}
