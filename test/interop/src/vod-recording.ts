import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexFlv, withKeyframeIndex, type FlvFileIndex } from '@flvcast/flv';
import { ffmpegPath, spawnTool } from './tools.js';

/** A recording under a VOD directory, as the DVR leaves it: a seekable FLV with a keyframes index. */
export interface VodRecording {
  /** Relative to the VOD directory. */
  readonly path: string;
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly index: FlvFileIndex;
}

/**
 * ffmpeg encodes 12 s of test video (25 fps, a keyframe every 50 frames: 2 s GOPs) and a sine tone to FLV,
 * which `withKeyframeIndex` makes seekable, at `<dir>/live/rec.1700000000.flv`.
 */
export async function makeVodRecording(dir: string, name = 'live/rec.1700000000.flv'): Promise<VodRecording> {
  const file = join(dir, ...name.split('/'));
  mkdirSync(join(file, '..'), { recursive: true });
  const raw = `${file}.ffmpeg`;
  const result = await spawnTool(
    ffmpegPath(),
    [
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
      '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=12',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=12',
      '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-r', '25', '-pix_fmt', 'yuv420p', '-threads', '1',
      '-c:a', 'aac', '-b:a', '64k', '-shortest', '-f', 'flv', '-y', raw,
    ],
    60_000,
  ).done;
  if (result.code !== 0) throw new Error(`ffmpeg could not make the recording (exit ${result.code}): ${result.stderr}`);
  const bytes = withKeyframeIndex(new Uint8Array(readFileSync(raw)));
  writeFileSync(file, bytes);
  rmSync(raw);
  return { path: name, file, bytes, index: indexFlv(bytes) };
}
