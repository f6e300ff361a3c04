/// <reference lib="dom" />
/**
 * A recording played, and seeked in, by mpegts.js in Debian's headless Chromium: the flvcast server
 * (`buildServer` with `vodDir` and the dashboard, whose route serves mpegts.js) serves an ffmpeg recording
 * (12 s, 2 s GOPs) with its keyframes index from `/vod/…`. The player runs as a VOD player (`isLive: false`,
 * `seekType: 'range'`) on a link throttled (DevTools network emulation) to 1.5× the recording's bitrate, so a
 * seek to 2/3 of the file is beyond what it has loaded: it must fetch from the keyframe's file position with
 * a Range request and play on from within one GOP of the target. Chromium from CHROMIUM_PATH or /usr/bin/chromium; without it the test fails in CI and is
 * skipped loudly elsewhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipWithoutChromium } from '../src/chromium.js';
import { addPlayerPage, openPlayerPage } from '../src/mpegts-page.js';
import { waitAsync } from '../src/tools.js';
import { VOD_GOP_S, startVodBrowser } from '../src/vod-recording.js';

const skip = skipWithoutChromium('Seeking in a VOD recording with mpegts.js is');


interface SeekState {
  currentTime: number;
  readyState: number;
  ended: boolean;
  buffered: string;
  mediaError: string | undefined;
  duration: number;
  seeking: boolean;
  paused: boolean;
  frames: number;
  errors: string[];
}

test('mpegts.js plays a recording from /vod/, seeks to 2/3 of it with a Range request at a keyframe, and plays on from within one GOP', { skip, timeout: 90_000 }, async (t) => {
  const { rec, base, page, problems, ranges, throttle, seekToTwoThirds } = await startVodBrowser(t, 'flvcast-vod-browser-', addPlayerPage);
  await openPlayerPage(page, base);
  await throttle(1.5);

  await page.evaluate((url) => {
    interface Player {
      on(event: string, cb: (...args: unknown[]) => void): void;
      attachMediaElement(v: HTMLVideoElement): void;
      load(): void;
      play(): Promise<void> | void;
    }
    const g = window as unknown as { mpegts: { createPlayer(source: object, config: object): Player; Events: Record<string, string> }; __errors: string[] };
    g.__errors = [];
    const player = g.mpegts.createPlayer(
      { type: 'flv', isLive: false, url },
      { enableWorker: false, seekType: 'range', accurateSeek: false },
    );
    player.on(g.mpegts.Events.ERROR!, (type: unknown, detail: unknown, info: unknown) => g.__errors.push(`${String(type)} ${String(detail)} ${JSON.stringify(info)}`));
    player.attachMediaElement(document.querySelector('video')!);
    player.load();
    void Promise.resolve(player.play()).catch((e: unknown) => g.__errors.push(`play(): ${String(e)}`));
  }, `${base}/vod/${rec.path}`);

  const state = (): Promise<SeekState> =>
    page.evaluate(() => {
      const v = document.querySelector('video')!;
      const buffered = Array.from({ length: v.buffered.length }, (_, i) => `${v.buffered.start(i).toFixed(2)}-${v.buffered.end(i).toFixed(2)}`).join(' ');
      return { currentTime: v.currentTime, readyState: v.readyState, ended: v.ended, buffered, mediaError: v.error?.message, duration: v.duration, seeking: v.seeking, paused: v.paused, frames: v.getVideoPlaybackQuality().totalVideoFrames, errors: (window as unknown as { __errors: string[] }).__errors };
    });
  const describe = async () => JSON.stringify({ ...(await state()), ranges, problems, keyframes: rec.index.keyframes });

  await waitAsync(async () => (await state()).currentTime > 0.5, 20_000, `the recording to play from the start: ${await describe()}`);
  const { target, rangeStarts: seekRanges } = await seekToTwoThirds(describe);
  const after = await state();
  assert.deepEqual(after.errors, [], 'no mpegts.js error');

  // The seek was served by a Range request starting at one of the recording's keyframe tags.
  assert.ok(seekRanges.length > 0, `a Range request after the seek: ${JSON.stringify(ranges)}`);
  const positions = rec.index.keyframes.filepositions;
  assert.ok(seekRanges.some((from) => positions.includes(from) && rec.index.keyframes.times[positions.indexOf(from)]! <= target && target - rec.index.keyframes.times[positions.indexOf(from)]! <= VOD_GOP_S), `a Range from the keyframe at or before ${target} s (${positions.join(', ')}): ${JSON.stringify(ranges)}`);
});
