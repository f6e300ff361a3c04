import type { ServerResponse } from 'node:http';
import { encodeFlvHeader, encodeTag } from '@flvcast/flv';
import { avcKeyframe, avcSequenceHeader } from '@flvcast/test-fixtures';
import type { RelayLog } from '../src/index.js';

export const quiet: RelayLog = { info() {}, warn() {}, error() {}, debug() {} };
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 10 ms until it gives a value; throws naming `what` after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 5000): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Starts a live FLV response (video only): header, AVC sequence header and a keyframe, left open for more tags. */
export function startFlvResponse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'video/x-flv' });
  res.write(encodeFlvHeader({ hasAudio: false, hasVideo: true }));
  res.write(encodeTag(9, 0, avcSequenceHeader));
  res.write(encodeTag(9, 0, avcKeyframe()));
}
