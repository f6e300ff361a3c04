/**
 * Real HEVC and Opus for the synthetic publisher, so that players can decode what our Enhanced RTMP client
 * sends (ffmpeg 4.1 cannot publish either over RTMP): the npm ffmpeg encodes 4 s of test pictures with
 * libx265 (Annex B, an IDR every 25 frames, no B-frames, an AUD per access unit) and a tone with libopus
 * (40 ms packets, in Ogg), once per run. The access units become length-prefixed `hvc1` CodedFramesX bodies
 * without their AUD and parameter sets (those go into the hvcC of the sequence start, as OBS sends them),
 * the Opus packets `Opus` CodedFrames bodies after a SequenceStart carrying the OpusHead. The publisher
 * loops them: 100 frames, 4 GOPs, so the loop starts again on an IDR.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SyntheticMedia } from './synthetic-media.js';
import { ffmpegPath, spawnTool } from './tools.js';

const FRAMES = 100;
const fourcc = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** NAL units of an Annex B byte stream (3- or 4-byte start codes). */
function annexB(data: Uint8Array): Uint8Array[] {
  const starts: number[] = [];
  for (let i = 0; i + 2 < data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      starts.push(i + 3);
      i += 2;
    }
  }
  return starts.map((s, n) => {
    let end = n + 1 < starts.length ? starts[n + 1]! - 3 : data.length;
    while (end > s && data[end - 1] === 0) end--; // the zero of a 4-byte start code
    return data.subarray(s, end);
  });
}

const nalType = (nal: Uint8Array): number => (nal[0]! >> 1) & 0x3f;
const AUD = 35;
const VPS = 32;
const SPS = 33;
const PPS = 34;

/** The SPS without emulation prevention bytes (00 00 03 → 00 00). */
function rbsp(nal: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < nal.length; i++) {
    if (i >= 2 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    out.push(nal[i]!);
  }
  return Uint8Array.from(out);
}

/**
 * HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1): the general profile/tier/level from the SPS
 * (its 12 bytes after the NAL header and the VPS id/sub-layer byte), 4:2:0 8-bit, 4-byte NAL lengths, one
 * array each of VPS, SPS and PPS.
 */
function hvcC(vps: Uint8Array, sps: Uint8Array, pps: Uint8Array): Uint8Array {
  const ptl = rbsp(sps).subarray(3, 15);
  const out = [1, ...ptl, 0xf0, 0x00, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 3];
  for (const nal of [vps, sps, pps]) out.push(0x80 | nalType(nal), 0, 1, nal.length >> 8, nal.length & 0xff, ...nal);
  return Uint8Array.from(out);
}

/** The packets of an Ogg stream (RFC 3533): segments of 255 continue a packet, a shorter one ends it. */
function oggPackets(data: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let current: number[] = [];
  for (let off = 0; off + 27 <= data.length; ) {
    if (String.fromCharCode(...data.subarray(off, off + 4)) !== 'OggS') throw new Error(`no Ogg page at ${off}`);
    const segments = data[off + 26]!;
    let body = off + 27 + segments;
    for (let i = 0; i < segments; i++) {
      const size = data[off + 27 + i]!;
      current.push(...data.subarray(body, body + size));
      body += size;
      if (size < 255) {
        packets.push(Uint8Array.from(current));
        current = [];
      }
    }
    off = body;
  }
  return packets;
}

async function run(args: string[]): Promise<void> {
  const result = await spawnTool(ffmpegPath(), ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y', ...args], 60_000).done;
  if (result.code !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
}

let encoded: Promise<SyntheticMedia> | undefined;

/** HEVC 320x240 25 fps + Opus 48 kHz stereo, encoded once per run. */
export function encodedHevcOpus(): Promise<SyntheticMedia> {
  encoded ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flvcast-hevc-opus-'));
    try {
      const hevcFile = join(dir, 'video.hevc');
      const opusFile = join(dir, 'audio.opus');
      await run([
        '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25:duration=${FRAMES / 25}`, '-pix_fmt', 'yuv420p', '-c:v', 'libx265', '-preset', 'ultrafast',
        '-x265-params', 'keyint=25:min-keyint=25:scenecut=0:bframes=0:open-gop=0:aud=1:repeat-headers=1:info=0:log-level=error', '-f', 'hevc', hevcFile,
      ]);
      await run(['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${FRAMES / 25}`, '-ac', '2', '-c:a', 'libopus', '-b:a', '64k', '-frame_duration', '40', '-f', 'ogg', opusFile]);
      const units: Uint8Array[][] = [];
      let vps: Uint8Array | undefined;
      let sps: Uint8Array | undefined;
      let pps: Uint8Array | undefined;
      for (const nal of annexB(readFileSync(hevcFile))) {
        const type = nalType(nal);
        if (type === AUD) units.push([]);
        else if (type === VPS) vps ??= nal;
        else if (type === SPS) sps ??= nal;
        else if (type === PPS) pps ??= nal;
        else units.at(-1)?.push(nal);
      }
      if (vps === undefined || sps === undefined || pps === undefined) throw new Error('libx265 wrote no VPS/SPS/PPS');
      const frames = units.filter((u) => u.length > 0).map((nals) => {
        const key = nals.some((n) => nalType(n) >= 16 && nalType(n) <= 23);
        const body = nals.flatMap((n) => [n.length >>> 24, (n.length >> 16) & 0xff, (n.length >> 8) & 0xff, n.length & 0xff, ...n]);
        return { key, payload: Uint8Array.from([0x80 | ((key ? 1 : 2) << 4) | 3, ...fourcc('hvc1'), ...body]) };
      });
      if (frames.length !== FRAMES || !frames[0]!.key) throw new Error(`libx265 wrote ${frames.length} access units (want ${FRAMES}, the first an IDR)`);
      const [head, , ...audio] = oggPackets(readFileSync(opusFile));
      if (head === undefined || String.fromCharCode(...head.subarray(0, 8)) !== 'OpusHead' || audio.length < FRAMES) throw new Error(`libopus wrote ${audio.length} packets`);
      return {
        metadata: { width: 320, height: 240, framerate: 25, videocodecid: 'hvc1', audiocodecid: 'Opus' },
        videoConfig: Uint8Array.from([0x80 | (1 << 4) | 0, ...fourcc('hvc1'), ...hvcC(vps, sps, pps)]),
        audioConfig: Uint8Array.from([(9 << 4) | 0, ...fourcc('Opus'), ...head]),
        // the loop's frame n % 100: IDRs at 0, 25, 50, 75 match the publisher's keyframe every 25 frames
        video: (n) => frames[n % FRAMES]!.payload,
        audio: (n) => Uint8Array.from([(9 << 4) | 1, ...fourcc('Opus'), ...audio[n % FRAMES]!]),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return encoded;
}
