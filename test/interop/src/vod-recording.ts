import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { TestContext } from 'node:test';
import { join } from 'node:path';
import { indexFlv, withKeyframeIndex, type FlvFileIndex } from '@flvcast/flv';
import { buildServer, resolveConfig } from '@flvcast/server';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { ffmpegPath, sleep, spawnTool, waitAsync } from './tools.js';

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

/** A real server with the dashboard serving one recording from `/vod/`, and a Chromium page watching it. */
export interface VodBrowserSetup {
  readonly rec: VodRecording;
  readonly base: string;
  readonly page: Page;
  /** Page errors and console errors, for assertion messages. */
  readonly problems: string[];
  /** The Range header of every request to `/vod/` (`(none)` when it had none), in order. */
  readonly ranges: string[];
  /** Limits the page's downloads to `factor` × the recording's bitrate, so a seek lands beyond what it has. */
  throttle(factor: number): Promise<void>;
  /**
   * Seeks the page's video to 2/3 of the recording, asserts it lands within one GOP of the target and plays on
   * for 1.5 s; returns where the Range requests made after the seek start (`describe` explains a failure).
   */
  seekToTwoThirds(describe: () => Promise<string>): Promise<{ target: number; landedAt: number; rangeStarts: number[] }>;
}

/** The recording's GOP, in seconds: the furthest a seek may land from its target. */
export const VOD_GOP_S = 2;

/** Starts it all (the recording by ffmpeg, the server, Chromium); `t.after` undoes it. `routes` adds routes before it listens. */
export async function startVodBrowser(t: TestContext, dirPrefix: string, routes?: (app: FastifyInstance) => void): Promise<VodBrowserSetup> {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rec = await makeVodRecording(dir);
  const built = await buildServer(resolveConfig({ httpListen: ['127.0.0.1:0'], rtmpListen: ['127.0.0.1:0'], apiListen: ['off'], logLevel: 'silent', dashboard: true, vodDir: dir }));
  t.after(() => built.app.close());
  routes?.(built.app);
  const [address] = await built.listen();
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  const ranges: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/vod/')) ranges.push(r.headers().range ?? '(none)');
  });
  return {
    rec,
    base: `http://127.0.0.1:${address!.port}`,
    page,
    problems,
    ranges,
    seekToTwoThirds: async (describe) => {
      const time = (): Promise<{ currentTime: number; seeking: boolean }> =>
        page.evaluate(() => {
          const v = document.querySelector('video')!;
          return { currentTime: v.currentTime, seeking: v.seeking };
        });
      const target = Math.round(rec.index.duration * (2 / 3) * 10) / 10;
      const before = ranges.length;
      await page.evaluate((to) => {
        document.querySelector('video')!.currentTime = to;
      }, target);
      // Settled: the seek is done and the video is within one GOP of the target.
      const landed = await waitAsync(async () => {
        const s = await time();
        return !s.seeking && Math.abs(s.currentTime - target) <= VOD_GOP_S ? s : undefined;
      }, 20_000, `the seek to ${target} s to land: ${await describe()}`);
      await sleep(1500);
      const after = await time();
      assert.ok(after.currentTime > landed.currentTime + 0.5, `plays on after the seek: ${landed.currentTime} → ${after.currentTime} (${await describe()})`);
      const rangeStarts = ranges.slice(before).map((r) => /^bytes=(\d+)-/.exec(r)?.[1]).filter((x): x is string => x !== undefined).map(Number);
      return { target, landedAt: landed.currentTime, rangeStarts };
    },
    throttle: async (factor) => {
      // A loopback fetch would have the whole file before the first frame plays: nothing to seek to with Range.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      const bytesPerSecond = Math.round((rec.bytes.length / rec.index.duration) * factor);
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: bytesPerSecond, uploadThroughput: -1 });
    },
  };
}
