/**
 * One RTMP player before a step of hundreds: does the server play RTMP at all? It connects with the same
 * client the players use and waits for `NetStream.Play.Start` and a first video keyframe. A server that
 * refuses play (an error status such as `NetStream.Play.Failed`, an `_error`, a closed connection) or sends
 * no keyframe in time makes it throw, with the server's own code in the message: a scenario that cannot
 * run says so instead of reporting a step of zeros.
 */
import { emptySink, FlvViewer } from './flv-viewer.js';
import { RtmpPlayConnection } from './rtmp-play-connection.js';

export interface RtmpPlayProbe {
  /** connection opened → NetStream.Play.Start, ms */
  playStartMs: number;
  /** connection opened → first video keyframe, ms */
  firstKeyframeMs: number;
  /** FLV-equivalent bytes received until then */
  bytes: number;
  /** media messages the server sent on message stream 0 instead of the play stream (taken as the play stream's) */
  adoptedFromStream0: number;
}

export class RtmpPlayRefused extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`RTMP play of ${url} failed: ${reason}`);
    this.name = 'RtmpPlayRefused';
  }
}

export function probeRtmpPlay(url: string, timeoutMs = 10_000): Promise<RtmpPlayProbe> {
  return new Promise((resolve, reject) => {
    const viewer = new FlvViewer(emptySink(), false);
    let playStartAt: number | undefined;
    let done = false;
    const finish = (result: RtmpPlayProbe | Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      connection.close();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const connection = new RtmpPlayConnection(new URL(url), viewer, {
      onAnswer(ok, at, reason) {
        if (ok) playStartAt = at;
        else finish(new RtmpPlayRefused(url, reason ?? 'refused'));
      },
      onClose() {
        finish(new RtmpPlayRefused(url, `the connection closed ${playStartAt === undefined ? 'before NetStream.Play.Start' : 'before a video keyframe'}${connection.lastStatus ? ` (last status ${connection.lastStatus})` : ''}`));
      },
    });
    viewer.onKeyframe = (at) =>
      finish({
        playStartMs: (playStartAt ?? at) - connection.requestAt,
        firstKeyframeMs: at - connection.requestAt,
        bytes: viewer.bytes,
        adoptedFromStream0: connection.mediaOnStream0,
      });
    const timer = setTimeout(
      () => finish(new RtmpPlayRefused(url, playStartAt === undefined ? `no NetStream.Play.Start within ${timeoutMs} ms` : `no video keyframe within ${timeoutMs} ms of connecting`)),
      timeoutMs,
    );
  });
}
