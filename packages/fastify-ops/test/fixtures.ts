import httpFlv from '@flvcast/fastify-http-flv';
import { Hub, type SubscriberEndReason, type SubscriberSink } from '@flvcast/hub';
import Fastify, { type FastifyInstance } from 'fastify';

/** AVC sequence header whose SPS says 320x240 Baseline (made by x264), in an FLV video body. */
export const avcSequenceHeader = Uint8Array.from([
  0x17, 0x00, 0x00, 0x00, 0x00, // key frame, AVC, sequence header, CTS 0
  0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x0e, // record v1, profile 66, level 30, 1 SPS of 14 bytes
  0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x01, 0x41, 0xfb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00,
  0x01, 0x00, 0x04, 0x68, 0xcb, 0x83, 0xcb, // 1 PPS of 4 bytes
]);
export const avcKeyframe = (n = 1) => Uint8Array.from([0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65, n & 0xff]);
export const avcInterframe = (n = 1) => Uint8Array.from([0x27, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x41, n & 0xff]);
/** AAC-LC 44.1 kHz stereo AudioSpecificConfig, then a frame. */
export const aacSequenceHeader = Uint8Array.from([0xaf, 0x00, 0x12, 0x10]);
export const aacFrame = (n = 1) => Uint8Array.from([0xaf, 0x01, 0x21, n & 0xff]);

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
