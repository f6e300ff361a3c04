import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import httpFlv from '@flvcast/fastify-http-flv';
import { FlvDemuxer, type FlvTag } from '@flvcast/flv';
import { RtmpClientSession, type RtmpClientEvent } from '@flvcast/rtmp';
import { hevcSequenceHeader as legacyHevcSequence, hvc1SequenceStart } from '@flvcast/test-fixtures';
import rtmp from '../src/index.js';

const fourcc = (s: string) => [...s].map((c) => c.charCodeAt(0));
// Enhanced RTMP v2 ExVideoTagHeader: IsExHeader (0x80) | FrameType << 4 | VideoPacketType, then the FourCC.
const hvc1KeyframeX = Uint8Array.from([0x80 | (1 << 4) | 3, ...fourcc('hvc1'), 0, 0, 0, 3, 0x26, 0x01, 0xaf]); // CodedFramesX: no CTS
const hvc1InterX = Uint8Array.from([0x80 | (2 << 4) | 3, ...fourcc('hvc1'), 0, 0, 0, 3, 0x02, 0x01, 0xd0]);
// ExAudioTagHeader: SoundFormat 9 (ExHeader) << 4 | AudioPacketType, then the FourCC.
const opusSequenceStart = Uint8Array.from([(9 << 4) | 0, ...fourcc('Opus'), ...fourcc('OpusHead'), 1, 2, 0x38, 1, 0x80, 0xbb, 0, 0, 0, 0, 0]);
const opusFrame = Uint8Array.from([(9 << 4) | 1, ...fourcc('Opus'), 0xfc, 0xff, 0xfe]);
// Legacy FLV HEVC (codec id 12): FrameType 1 << 4 | 12, then AVC-style packet type + CTS.
const legacyHevcKey = Uint8Array.from([0x1c, 0x01, 0, 0, 0, 0, 0, 0, 3, 0x26, 0x01, 0xaf]);

async function run(name: string, frames: Array<[8 | 9, number, Uint8Array]>, before: number): Promise<FlvTag[]> {
  const app = Fastify();
  await app.register(httpFlv);
  await app.register(rtmp, { listen: { host: '127.0.0.1', port: 0 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const socket = connect({ port: app.rtmp.addresses()[0]!.port, host: '127.0.0.1' });
    const session = new RtmpClientSession({ app: 'live', tcUrl: 'rtmp://127.0.0.1/live' });
    const events: RtmpClientEvent[] = [];
    const flush = () => session.takeOutput().forEach((b) => socket.write(b));
    socket.on('data', (d: Buffer) => {
      events.push(...session.push(new Uint8Array(d)));
      flush();
    });
    session.start();
    flush();
    const wait = async (pred: () => boolean) => {
      for (let i = 0; i < 300 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(pred());
    };
    await wait(() => events.some((e) => e.type === 'connected'));
    session.publish(name);
    flush();
    await wait(() => events.some((e) => e.type === 'published'));
    const send = ([type, ts, payload]: [8 | 9, number, Uint8Array]) => (type === 8 ? session.sendAudio(ts, payload) : session.sendVideo(ts, payload));
    // Configuration and a keyframe first, as encoders do: then a viewer's header can announce both tracks.
    frames.slice(0, before).forEach(send);
    flush();
    await wait(() => (app.streams.get({ vhost: '', app: 'live', stream: name })?.tagsIn ?? 0) >= before);
    const port = (app.server.address() as AddressInfo).port;
    const res = await new Promise<IncomingMessage>((resolve) => get(`http://127.0.0.1:${port}/live/${name}.flv`, resolve));
    const demuxer = new FlvDemuxer();
    const tags: FlvTag[] = [];
    res.on('data', (c: Buffer) => tags.push(...demuxer.push(new Uint8Array(c))));
    frames.slice(before).forEach(send);
    flush();
    await wait(() => tags.filter((t) => t.type !== 18).length >= frames.length);
    res.destroy();
    socket.destroy();
    return tags.filter((t) => t.type !== 18);
  } finally {
    await app.close();
  }
}

test('Enhanced RTMP hvc1 video and Opus audio reach HTTP-FLV viewers byte for byte', async () => {
  const frames: Array<[8 | 9, number, Uint8Array]> = [
    [9, 0, hvc1SequenceStart],
    [8, 0, opusSequenceStart],
    [9, 0, hvc1KeyframeX],
    [8, 20, opusFrame],
    [9, 40, hvc1InterX],
  ];
  const tags = await run('ertmp', frames, 3);
  // A late joiner gets video config, audio config, the cached keyframe, then the live tags: all unchanged.
  assert.deepEqual(
    tags.map((t) => Buffer.from(t.payload).toString('hex')),
    [frames[0], frames[1], frames[2], frames[3], frames[4]].map((f) => Buffer.from(f![2]).toString('hex')),
  );
});

test('legacy HEVC (FLV codec id 12) passes through unchanged', async () => {
  const frames: Array<[8 | 9, number, Uint8Array]> = [
    [9, 0, legacyHevcSequence],
    [9, 0, legacyHevcKey],
    [9, 40, legacyHevcKey],
  ];
  const tags = await run('hevc12', frames, 2);
  assert.deepEqual(
    tags.map((t) => Buffer.from(t.payload).toString('hex')),
    frames.map(([, , p]) => Buffer.from(p).toString('hex')),
  );
});
