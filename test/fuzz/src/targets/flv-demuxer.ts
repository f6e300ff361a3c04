import fc from 'fast-check';
import { FlvDemuxer, FlvErrorCode, type FlvTag } from '@flvcast/flv';
import { flvFiles } from '../corpus.js';
import { check, defineTarget, typed } from '../harness.js';
import { bytesInput, sometimes, splitBytes, splits } from '../mutate.js';

const codes = Object.values(FlvErrorCode);
/** The demuxer refuses a DataOffset above this (flv-demuxer.ts MAX_HEADER_SIZE). */
const MAX_HEADER_SIZE = 1024 * 1024;

/** Whole files, and the bare tag sequences behind their headers (expectHeader: false, as in RTMP aggregates). */
const seeds = () => flvFiles().flatMap((f) => [f, f.subarray(0, 600), f.subarray(13), f.subarray(13, 700)]);

export default defineTarget({
  name: 'flv-demuxer',
  entry: '@flvcast/flv FlvDemuxer.push',
  errorCodes: codes,
  ciRuns: 6000,
  input: fc.record({
    bytes: bytesInput(seeds(), { markers: [8, 9, 18, 0x46, 0x4c, 0x56] }),
    splits,
    expectHeader: fc.boolean(),
    maxTagSize: sometimes(fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 1 << 16 }))),
  }),
  run({ bytes, splits: sizes, expectHeader, maxTagSize }) {
    const options = { expectHeader, ...(maxTagSize === undefined ? {} : { maxTagSize }) };
    const whole = feed(new FlvDemuxer(options), [bytes], options);
    const pieces = feed(new FlvDemuxer(options), splitBytes(bytes, sizes), options);
    // However the bytes are split, the same tags come out, or the same error (tags completed in the chunk
    // that failed are dropped, so only error-free runs are compared tag by tag).
    check(whole.error === pieces.error, () => `whole: ${whole.error}, split: ${pieces.error}`);
    if (whole.error === undefined) {
      check(whole.tags.length === pieces.tags.length, () => `${whole.tags.length} tags whole, ${pieces.tags.length} split`);
      whole.tags.forEach((t, i) => {
        const u = pieces.tags[i]!;
        check(t.type === u.type && t.timestamp === u.timestamp && equal(t.payload, u.payload), `tag ${i} differs when split`);
      });
    }
  },
});

function feed(demuxer: FlvDemuxer, chunks: Uint8Array[], options: { expectHeader: boolean; maxTagSize?: number }): { tags: FlvTag[]; error?: string } {
  const maxTag = options.maxTagSize ?? 16 * 1024 * 1024;
  const tags: FlvTag[] = [];
  for (const chunk of chunks) {
    const r = typed(codes, () => demuxer.push(chunk));
    if (r.error) {
      // A failed stream keeps failing with the same error.
      const again = typed(codes, () => demuxer.push(Uint8Array.of(0)));
      check(again.error?.code === r.error.code, 'a push after an error did not throw it again');
      return { tags, error: r.error.code };
    }
    for (const t of r.value) {
      check(t.type >= 0 && t.type < 32 && Number.isInteger(t.timestamp) && t.timestamp >= 0 && t.timestamp < 2 ** 32, 'bad tag header fields');
      check(t.payload.length <= maxTag, `tag of ${t.payload.length} bytes above maxTagSize ${maxTag}`);
    }
    tags.push(...r.value);
    // Memory: what is held back is less than one header or one whole tag.
    const bound = demuxer.header === undefined && options.expectHeader ? MAX_HEADER_SIZE + 4 : 11 + maxTag + 4;
    check(demuxer.bufferedBytes < bound, () => `${demuxer.bufferedBytes} bytes buffered (bound ${bound})`);
  }
  return { tags };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
