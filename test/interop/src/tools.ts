/**
 * Helpers for the interop suite: real ffmpeg/ffprobe binaries, a Fastify app with both flvcast plugins on
 * loopback ephemeral ports, publishers, and a raw HTTP-FLV viewer that records every tag with its arrival
 * time. Every wait is bounded and every spawned process is tracked so nothing outlives the test run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import httpFlv, { type HttpFlvPluginOptions } from '@flvcast/fastify-http-flv';
import rtmp, { type RtmpPluginOptions } from '@flvcast/fastify-rtmp';
import {
  FlvDemuxer,
  decodeScriptData,
  inspectAudio,
  inspectVideo,
  type AudioInfo,
  type FlvHeader,
  type ScriptData,
  type VideoInfo,
} from '@flvcast/flv';
import type { LiveStream } from '@flvcast/hub';
import Fastify, { type FastifyHttpOptions, type FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);

// --- binaries ---------------------------------------------------------------------------------------

export function ffmpegPath(): string {
  return process.env.FFMPEG_PATH || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

export function ffprobePath(): string {
  return process.env.FFPROBE_PATH || (require('@ffprobe-installer/ffprobe') as { path: string }).path;
}

// --- generic waiting ----------------------------------------------------------------------------------

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value; throws a message naming `what` after `timeoutMs`. */
export async function waitUntil<T>(check: () => T | undefined | false | null, timeoutMs: number, what: string, everyMs = 20): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Polls an async check until it gives a value; throws a message naming `what` after `ms`. */
export async function waitAsync<T>(check: () => Promise<T | undefined | false>, ms: number, what: string, everyMs = 100): Promise<T> {
  for (const end = performance.now() + ms; ; ) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Rejects with a clear message if `promise` does not settle within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// --- the app under test -----------------------------------------------------------------------------

export interface LogLine {
  level: number;
  msg: string;
  code?: string;
  [key: string]: unknown;
}

export interface StartAppOptions {
  /** Options of @flvcast/fastify-http-flv (hub options included). */
  httpFlv?: HttpFlvPluginOptions;
  /** Options of @flvcast/fastify-rtmp; `listen` is always loopback on an ephemeral port. */
  rtmp?: Omit<RtmpPluginOptions, 'listen'>;
  /** Capture the app's log lines (pino JSON) into `logs`. Default false: logger off. */
  captureLogs?: boolean;
  /** Registers more plugins (after both flvcast plugins, before listening). */
  plugins?: (app: FastifyInstance) => Promise<void>;
  /** Level of the captured log. Default 'debug'. */
  logLevel?: string;
  /** Fastify server options (e.g. `http` timeouts, as the flvcast server sets them). */
  fastify?: Omit<FastifyHttpOptions<http.Server>, 'logger'>;
}

export interface StartedApp {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:41234 */
  httpUrl: string;
  /** e.g. ws://127.0.0.1:41234 */
  wsUrl: string;
  /** e.g. rtmp://127.0.0.1:41235 (append /app/stream) */
  rtmpUrl: string;
  rtmpPort: number;
  /** Parsed log lines, when captureLogs is on. */
  logs: LogLine[];
}

export async function startApp(opts: StartAppOptions = {}): Promise<StartedApp> {
  const logs: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          logs.push(JSON.parse(line) as LogLine);
        } catch {
          logs.push({ level: 0, msg: line });
        }
      }
      done();
    },
  });
  const app = Fastify({ ...opts.fastify, logger: opts.captureLogs ? { level: opts.logLevel ?? 'debug', stream } : false });
  await app.register(httpFlv, opts.httpFlv ?? {});
  await app.register(rtmp, { ...(opts.rtmp ?? {}), listen: { host: '127.0.0.1', port: 0 } });
  await opts.plugins?.(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address !== 'object') throw new Error('the HTTP server has no address');
  const rtmpAddress = app.rtmp.addresses()[0];
  if (rtmpAddress === undefined) throw new Error('the RTMP server has no address');
  return {
    app,
    httpUrl: `http://127.0.0.1:${address.port}`,
    wsUrl: `ws://127.0.0.1:${address.port}`,
    rtmpUrl: `rtmp://127.0.0.1:${rtmpAddress.port}`,
    rtmpPort: rtmpAddress.port,
    logs,
  };
}

export function streamKey(name: string, app = 'live'): { vhost: string; app: string; stream: string } {
  return { vhost: '', app, stream: name };
}

/** Waits until `app/name` exists, has a publisher and has received at least `minTags` media tags. */
export async function waitForMedia(app: FastifyInstance, name: string, opts: { minTags?: number; timeoutMs?: number; appName?: string } = {}): Promise<LiveStream> {
  const minTags = opts.minTags ?? 5;
  return waitUntil(
    () => {
      const s = app.streams.get(streamKey(name, opts.appName));
      return s !== undefined && s.publisher !== undefined && s.tagsIn >= minTags ? s : undefined;
    },
    opts.timeoutMs ?? 10_000,
    `stream ${opts.appName ?? 'live'}/${name} to receive ${minTags} media tags`,
  );
}

// --- child processes ----------------------------------------------------------------------------------

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Killed by our timeout. */
  timedOut: boolean;
  ms: number;
}

export interface Proc {
  child: ChildProcess;
  /** stderr so far */
  readonly stderr: string;
  readonly stdout: string;
  readonly exited: boolean;
  /** Settles when the process exits (never rejects). */
  done: Promise<ToolResult>;
  /** SIGKILL (idempotent); resolves once the process is gone. */
  kill(): Promise<ToolResult>;
}

/** Spawns a tool (with `env` instead of ours, when given); it is SIGKILLed after `timeoutMs` whatever happens. */
export function spawnTool(bin: string, args: string[], timeoutMs: number, opts: { env?: NodeJS.ProcessEnv } = {}): Proc {
  const started = performance.now();
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(opts.env === undefined ? {} : { env: opts.env }) });
  children.add(child);
  let stdout = '';
  let stderr = '';
  let exited = false;
  let timedOut = false;
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    if (stdout.length < 4_000_000) stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 1_000_000) stderr += d;
  });
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const done = new Promise<ToolResult>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      exited = true;
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut, ms: performance.now() - started });
    };
    child.once('error', (err) => {
      stderr += `\nspawn error: ${err.message}`;
      finish(null, null);
    });
    child.once('close', finish);
  });
  return {
    child,
    get stderr() {
      return stderr;
    },
    get stdout() {
      return stdout;
    },
    get exited() {
      return exited;
    },
    done,
    kill() {
      if (!exited) child.kill('SIGKILL');
      return done;
    },
  };
}

export type PublishKind = 'av' | 'audio' | 'video';

export interface PublishOptions {
  /** Duration of the encode (ffmpeg `-t`). Default 10 s. */
  seconds?: number;
  /** The audio codec: AAC (default) or MP3 (libmp3lame, FLV sound format 2). */
  audioCodec?: 'aac' | 'mp3';
  /** Another ffmpeg binary (e.g. Debian's /usr/bin/ffmpeg) instead of the npm one. */
  ffmpeg?: string;
  /** Frames per GOP (default 25: 1 s); given, x264's scene-cut keyframes are off, so GOPs are exactly this. */
  gop?: number;
}

/**
 * ffmpeg encodes a live lavfi source (testsrc 320x240@25 + sine) to H.264/AAC in real time (`-re`) and
 * publishes it to `url` (rtmp://host:port/app/name) as ffmpeg's RTMP client does for any user.
 */
export function publish(url: string, kind: PublishKind = 'av', opts: PublishOptions = {}): Proc {
  const seconds = opts.seconds ?? 10;
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning'];
  if (kind !== 'audio') args.push('-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25');
  if (kind !== 'video') args.push('-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100');
  args.push('-t', String(seconds));
  if (kind !== 'audio') args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(opts.gop ?? 25), ...(opts.gop === undefined ? [] : ['-sc_threshold', '0']), '-pix_fmt', 'yuv420p', '-threads', '1');
  if (kind !== 'video') args.push(...(opts.audioCodec === 'mp3' ? ['-c:a', 'libmp3lame', '-b:a', '64k'] : ['-c:a', 'aac', '-b:a', '64k']));
  args.push('-f', 'flv', url);
  return spawnTool(opts.ffmpeg ?? ffmpegPath(), args, (seconds + 20) * 1000);
}

let fixtureDir: string | undefined;
let fixture: Promise<string> | undefined;

/** A 6-second H.264 (with B-frames, GOP 1 s) + AAC FLV file, encoded once per run into a temp dir. */
export function fixtureFlv(): Promise<string> {
  fixture ??= (async () => {
    fixtureDir = mkdtempSync(join(tmpdir(), 'flvcast-interop-'));
    process.once('exit', () => rmSync(fixtureDir!, { recursive: true, force: true }));
    const file = join(fixtureDir, 'fixture.flv');
    const result = await spawnTool(
      ffmpegPath(),
      [
        '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
        '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=6',
        '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=6',
        // B-frames, as OBS's and ffmpeg's default x264 settings produce: composition times must pass through.
        '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '25', '-pix_fmt', 'yuv420p', '-threads', '1',
        '-c:a', 'aac', '-b:a', '64k', '-shortest', '-f', 'flv', '-y', file,
      ],
      30_000,
    ).done;
    if (result.code !== 0) throw new Error(`could not encode the fixture FLV (exit ${result.code}): ${result.stderr}`);
    return file;
  })();
  return fixture;
}

/** ffmpeg re-publishes an FLV file as it is (`-re -c copy`), the way a relay or a recorded feed does. */
export function publishFile(url: string, file: string): Proc {
  return spawnTool(
    ffmpegPath(),
    ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning', '-re', '-i', file, '-c', 'copy', '-f', 'flv', url],
    30_000,
  );
}

// --- players ------------------------------------------------------------------------------------------

export interface ProbeStream {
  index: number;
  codec_type: string;
  codec_name?: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
}

export interface ProbeResult extends ToolResult {
  streams: ProbeStream[];
  format: Record<string, unknown> | undefined;
}

/** ffprobe (or another build, `bin`) -show_streams -show_format on a URL (it reads only what it needs to describe the streams). */
export async function probe(url: string, timeoutMs = 15_000, bin = ffprobePath()): Promise<ProbeResult> {
  const result = await spawnTool(bin, ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', url], timeoutMs).done;
  let parsed: { streams?: ProbeStream[]; format?: Record<string, unknown> } = {};
  try {
    parsed = JSON.parse(result.stdout) as typeof parsed;
  } catch {
    // leave empty: the assertions report stdout/stderr
  }
  return { ...result, streams: parsed.streams ?? [], format: parsed.format };
}

/** ffmpeg decodes `seconds` of the URL to the null muxer at `-v error`: any stderr line is a decode error. */
export function decode(url: string, seconds = 2, timeoutMs = 20_000): Promise<ToolResult> {
  return spawnTool(ffmpegPath(), ['-hide_banner', '-nostdin', '-nostats', '-v', 'error', '-i', url, '-t', String(seconds), '-f', 'null', '-'], timeoutMs).done;
}

export interface ReceivedTag {
  type: number;
  timestamp: number;
  payload: Uint8Array;
  /** performance.now() when the chunk completing this tag arrived */
  at: number;
  video?: VideoInfo;
  audio?: AudioInfo;
  script?: ScriptData;
}

/** Inspects a demuxed tag the way a player would (video/audio header, script data). */
export function describeTag(tag: { type: number; timestamp: number; payload: Uint8Array }, at: number): ReceivedTag {
  const out: ReceivedTag = { ...tag, at };
  try {
    if (tag.type === 9) out.video = inspectVideo(tag.payload);
    else if (tag.type === 8) out.audio = inspectAudio(tag.payload);
    else if (tag.type === 18) out.script = decodeScriptData(tag.payload);
  } catch {
    // left undescribed: assertions on it will fail with the tag in the message
  }
  return out;
}

/** Incremental FLV reader with tag arrival times, shared by the HTTP and WS viewers. */
export class FlvCollector {
  readonly demuxer = new FlvDemuxer();
  readonly tags: ReceivedTag[] = [];
  bytes = 0;
  chunks = 0;
  firstByteAt: number | undefined;
  lastByteAt: number | undefined;
  error: Error | undefined;

  get header(): FlvHeader | undefined {
    return this.demuxer.header;
  }

  push(chunk: Uint8Array): void {
    const at = performance.now();
    this.firstByteAt ??= at;
    this.lastByteAt = at;
    this.bytes += chunk.byteLength;
    this.chunks++;
    if (this.error) return;
    try {
      for (const tag of this.demuxer.push(chunk)) this.tags.push(describeTag(tag, at));
    } catch (err) {
      this.error = err as Error;
    }
  }
}

/**
 * A raw HTTP-FLV viewer: one GET (own connection, no agent), records status, headers, the time the
 * response headers arrived, every tag with its arrival time, and whether the response ended cleanly.
 */
export class HttpFlvViewer {
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  requestedAt = 0;
  headersAt = 0;
  /** The response 'end' event fired: the chunked terminator was received. */
  ended = false;
  endedAt: number | undefined;
  /** The connection failed or closed before the end of the response. */
  aborted = false;
  readonly flv = new FlvCollector();
  /** First bytes of the body, verbatim. */
  readonly firstBytes: number[] = [];
  body = '';
  #req: http.ClientRequest | undefined;
  #res: http.IncomingMessage | undefined;
  #closed = false;

  static open(url: string, opts: { headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<HttpFlvViewer> {
    const viewer = new HttpFlvViewer();
    return withTimeout(
      new Promise<HttpFlvViewer>((resolve, reject) => {
        viewer.requestedAt = performance.now();
        const req = http.get(url, { agent: false, headers: opts.headers ?? {} }, (res) => {
          viewer.headersAt = performance.now();
          viewer.status = res.statusCode ?? 0;
          viewer.headers = res.headers;
          viewer.#res = res;
          const flv = res.statusCode === 200;
          res.on('data', (chunk: Buffer) => {
            for (let i = 0; i < chunk.length && viewer.firstBytes.length < 16; i++) viewer.firstBytes.push(chunk[i]!);
            if (flv) viewer.flv.push(chunk);
            else if (viewer.body.length < 100_000) viewer.body += chunk.toString('utf8');
          });
          res.once('end', () => {
            viewer.ended = true;
            viewer.endedAt = performance.now();
          });
          res.once('aborted', () => (viewer.aborted = true));
          res.once('error', () => (viewer.aborted = true));
          resolve(viewer);
        });
        viewer.#req = req;
        req.once('error', (err) => {
          viewer.aborted = true;
          reject(err);
        });
      }),
      opts.timeoutMs ?? 5_000,
      `response headers from ${url}`,
    ).catch((err: unknown) => {
      viewer.close();
      throw err;
    });
  }

  get tags(): ReceivedTag[] {
    return this.flv.tags;
  }

  /** Waits until `check(this)` holds (checked on a short poll). */
  waitFor(check: (v: HttpFlvViewer) => boolean, timeoutMs: number, what: string): Promise<HttpFlvViewer> {
    return waitUntil(() => (check(this) ? this : undefined), timeoutMs, what, 10);
  }

  waitForEnd(timeoutMs: number): Promise<HttpFlvViewer> {
    return this.waitFor((v) => v.ended || v.aborted, timeoutMs, 'the response to end');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#res?.destroy();
    this.#req?.destroy();
  }
}

/** Reads a live FLV URL for `ms` milliseconds or until `bytes` bytes arrived, whichever comes first. */
export async function fetchFlv(url: string, limit: { bytes?: number; ms?: number; headers?: Record<string, string> }): Promise<HttpFlvViewer> {
  const viewer = await HttpFlvViewer.open(url, limit.headers ? { headers: limit.headers } : {});
  try {
    const ms = limit.ms ?? 5_000;
    const bytes = limit.bytes ?? Infinity;
    await waitUntil(() => viewer.flv.bytes >= bytes || viewer.ended || viewer.aborted || performance.now() - viewer.headersAt >= ms, ms + 1000, `${url} to deliver`, 10);
  } finally {
    viewer.close();
  }
  return viewer;
}

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** request to end of response, ms */
  ms: number;
}

/** One non-streaming request (404s, 400s, HEAD, OPTIONS): reads the whole body, bounded. */
export function request(url: string, opts: { method?: string; headers?: Record<string, string>; path?: string; timeoutMs?: number } = {}): Promise<SimpleResponse> {
  const started = performance.now();
  let req: http.ClientRequest | undefined;
  return withTimeout(
    new Promise<SimpleResponse>((resolve, reject) => {
      const u = new URL(url);
      req = http.request(
        { host: u.hostname, port: u.port, method: opts.method ?? 'GET', path: opts.path ?? `${u.pathname}${u.search}`, headers: opts.headers ?? {}, agent: false },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), ms: performance.now() - started }));
          res.once('error', reject);
        },
      );
      req.once('error', reject);
      req.end();
    }),
    opts.timeoutMs ?? 5_000,
    `${opts.method ?? 'GET'} ${opts.path ?? url}`,
  ).finally(() => req?.destroy());
}

// --- assertions helpers -------------------------------------------------------------------------------

/** Short human description of a tag sequence for assertion messages. */
export function summarize(tags: readonly ReceivedTag[], n = 12): string {
  return tags
    .slice(0, n)
    .map((t) => {
      if (t.type === 18) return `script(${t.script?.name ?? '?'})@${t.timestamp}`;
      if (t.type === 9) {
        const v = t.video;
        const kind = v === undefined ? '?' : v.isSequenceHeader ? 'seq' : v.isKeyframe ? 'key' : 'inter';
        return `video:${kind}@${t.timestamp}`;
      }
      if (t.type === 8) return `audio:${t.audio?.isSequenceHeader ? 'seq' : 'frame'}@${t.timestamp}`;
      return `type${t.type}@${t.timestamp}`;
    })
    .join(', ');
}

/** Media tags (not sequence headers) of one type. */
export function mediaTags(tags: readonly ReceivedTag[], type: 8 | 9): ReceivedTag[] {
  return tags.filter((t) => t.type === type && !(type === 9 ? t.video?.isSequenceHeader : t.audio?.isSequenceHeader));
}
