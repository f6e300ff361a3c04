/// <reference lib="dom" />
/**
 * The dashboard's Recordings view in Debian's headless Chromium: the flvcast server (`buildServer` with the
 * dashboard and `vodDir`) serves an ffmpeg recording (12 s, 2 s GOPs, keyframes index) under `/vod/`. The
 * page lists it from the VOD feed (stream, start, duration, size, a download link), plays it when its name
 * is clicked, and its seek bar works: on a link throttled to 1.5× the recording's bitrate a seek to 2/3 lands
 * within one GOP of the target through a Range request, and playback goes on. Chromium from CHROMIUM_PATH or
 * /usr/bin/chromium; without it the test fails in CI and is skipped loudly elsewhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipWithoutChromium } from '../src/chromium.js';
import { waitAsync } from '../src/tools.js';
import { startVodBrowser } from '../src/vod-recording.js';

const skip = skipWithoutChromium("The dashboard's Recordings view is");


test('the dashboard lists a recording, plays it on a click, and its seek bar seeks with Range', { skip, timeout: 90_000 }, async (t) => {
  const { rec, base, page, problems, ranges, throttle, seekToTwoThirds } = await startVodBrowser(t, 'flvcast-dash-rec-');
  await page.goto(`${base}/`);

  // The list: one row with what the catalog says of the file.
  const row = page.locator('#recordings tbody tr');
  await row.first().waitFor({ timeout: 15_000 });
  assert.equal(await row.count(), 1, 'one recording listed');
  const cells = await row.first().locator('td').allTextContents();
  assert.equal(cells[0], rec.path, 'its path');
  assert.equal(cells[1], 'live/rec', 'its stream, guessed from the name');
  assert.match(cells[3]!, /^0:1[12]$/, `its duration (${cells[3]})`);
  assert.match(cells[4]!, /KB|MB/, `its size (${cells[4]})`);
  const href = await row.first().locator('a').getAttribute('href');
  assert.equal(href, `${base}/vod/${rec.path}`, 'the download link is the VOD URL');
  assert.equal(await page.locator('#recordings-card').isHidden(), false, 'the Recordings card shows');

  // Played on a link slower than the file, so the seek must fetch from the keyframe.
  await throttle(1.5);
  await row.first().locator('button.play').click();

  const state = () =>
    page.evaluate(() => {
      const v = document.querySelector('video')!;
      return { currentTime: v.currentTime, seeking: v.seeking, kind: v.dataset.kind, state: v.dataset.state, url: v.dataset.url, message: document.getElementById('message')?.textContent ?? '', hash: location.hash, nowPlaying: document.getElementById('now-playing')?.textContent ?? '' };
    });
  const describe = async () => JSON.stringify({ ...(await state()), ranges, problems });
  await waitAsync(async () => {
    const s = await state();
    return s.state === 'playing' && s.currentTime > 0.5;
  }, 20_000, `the recording to play from the start: ${await describe()}`);
  const playing = await state();
  assert.equal(playing.kind, 'recording');
  assert.equal(playing.url, `${base}/vod/${rec.path}`);
  assert.match(playing.hash, /^#recording=/, 'the selection is kept in the URL');
  assert.match(playing.nowPlaying, /\(recording\)$/);

  const { rangeStarts: from } = await seekToTwoThirds(describe);
  assert.ok(from.some((p) => rec.index.keyframes.filepositions.includes(p)), `a Range request from a keyframe after the seek: ${JSON.stringify(ranges)}`);
  assert.deepEqual(problems.filter((p) => !p.includes('favicon')), [], 'no page errors');
});
