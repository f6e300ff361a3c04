/**
 * `.ts` with real tools: ffmpeg publishes H.264+AAC over RTMP; viewers GET `/live/<name>.ts` for a few seconds
 * (one from the start, one joining later, so the second starts from the GOP cache with its resync); ffprobe
 * must see exactly the published streams, ffmpeg must decode the bytes with no error line, and the
 * conformance checker must find nothing (framing, continuity, PCR, tables, first keyframe).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTsConformance, demuxTs } from '@flvcast/test-fixtures';
import { ffmpegPath, ffprobePath, publish, sleep, spawnTool, startApp, waitForMedia, withTimeout } from '../src/tools.js';

/** The body of a GET for `ms`, with its status and content type. */
function record(url: string, ms: number): Promise<{ status: number; contentType: string | undefined; body: Uint8Array }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = http.get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        const done = () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: new Uint8Array(Buffer.concat(chunks)) });
        res.on('end', done);
        res.on('close', done);
        setTimeout(() => req.destroy(), ms);
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    }),
    ms + 10_000,
    `GET ${url}`,
  );
}

interface Stream {
  type: string;
  codec: string;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
}

/**
 * The streams of a TS file as ffprobe reports them. The static ffprobe that @ffprobe-installer ships crashes
 * (SIGSEGV) on every TS with an SDT, ffmpeg's own output included (its SDT reader converts the names through
 * the static build's iconv); Debian's ffprobe does not. So: FFPROBE_PATH, else Debian's, else the npm one;
 * if that one crashes, ffmpeg's own description of its input (`ffmpeg -i`) stands in.
 */
async function probeFile(file: string): Promise<{ tool: string; streams: Stream[] }> {
  const bin = process.env.FFPROBE_PATH || (existsSync('/usr/bin/ffprobe') ? '/usr/bin/ffprobe' : ffprobePath());
  const probe = await spawnTool(bin, ['-v', 'error', '-show_streams', '-of', 'json', file], 15_000).done;
  if (probe.signal !== 'SIGSEGV') {
    assert.equal(probe.code, 0, `ffprobe: ${probe.stderr}`);
    const parsed = JSON.parse(probe.stdout) as { streams: { codec_type: string; codec_name: string; width?: number; height?: number; sample_rate?: string; channels?: number }[] };
    return {
      tool: bin,
      streams: parsed.streams.map((s) => ({ type: s.codec_type, codec: s.codec_name, width: s.width, height: s.height, sampleRate: s.sample_rate === undefined ? undefined : Number(s.sample_rate), channels: s.channels })),
    };
  }
  const info = await spawnTool(ffmpegPath(), ['-hide_banner', '-nostdin', '-i', file], 15_000).done;
  const streams: Stream[] = [];
  for (const m of info.stderr.matchAll(/Stream #\d+:\d+\S*: (Video|Audio|Data|Subtitle): (\w+)([^\n]*)/g)) {
    const rest = m[3]!;
    const size = /, (\d+)x(\d+)/.exec(rest);
    const rate = /, (\d+) Hz, (mono|stereo)/.exec(rest);
    streams.push({
      type: m[1]!.toLowerCase(),
      codec: m[2]!,
      ...(size && { width: Number(size[1]), height: Number(size[2]) }),
      ...(rate && { sampleRate: Number(rate[1]), channels: rate[2] === 'mono' ? 1 : 2 }),
    });
  }
  return { tool: 'ffmpeg -i (the npm ffprobe crashed)', streams };
}

test('ffmpeg publishes H.264+AAC; .ts viewers (early and late) get streams ffprobe reads as h264 + aac, ffmpeg decodes cleanly, conformant', async (t) => {
  const { app, httpUrl, rtmpUrl } = await startApp({ httpFlv: { mount: '[app]/[stream].ts' } });
  t.after(() => app.close());
  const pub = publish(`${rtmpUrl}/live/tsav`, 'av', { seconds: 15 });
  t.after(() => pub.kill());
  await waitForMedia(app, 'tsav');

  const early = record(`${httpUrl}/live/tsav.ts`, 5000);
  await sleep(1700); // joins mid-GOP: starts from the cached keyframe
  const late = record(`${httpUrl}/live/tsav.ts`, 3300);
  const results = await Promise.all([early, late]);

  const dir = mkdtempSync(join(tmpdir(), 'flvcast-ts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [i, r] of results.entries()) {
    const which = i === 0 ? 'early viewer' : 'late viewer';
    assert.equal(r.status, 200);
    assert.equal(r.contentType, 'video/MP2T');
    // The GET is cut while bytes flow: drop a partial last packet, as a player would wait for the rest.
    const body = r.body.subarray(0, r.body.length - (r.body.length % 188));
    assert.ok(body.length > 50_000, `${which}: ${body.length} bytes`);
    assert.deepEqual(checkTsConformance(body), [], `${which}: conformance`);
    const ts = demuxTs(body);
    assert.ok(ts.sdts[0]?.services[0]?.name === 'live/tsav' && ts.sdts[0].services[0].provider === 'flvcast', `${which}: SDT names the stream`);

    const file = join(dir, `${i}.ts`);
    writeFileSync(file, body);
    const { tool, streams } = await probeFile(file);
    t.diagnostic(`${which}: streams read by ${tool}`);
    assert.deepEqual(streams.map((s) => [s.type, s.codec]).sort(), [['audio', 'aac'], ['video', 'h264']], `${which}: exactly the published streams: ${JSON.stringify(streams)}`);
    const video = streams.find((s) => s.type === 'video')!;
    const audio = streams.find((s) => s.type === 'audio')!;
    assert.deepEqual([video.width, video.height, audio.sampleRate, audio.channels], [320, 240, 44100, 1]);

    const decoded = await spawnTool(ffmpegPath(), ['-hide_banner', '-nostdin', '-nostats', '-v', 'error', '-i', file, '-f', 'null', '-'], 30_000).done;
    const lines = decoded.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    assert.equal(decoded.code, 0, `${which}: ffmpeg exit: ${decoded.stderr}`);
    assert.deepEqual(lines, [], `${which}: ffmpeg -v error printed errors`);
  }
  assert.equal(pub.exited, false, `the publisher died: ${pub.stderr}`);
});
