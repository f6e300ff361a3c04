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
