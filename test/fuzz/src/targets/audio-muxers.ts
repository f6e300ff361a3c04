import fc from 'fast-check';
import { fourCcBytes } from '@flvcast/flv';
import type { Format, MediaFrame, StreamState } from '@flvcast/media';
import { adtsFormat, mp3Format } from '@flvcast/mux';
import { audioPayloads, small } from '../corpus.js';
import { check, defineTarget } from '../harness.js';
import { bytesInput } from '../mutate.js';

const ex = (...parts: (number | Uint8Array)[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...p])));
/** Sequence headers and frames the corpus lacks: Enhanced mp4a and .mp3, legacy MP3 (formats 2 and 14), odd ASCs. */
const handSeeds = [
  ex(0xaf, 0x00, 0x12, 0x10),
  ex(0xaf, 0x00, 0x2b, 0x92, 0x08, 0x00),
  ex(0xaf, 0x00, 0xf8, 0x90, 0x00),
  ex(0xaf, 0x00, 0x17, 0x80, 0x00, 0x00, 0x01),
  ex(0x90, fourCcBytes('mp4a'), 0x12, 0x10),
  ex(0x91, fourCcBytes('mp4a'), 0x21, 0x10),
  ex(0x91, fourCcBytes('.mp3'), 0xff, 0xfb, 0x90, 0x64),
  ex(0x2f, 0xff, 0xfb, 0x90, 0x64, 0, 0),
  ex(0xe2, 0xff, 0xe3, 0x18, 0xc4),
  ex(0xaf, 0x01, ...new Uint8Array(9000)),
];
const payloadArb = bytesInput([...small(audioPayloads(), 64), ...handSeeds], { markers: [0xaf, 0x2f, 0xe2, 0x90, 0x91, 0x00, 0x01] });

/** What inspectAudio would say the codec is, roughly (the hub sets it; a muxer must cope with any). */
const codecArb = fc.constantFrom('aac', 'mp3', 'opus', 'speex', 'unknown');

/**
 * The audio mounts' muxers fed what a hostile publisher can send: any configuration, any frames, any codec
 * label. They never throw; ADTS output is one frame whose header says its length, around the frame's body;
 * MP3 output is the tag's own bytes.
 */
export default defineTarget({
  name: 'audio-muxers',
  entry: '@flvcast/mux adtsFormat and mp3Format (createMuxer, encode, unsupported) on fuzzed audio tags',
  errorCodes: [],
  ciRuns: 5000,
  input: fc.record({
    config: fc.option(payloadArb),
    frames: fc.array(fc.record({ payload: payloadArb, config: fc.boolean(), codec: codecArb }), { minLength: 1, maxLength: 12 }),
    streamCodec: fc.option(codecArb),
  }),
  run({ config, frames, streamCodec }) {
    const frame = (payload: Uint8Array, isConfig: boolean, codec: string): MediaFrame => ({ kind: 'audio', timestamp: 0, compositionTime: 0, keyframe: false, config: isConfig, codec, payload });
    const stream: StreamState = {
      name: 'live/fuzz',
      metadata: undefined,
      audio: { frames: 1, ...(streamCodec === null ? {} : { codec: streamCodec }), ...(config === null ? {} : { config: frame(config, true, streamCodec ?? 'aac') }) },
      video: { frames: 0 },
    };
    for (const format of [adtsFormat, mp3Format] as Format[]) {
      const reason = format.unsupported!(stream);
      check(reason === undefined || (typeof reason === 'string' && reason.length > 0), 'unsupported is a message or undefined');
      const muxer = format.createMuxer(stream);
      check(muxer.begin({ hasAudio: true, hasVideo: false }, 0).length === 0, 'an audio-only container has no stream header');
      for (const f of frames) {
        const out = muxer.encode(frame(f.payload, f.config, f.codec));
        if (out === undefined) continue;
        check(!f.config, 'a configuration produced bytes');
        check(out.length > 0, 'an empty packet');
        if (format === adtsFormat) {
          check(out[0] === 0xff && (out[1]! & 0xf6) === 0xf0, 'no ADTS syncword');
          const length = ((out[3]! & 0x03) << 11) | (out[4]! << 3) | (out[5]! >> 5);
          check(length === out.length, () => `ADTS length ${length} for ${out.length} bytes`);
          const body = out.subarray(7);
          check(f.payload.length >= body.length && Buffer.from(f.payload.subarray(f.payload.length - body.length)).equals(body), 'the ADTS body is not the end of the tag');
        } else {
          check(out.buffer === f.payload.buffer && out.byteOffset >= f.payload.byteOffset && out.byteOffset + out.length === f.payload.byteOffset + f.payload.length, 'MP3 output is not the tag\'s own body');
        }
      }
    }
  },
});
