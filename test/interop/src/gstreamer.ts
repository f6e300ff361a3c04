/**
 * GStreamer as an independent MPEG-TS client: `gst-launch-1.0` reads a live URL with souphttpsrc, demuxes it
 * with tsdemux and decodes every elementary stream with decodebin into fakesinks that report each buffer.
 * The verdict comes from GStreamer itself: its ERROR/WARNING lines (GST_DEBUG=2) and the decoded buffers and
 * raw caps that reached each sink. Debian's gstreamer1.0-tools, -plugins-base/-good/-bad and -libav
 * (`.ci/run` installs them).
 */
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { spawnTool, sleep, type ToolResult } from './tools.js';

export const gstLaunchPath = '/usr/bin/gst-launch-1.0';
const gstInspectPath = '/usr/bin/gst-inspect-1.0';
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

/** A skip reason outside CI when GStreamer is missing (after a banner); false otherwise (CI fails instead). */
export function skipWithoutGstreamer(what: string): string | false {
  if (existsSync(gstLaunchPath) || inCi) return false;
  console.error(`\n!! GSTREAMER TEST SKIPPED: no ${gstLaunchPath}. ${what} NOT tested here (apt-get install gstreamer1.0-tools gstreamer1.0-plugins-{base,good,bad} gstreamer1.0-libav).\n`);
  return `no ${gstLaunchPath}`;
}

/** What one fakesink (one demuxed elementary stream, decoded) received. */
export interface GstSink {
  /** decoded caps, e.g. `video/x-raw, format=(string)I420, width=(int)320, …` */
  caps: string | undefined;
  /** buffers that reached the sink (each a decoded picture or block of samples) */
  buffers: number;
  /** the last buffer's presentation time, s */
  lastPts: number | undefined;
}

export interface GstRun {
  result: ToolResult;
  sinks: GstSink[];
  /** GStreamer's ERROR and WARNING lines (log and gst-launch messages) until we stopped it, minus the known-harmless ones */
  problems: string[];
  /** every WARN/ERROR line, shutdown included, unfiltered, for assertion messages */
  allWarnings: string[];
  /** gst-launch's lines about caps and state, for assertion messages */
  capsLines: string[];
}

/**
 * Harmless lines, each with why: they say nothing about the stream (each also shows with ffmpeg's own TS).
 * - `gst-launch -v` prints the pipeline's properties and cannot serialize the soup session's context.
 * - x264/x265 write no colour matrix into the VUI of ffmpeg's test pictures; the raw caps then get a default.
 * - tsdemux's caps for MPEG audio (stream types 3/4) name no layer until mpegaudioparse has read a frame;
 *   decodebin's description helper says so once.
 */
const HARMLESS = [
  /No value transform to serialize field 'session' of type 'GstSoupSession'/,
  /video-info\.c:\d+:(validate_colorimetry|gst_video_info_from_caps)/,
  /descriptions\.c:\d+:format_info_get_desc: Unexpected MPEG-1 layer in audio\/mpeg, mpegversion=\(int\)1$/,
];

const SINK_LINE = /^\/GstPipeline:pipeline0\/GstFakeSink:(sink\d+): last-message = chain .*?pts: (\d+):(\d\d):(\d\d\.\d+)/;
const CAPS_LINE = /^\/GstPipeline:pipeline0\/GstFakeSink:(sink\d+)\.GstPad:sink: caps = (.*)$/;
/** The same caps as the sink's last-message reports the caps event: `caps=(GstCaps)"audio/x-raw\,\ format\=…"` */
const CAPS_EVENT = /^\/GstPipeline:pipeline0\/GstFakeSink:(sink\d+): last-message = event .*?type: caps .*?caps=\(GstCaps\)"((?:[^"\\]|\\.)*)"/;

let registry: Promise<void> | undefined;

/**
 * The first GStreamer run of a fresh machine scans every plugin to build its registry (seconds): done once,
 * outside any timed window, by asking for tsdemux, which also says whether -plugins-bad is there.
 */
function warmRegistry(): Promise<void> {
  registry ??= spawnTool(gstInspectPath, ['tsdemux'], 60_000).done.then((r) => {
    assert.equal(r.code, 0, `gst-inspect-1.0 tsdemux failed (is gstreamer1.0-plugins-bad installed?): ${r.stderr.slice(0, 500)}`);
  });
  return registry;
}

/**
 * Plays `url` for `seconds` (then SIGINT: with `-e` gst-launch sends EOS and flushes its output) with one
 * decode branch per expected elementary stream: the demuxer (tsdemux, or flvdemux behind rtmp2src for an
 * `rtmp://` URL) links each of its pads to the next free branch.
 */
export async function gstDecode(url: string, opts: { streams: number; seconds: number; demuxed?: 'ts' | 'rtmp-flv' }): Promise<GstRun> {
  assert.ok(existsSync(gstLaunchPath), `CI is set and there is no ${gstLaunchPath}: .ci/run must install Debian's gstreamer1.0-tools and plugins`);
  await warmRegistry();
  const branches: string[] = [];
  for (let i = 0; i < opts.streams; i++) branches.push('d.', '!', 'queue', '!', 'decodebin', '!', 'fakesink', `name=sink${i}`, 'silent=false', 'sync=false');
  // `rtmp-flv`: GStreamer's own RTMP client (rtmp2src, -plugins-bad) hands FLV to flvdemux (-plugins-good).
  const source = opts.demuxed === 'rtmp-flv' ? ['rtmp2src', `location=${url}`, '!', 'flvdemux', 'name=d'] : ['souphttpsrc', `location=${url}`, 'is-live=true', '!', 'tsdemux', 'name=d'];
  const args = ['-e', '-v', ...source, ...branches];
  const proc = spawnTool(gstLaunchPath, args, (opts.seconds + 15) * 1000, { env: { ...process.env, GST_DEBUG: '2', GST_DEBUG_NO_COLOR: '1' } });
  await sleep(opts.seconds * 1000);
  // What GStreamer says while it stops is about the cut we made (tsdemux flushes the half-received PES of
  // each stream at EOS): only the log written before the interrupt is judged.
  const judged = { stderr: proc.stderr.length, stdout: proc.stdout.length };
  if (!proc.exited) proc.child.kill('SIGINT');
  const interrupted = await Promise.race([proc.done, sleep(8000).then(() => undefined)]);
  const result = interrupted ?? (await proc.kill());
  const sinks: GstSink[] = Array.from({ length: opts.streams }, () => ({ caps: undefined, buffers: 0, lastPts: undefined }));
  for (const line of result.stdout.split('\n')) {
    const chain = SINK_LINE.exec(line);
    if (chain) {
      const sink = sinks[Number(chain[1]!.slice(4))]!;
      sink.buffers++;
      sink.lastPts = Number(chain[2]) * 3600 + Number(chain[3]) * 60 + Number(chain[4]);
      continue;
    }
    const caps = CAPS_LINE.exec(line);
    if (caps && caps[2] !== 'NULL') sinks[Number(caps[1]!.slice(4))]!.caps = caps[2];
    const event = CAPS_EVENT.exec(line);
    if (event) sinks[Number(event[1]!.slice(4))]!.caps ??= event[2]!.replace(/\\(.)/g, '$1');
  }
  // the debug log (stderr) and gst-launch's own "ERROR:"/"WARNING:" messages (stdout)
  const warnings = (text: string): string[] => text.split('\n').filter((l) => /\b(WARN|ERROR)\b|^(ERROR|WARNING):/.test(l));
  const before = [...warnings(result.stderr.slice(0, judged.stderr)), ...warnings(result.stdout.slice(0, judged.stdout))];
  const problems = before.filter((l) => !HARMLESS.some((h) => h.test(l)));
  if (interrupted === undefined) problems.push('gst-launch-1.0 did not stop within 8 s of SIGINT');
  const capsLines = result.stdout.split('\n').filter((l) => /GstFakeSink.*caps|^(Setting|Pipeline|ERROR|WARNING|EOS|Got EOS|Interrupt)/.test(l)).map((l) => l.slice(0, 300));
  return { result, sinks, problems, allWarnings: [...warnings(result.stderr), ...warnings(result.stdout)], capsLines };
}
