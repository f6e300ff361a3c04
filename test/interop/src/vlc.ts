/**
 * VLC, the player most people open a `.ts` URL with, headless: `cvlc` with dummy interface, video and audio
 * outputs plays a URL for a few seconds at `-vv`, and its log says which decoders started, whether a picture
 * came out of the video decoder, which stream types its TS demuxer found, and every error or warning of the
 * demuxer, the packetizers and the decoders. Debian's vlc-bin + vlc-plugin-base (`.ci/run` installs them).
 *
 * VLC refuses to run as root: as root (CI) it runs as `nobody` through runuser, with a HOME of its own.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { spawnTool, type ToolResult } from './tools.js';

export const cvlcPath = '/usr/bin/cvlc';
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

/** A skip reason outside CI when VLC is missing (after a banner); false otherwise (CI fails instead). */
export function skipWithoutVlc(what: string): string | false {
  if (existsSync(cvlcPath) || inCi) return false;
  console.error(`\n!! VLC TEST SKIPPED: no ${cvlcPath}. ${what} NOT tested here (apt-get install vlc-bin vlc-plugin-base).\n`);
  return `no ${cvlcPath}`;
}

export interface VlcRun {
  result: ToolResult;
  /** `using video decoder module "avcodec"` → avcodec */
  videoDecoder: string | undefined;
  audioDecoder: string | undefined;
  /** the video decoder handed a picture to the (dummy) output */
  firstPicture: boolean;
  /** the TS demuxer's PMT entries: `pid=256 type=0x1b` → { pid: 256, type: 0x1b } */
  streamTypes: { pid: number; type: number }[];
  /** errors and warnings of the demuxer, the input, the packetizers and the decoders */
  problems: string[];
  /** PIDs on which VLC noted a discontinuity indicator (each note is also one of the problems) */
  signalled: number[];
}

/** `[00007f…] ts demux warning: discontinuity received 0x3 instead of 0x2 (pid=256)` */
const LOG_LINE = /^\[[0-9a-f]+\] (.+?) (error|warning): (.*)$/;
/**
 * Lines that are not the stream's doing: no session bus and no X display on a CI box (the dbus and hotkeys
 * interfaces cannot start), and faad's decoder delay (its first AAC frame yields no samples; it says so with
 * ffmpeg's own TS too).
 */
function notTheStream(module: string, message: string): boolean {
  if (module === 'dbus interface' || module === 'main interface') return true;
  if (module === 'main libvlc' && /^interface ".*" initialization failed$/.test(message)) return true;
  return module === 'faad decoder' && message === 'decoded zero sample';
}

/** Plays `url` for `seconds` (VLC stops itself: --run-time, --play-and-exit). */
export async function vlcPlay(url: string, seconds: number): Promise<VlcRun> {
  assert.ok(existsSync(cvlcPath), `CI is set and there is no ${cvlcPath}: .ci/run must install Debian's vlc-bin and vlc-plugin-base`);
  const home = mkdtempSync(join(tmpdir(), 'flvcast-vlc-'));
  try {
    const vlcArgs = ['--intf', 'dummy', '--vout', 'dummy', '--aout', 'dummy', '--no-video-title-show', '-vv', '--run-time', String(seconds), '--play-and-exit', url];
    let bin = cvlcPath;
    let args = vlcArgs;
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
      chownSync(home, uid, gid);
      bin = 'runuser';
      // runuser sets HOME to nobody's (/nonexistent) unless told otherwise through env
      args = ['-u', 'nobody', '--', 'env', `HOME=${home}`, cvlcPath, ...vlcArgs];
    }
    const result = await spawnTool(bin, args, (seconds + 20) * 1000, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C' } }).done;
    const log = result.stderr.split('\n');
    const decoder = (kind: string): string | undefined => {
      for (const line of log) {
        const m = new RegExp(`using ${kind} decoder module "([^"]+)"`).exec(line);
        if (m) return m[1];
      }
      return undefined;
    };
    const streamTypes: VlcRun['streamTypes'] = [];
    for (const line of log) {
      const m = /ts demux debug: +\* pid=(\d+) type=0x([0-9a-f]+)/i.exec(line);
      if (m) streamTypes.push({ pid: Number(m[1]), type: parseInt(m[2]!, 16) });
    }
    // Every warning counts, a signalled discontinuity too: a viewer's first packets carry no discontinuity
    // indicator (nothing came before them), and a viewer that keeps up is never cut.
    const signalled: number[] = [];
    const problems = log.filter((line) => {
      const m = LOG_LINE.exec(line);
      if (m === null || notTheStream(m[1]!, m[3]!)) return false;
      const flagged = m[1] === 'ts demux' && m[2] === 'warning' ? /^discontinuity indicator \(pid=(\d+)\) ?$/.exec(m[3]!) : null;
      if (flagged) signalled.push(Number(flagged[1]));
      return true;
    });
    return {
      result,
      videoDecoder: decoder('video'),
      audioDecoder: decoder('audio'),
      firstPicture: log.some((l) => l.includes('main decoder debug: Received first picture')),
      streamTypes,
      problems,
      signalled,
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
