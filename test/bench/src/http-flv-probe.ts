/**
 * One HTTP-FLV viewer that waits for a first video keyframe: is a stream being served (a pulled stream, say)?
 * Resolves with the time it took; rejects with the reason (a status, a closed connection, no keyframe in time).
 */
import { emptySink, FlvViewer } from './flv-viewer.js';
import { HttpFlvConnection } from './http-flv-connection.js';

export function probeHttpFlv(url: string, timeoutMs = 10_000): Promise<{ firstKeyframeMs: number }> {
  return new Promise((resolve, reject) => {
    const viewer = new FlvViewer(emptySink(), false);
    let done = false;
    const finish = (result: { firstKeyframeMs: number } | Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      connection.close();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const connection = new HttpFlvConnection(new URL(url), viewer, {
      onAnswer(ok, _at, reason) {
        if (!ok) finish(new Error(`${url}: ${reason ?? 'refused'}`));
      },
      onClose() {
        finish(new Error(`${url}: the connection closed before a video keyframe`));
      },
    });
    viewer.onKeyframe = (at) => finish({ firstKeyframeMs: at - connection.requestAt });
    const timer = setTimeout(() => finish(new Error(`${url}: no video keyframe within ${timeoutMs} ms`)), timeoutMs);
  });
}

/** A stream that is not there yet (404 while a pull connects, a worker still starting) is asked for again, until `timeoutMs`. */
export async function untilServed(url: string, timeoutMs: number): Promise<{ firstKeyframeMs: number }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await probeHttpFlv(url, Math.max(1000, deadline - performance.now()));
    } catch (err) {
      if (performance.now() + 500 >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
