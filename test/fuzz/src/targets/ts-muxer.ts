import fc from 'fast-check';
import { inspectAudio, inspectVideo } from '@flvcast/flv';
import type { MediaFrame } from '@flvcast/media';
import { TsMuxer } from '@flvcast/mux';
import { checkTsConformance } from '@flvcast/test-fixtures';
import { clientMessages, small } from '../corpus.js';
import { check, defineTarget } from '../harness.js';
import { mutated } from '../mutate.js';

/** Real media as encoders sent it (H.264/AAC from ffmpeg, HEVC/Opus through Enhanced RTMP), in order. */
const realMedia = () => clientMessages().filter((m) => m.type === 8 || m.type === 9);
const markers = [0x17, 0x27, 0x1c, 0x2c, 0xaf, 0x2f, 0x90, 0x91, 0x80, 0x93, 0x96, 0x00, 0x01, 0x06];

const seeds = (type: number) => small(realMedia().filter((m) => m.type === type).map((m) => m.payload), 512);
const frameArb = fc.record({
  payload: fc.oneof(
    { weight: 3, arbitrary: fc.nat().map((n) => ({ real: n })) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant(9 as const), bytes: mutated(seeds(9), { markers }) }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant(8 as const), bytes: mutated(seeds(8), { markers }) }) },
  ),
  /** How the time moves: on, not at all, a jump forward (past the PCR gap), or a step back (the hub never lets time go back; the muxer must not care). */
  time: fc.record({ how: fc.constantFrom('step', 'step', 'step', 'same', 'jump', 'back'), value: fc.nat() }),
  cts: fc.oneof(fc.constant(0), fc.integer({ min: -100, max: 1000 })),
  /** The viewer does not get this frame's packets (a slow viewer cut back): the next it gets comes after a resync. */
  dropped: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  republish: fc.oneof({ weight: 19, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

export default defineTarget({
  name: 'ts-muxer',
  entry: '@flvcast/mux TsMuxer (@flvcast/mpegts TsWriter) fed fuzzed frame sequences: mutated media, codec changes, configurations out of order, time jumps',
  // Nothing a publisher sends may make it throw: a frame it cannot read is left out.
  errorCodes: [],
  ciRuns: 3000,
  input: fc.record({ start: fc.nat({ max: 0x1_0000_0000 }), frames: fc.array(frameArb, { minLength: 1, maxLength: 60 }) }),
  run({ start, frames }) {
    const media = realMedia();
    const state = { name: 'live/fuzz', metadata: undefined, audio: { frames: 0 }, video: { frames: 0 } };
    const muxer = new TsMuxer(state);
    const viewer: Uint8Array[] = [];
    let t = start;
    let inSequence = false;
    for (const f of frames) {
      const real = 'real' in f.payload ? media[f.payload.real % media.length]! : undefined;
      const payload = real?.payload ?? (f.payload as { bytes: Uint8Array }).bytes;
      const type = real?.type ?? (f.payload as { type: 8 | 9 }).type;
      const v = f.time.value;
      t = f.time.how === 'step' ? t + (v % 70) : f.time.how === 'same' ? t : f.time.how === 'jump' ? t + (v % 10_000_000) : Math.max(0, t - (v % 3000));
      // What the hub would make of it: a message too short to inspect never becomes a frame.
      let frame: MediaFrame;
      try {
        if (type === 9) {
          const info = inspectVideo(payload);
          frame = { kind: 'video', timestamp: t, compositionTime: info.compositionTime ?? f.cts, keyframe: info.isKeyframe, config: info.isSequenceHeader, codec: info.codec, payload };
        } else {
          const info = inspectAudio(payload);
          frame = { kind: 'audio', timestamp: t, compositionTime: 0, keyframe: false, config: info.isSequenceHeader, codec: info.codec, payload };
        }
      } catch {
        continue;
      }
      // The hub counts frames per publish; a 'publish' resets them, as a publisher reconnecting does.
      if (f.republish) {
        state.audio.frames = 0;
        state.video.frames = 0;
      }
      state[frame.kind].frames++;
      const bytes = muxer.encode(frame);
      if (bytes === undefined) continue;
      check(bytes.length > 0 && bytes.length % 188 === 0, () => `${bytes.length} bytes: not whole packets`);
      for (let i = 0; i < bytes.length; i += 188) check(bytes[i] === 0x47, `no sync byte at ${i}`);
      if (f.dropped) {
        inSequence = false;
        continue;
      }
      // As the hub does: the muxer's resync before a viewer's first packet and wherever its sequence broke.
      if (!inSequence) {
        const resync = muxer.resync(frame, viewer.length === 0);
        check(resync !== undefined && resync.length % 188 === 0, 'no resync for a frame the muxer encoded');
        viewer.push(resync);
        inSequence = true;
      }
      viewer.push(bytes);
    }
    if (viewer.length === 0) return;
    const stream = new Uint8Array(viewer.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of viewer) {
      stream.set(b, at);
      at += b.length;
    }
    const broken = checkTsConformance(stream).filter((v) => v.rule === 'continuity' || v.rule === 'sync-byte' || v.rule === 'crc' || v.rule === 'packet-size');
    check(broken.length === 0, () => `a viewer's stream breaks: ${broken.map((b) => b.message).join('; ')}`);
  },
});
