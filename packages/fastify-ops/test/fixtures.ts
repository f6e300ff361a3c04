import httpFlv from '@flvcast/fastify-http-flv';
import { Hub, type SubscriberEndReason, type SubscriberSink } from '@flvcast/hub';
import Fastify, { type FastifyInstance } from 'fastify';

import { aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader } from '@flvcast/test-fixtures';

// The media byte vectors are shared by every package's tests.
export { aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader };

/** A viewer's sink that records what it got and can pretend to be a slow peer. */
export class RecordingSink implements SubscriberSink {
  bytes = 0;
  ended: SubscriberEndReason | undefined;
  accepting = true;

  write(chunks: readonly Uint8Array[]): boolean {
    for (const c of chunks) this.bytes += c.byteLength;
    return this.accepting;
  }

  end(reason: SubscriberEndReason): void {
    this.ended = reason;
  }
}

export const cam1 = { vhost: '', app: 'live', stream: 'cam1' };

/** A hub on a clock the test moves, inside a Fastify app with the HTTP-FLV plugin (which decorates it). */
export async function appWithHub(): Promise<{ app: FastifyInstance; hub: Hub; clock: { t: number } }> {
  const clock = { t: 10_000 };
  const hub = new Hub({ now: () => clock.t });
  const app = Fastify();
  await app.register(httpFlv, { hub });
  return { app, hub, clock };
}

/** Publishes audio+video into `key` for `seconds` of media, advancing the clock as a live encoder would. */
export function publishAv(hub: Hub, clock: { t: number }, key = cam1, seconds = 3) {
  const evicted: string[] = [];
  const pub = hub.publish(key, { protocol: 'rtmp', remoteAddress: '192.0.2.7' }, { onEvict: (reason) => evicted.push(reason) });
  pub.data('onMetaData', { width: 320, height: 240, videocodecid: 7, audiocodecid: 10 });
  pub.video(0, avcSequenceHeader);
  pub.audio(0, aacSequenceHeader);
  feed(pub, clock, 0, seconds);
  return { pub, evicted };
}

/** 25 fps video (a keyframe each second) and audio every 40 ms, from media time `fromS`. */
export function feed(pub: { video(t: number, p: Uint8Array): void; audio(t: number, p: Uint8Array): void }, clock: { t: number }, fromS: number, seconds: number): void {
  for (let i = fromS * 25; i < (fromS + seconds) * 25; i++) {
    clock.t += 40;
    pub.video(i * 40, i % 25 === 0 ? avcKeyframe(i) : avcInterframe(i));
    pub.audio(i * 40 + 5, aacFrame(i));
  }
}
