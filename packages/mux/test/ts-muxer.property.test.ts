/**
 * Properties of the TS muxer over random streams: H.264 or HEVC (switching codecs on a new sequence header)
 * and AAC (appearing late or not at all), random frame sizes, gaps, composition times and audio running
 * behind the video. What comes out, demuxed by the independent test demuxer, gives back every access unit
 * with its times, and the conformance checker finds nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { MediaFrame } from '@flvcast/media';
import { annexBNalUnits, avcC, checkTsConformance, demuxTs, hvcC } from '@flvcast/test-fixtures';
import { parseAvcDecoderConfig, parseHevcDecoderConfig } from '@flvcast/flv';
import { TsMuxer } from '../src/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const avc = parseAvcDecoderConfig(avcC);
const hevc = parseHevcDecoderConfig(hvcC);

/** NAL unit bodies without zero bytes, so no start code can appear inside one (encoders ensure this by escaping). */
const nalBody = fc.uint8Array({ minLength: 1, maxLength: 400 }).map((b) => b.map((x) => x | 1));
const bigNalBody = fc.uint8Array({ minLength: 1000, maxLength: 4000 }).map((b) => b.map((x) => x | 1));

const step = fc.record({
  kind: fc.constantFrom('video', 'video', 'audio', 'audio', 'audio', 'switch', 'audioConfig'),
  advance: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 60 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 3000 }) }),
  key: fc.boolean(),
  cts: fc.integer({ min: 0, max: 200 }),
  audioLag: fc.integer({ min: 0, max: 150 }),
  nals: fc.array(fc.oneof({ weight: 6, arbitrary: nalBody }, { weight: 1, arbitrary: bigNalBody }), { minLength: 1, maxLength: 3 }),
});

interface Expected {
  readonly kind: 'video' | 'audio';
  readonly dts: number;
  readonly pts: number;
  readonly data: string[];
}

function videoConfig(codec: 'avc' | 'hevc'): MediaFrame {
  const payload = codec === 'avc' ? Uint8Array.from([0x17, 0, 0, 0, 0, ...avcC]) : Uint8Array.from([0x1c, 0, 0, 0, 0, ...hvcC]);
  return { kind: 'video', timestamp: 0, compositionTime: 0, keyframe: false, config: true, codec, payload };
}

test('random H.264/HEVC + AAC streams round-trip through TS and conform', () => {
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), fc.boolean(), fc.integer({ min: 0, max: 100_000 }), (steps, audioFirst, start) => {
      const state = { name: 'live/p', metadata: undefined, audio: { frames: 0 }, video: { frames: 0 } };
      const muxer = new TsMuxer(state);
      const out: Uint8Array[] = [];
      const expected: Expected[] = [];
      let codec: 'avc' | 'hevc' = 'avc';
      let t = start;
      let audioT = start;
      let audio = audioFirst;
      let needKey = true;
      const encode = (f: MediaFrame): void => {
        state[f.kind].frames++; // as the hub counts them
        const b = muxer.encode(f);
        if (b === undefined) return;
        if (out.length === 0) out.push(muxer.resync(f, true)!); // as the hub does before a viewer's first packet
        out.push(b);
      };
      const parameterSets = (c: 'avc' | 'hevc'): string[] => (c === 'avc' ? [...avc.sps, ...avc.pps] : [...hevc.vps, ...hevc.sps, ...hevc.pps]).map(hex);
      encode(videoConfig(codec));
      if (audio) encode({ kind: 'audio', timestamp: 0, compositionTime: 0, keyframe: false, config: true, codec: 'aac', payload: Uint8Array.from([0xaf, 0, 0x12, 0x10]) });
      for (const s of steps) {
        t += s.advance;
        if (s.kind === 'switch') {
          codec = codec === 'avc' ? 'hevc' : 'avc';
          encode(videoConfig(codec));
          needKey = true;
        } else if (s.kind === 'audioConfig') {
          audio = true;
          encode({ kind: 'audio', timestamp: t, compositionTime: 0, keyframe: false, config: true, codec: 'aac', payload: Uint8Array.from([0xaf, 0, 0x11, 0x90]) });
        } else if (s.kind === 'audio') {
          if (!audio) continue;
          audioT = Math.max(audioT, t - s.audioLag);
          const raw = s.nals[0]!.subarray(0, 300);
          encode({ kind: 'audio', timestamp: audioT, compositionTime: 0, keyframe: false, config: false, codec: 'aac', payload: Uint8Array.from([0xaf, 1, ...raw]) });
          expected.push({ kind: 'audio', dts: audioT * 90, pts: audioT * 90, data: [hex(raw)] });
        } else {
          const key = needKey || s.key;
          needKey = false;
          // NAL headers: H.264 IDR 0x65 / non-IDR 0x41; HEVC IDR_W_RADL (19) / TRAIL_R (1).
          const header = codec === 'avc' ? [key ? 0x65 : 0x41] : [key ? 0x26 : 0x02, 0x01];
          const nals = s.nals.map((body, i) => (i === 0 ? Uint8Array.from([...header, ...body]) : Uint8Array.from([codec === 'avc' ? 0x06 : 0x4e, 0x01, ...body]))); // then SEI
          const tag = [...(codec === 'avc' ? [key ? 0x17 : 0x27] : [key ? 0x1c : 0x2c]), 1, 0, 0, s.cts];
          for (const n of nals) tag.push(n.length >>> 24, (n.length >> 16) & 0xff, (n.length >> 8) & 0xff, n.length & 0xff, ...n);
          encode({ kind: 'video', timestamp: t, compositionTime: s.cts, keyframe: key, config: false, codec, payload: Uint8Array.from(tag) });
          const aud = codec === 'avc' ? '09f0' : '460150';
          expected.push({ kind: 'video', dts: t * 90, pts: (t + s.cts) * 90, data: [aud, ...(key ? parameterSets(codec) : []), ...nals.map(hex)] });
        }
      }
      const ts = new Uint8Array(Buffer.concat(out));
      assert.deepEqual(checkTsConformance(ts), []);
      const got = demuxTs(ts).pes.map((p) => ({
        kind: p.pid === 0x100 ? 'video' : 'audio',
        dts: p.dts ?? p.pts,
        pts: p.pts,
        data: p.pid === 0x100 ? annexBNalUnits(p.data).map(hex) : [hex(p.data.subarray(7))],
      }));
      assert.deepEqual(got, expected);
    }),
    { numRuns: 150 },
  );
});
