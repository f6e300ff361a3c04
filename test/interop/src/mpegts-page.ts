/// <reference lib="dom" />
/**
 * A bare mpegts.js player page in headless Chromium, on the flvcast server's own origin: the test adds the
 * page's route to the server under test (`addPlayerPage`, before it listens), mpegts.js comes from the
 * server's dashboard route (`/vendor/mpegts.js`, from the npm package). A page served by playwright's router
 * instead has no address, so Chromium's local network access checks block its WebSocket to 127.0.0.1. `play` starts `mpegts.createPlayer({ type, isLive, url })`
 * on a muted <video>; `state` reads what the browser decoded and what mpegts.js reported. (The DOM lib
 * reference is for the page.evaluate callbacks, which run in the browser.)
 */
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';

const PAGE_PATH = '/__flvcast-test-player';
// no favicon request (a 404 would show as a console error)
const PAGE = `<!doctype html><meta charset="utf-8"><title>mpegts.js test player</title><link rel="icon" href="data:,">
<video muted playsinline width="320" height="240"></video>
<script src="/vendor/mpegts.js"></script>`;

export interface PlayerState {
  currentTime: number;
  /** getVideoPlaybackQuality().totalVideoFrames */
  frames: number;
  dropped: number;
  /** mpegts.js ERROR events: type, detail, info */
  errors: string[];
  /** mpegts.js MEDIA_INFO: the codecs it found (e.g. avc1.42c01e, mp4a.40.2) */
  videoCodec: string | undefined;
  audioCodec: string | undefined;
  hasAudio: boolean | undefined;
  hasVideo: boolean | undefined;
  /** bytes mpegts.js loaded (STATISTICS_INFO) */
  loadedBytes: number | undefined;
}

interface PageGlobals {
  mpegts: {
    createPlayer(source: object, config: object): {
      on(event: string, cb: (...args: unknown[]) => void): void;
      attachMediaElement(v: HTMLVideoElement): void;
      load(): void;
      play(): Promise<void> | void;
    };
    Events: Record<string, string>;
  };
  __state: Omit<PlayerState, 'currentTime' | 'frames' | 'dropped'>;
}

/** Adds the page's route to the server under test (before it listens). */
export function addPlayerPage(app: FastifyInstance): void {
  app.get(PAGE_PATH, (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
}

/** Opens the player page at `base` (e.g. http://127.0.0.1:1234), a server that has `addPlayerPage`. */
export async function openPlayerPage(page: Page, base: string): Promise<void> {
  await page.goto(`${base}${PAGE_PATH}`);
  await page.waitForFunction(() => 'mpegts' in window, undefined, { timeout: 10_000 });
}

/** Starts playing `url` (http:// or ws://) as `type` ('mpegts' or 'flv'). */
export async function play(page: Page, url: string, type: 'mpegts' | 'flv' = 'mpegts'): Promise<void> {
  await page.evaluate(
    ({ url, type }) => {
      const g = window as unknown as PageGlobals;
      const state: PageGlobals['__state'] = { errors: [], videoCodec: undefined, audioCodec: undefined, hasAudio: undefined, hasVideo: undefined, loadedBytes: undefined };
      g.__state = state;
      const video = document.querySelector('video')!;
      const player = g.mpegts.createPlayer({ type, isLive: true, url }, { enableWorker: false, lazyLoad: false, liveBufferLatencyChasing: true });
      player.on(g.mpegts.Events.ERROR!, (type: unknown, detail: unknown, info: unknown) => state.errors.push(`${String(type)} ${String(detail)} ${JSON.stringify(info)}`));
      player.on(g.mpegts.Events.MEDIA_INFO!, (info: unknown) => {
        const i = info as { videoCodec?: string; audioCodec?: string; hasAudio?: boolean; hasVideo?: boolean };
        state.videoCodec = i.videoCodec;
        state.audioCodec = i.audioCodec;
        state.hasAudio = i.hasAudio;
        state.hasVideo = i.hasVideo;
      });
      player.on(g.mpegts.Events.STATISTICS_INFO!, (stats: unknown) => {
        state.loadedBytes = (stats as { totalBytes?: number }).totalBytes;
      });
      player.attachMediaElement(video);
      player.load();
      void Promise.resolve(player.play()).catch((e: unknown) => state.errors.push(`play(): ${String(e)}`));
    },
    { url, type },
  );
}

export function playerState(page: Page): Promise<PlayerState> {
  return page.evaluate(() => {
    const v = document.querySelector('video')!;
    const q = v.getVideoPlaybackQuality();
    const s = (window as unknown as PageGlobals).__state;
    return { currentTime: v.currentTime, frames: q.totalVideoFrames, dropped: q.droppedVideoFrames, ...s };
  });
}
