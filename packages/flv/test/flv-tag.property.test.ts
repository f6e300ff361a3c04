/** Properties of the FLV tag codec (fast-check): tags written by encodeTag demux back whatever the split. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FlvDemuxer, encodeFlvHeader, encodeTag, type FlvTag } from '../src/index.js';

const tagArb = fc.record({
  type: fc.oneof(fc.constantFrom(8, 9, 18), fc.integer({ min: 0, max: 31 })),
  timestamp: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })),
  payload: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 3000 })),
});

/** The parts, joined (a plain Uint8Array, as the parsers get). */
const concat = (parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

/** The stream cut at the given points (sorted, deduplicated, within the stream). */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const p of [...at, bytes.length]) {
    pieces.push(bytes.subarray(from, p));
    from = p;
  }
  return pieces;
}

test('FLV: encodeTag -> FlvDemuxer gives the tags back, split at any points', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.boolean(), fc.array(tagArb, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (hasAudio, hasVideo, tags, points) => {
      const stream = concat([encodeFlvHeader({ hasAudio, hasVideo }), ...tags.map((t) => encodeTag(t.type, t.timestamp, t.payload))]);
      const demuxer = new FlvDemuxer();
      const got: FlvTag[] = [];
      for (const piece of cut(stream, points)) got.push(...demuxer.push(piece));
      assert.deepEqual(demuxer.header, { hasAudio, hasVideo, headerSize: 9 });
      assert.equal(demuxer.bufferedBytes, 0);
      assert.equal(demuxer.previousTagSizeMismatches, 0);
      assert.deepStrictEqual(
        got.map((t) => ({ ...t, payload: Uint8Array.from(t.payload) })),
        tags.map((t) => ({ type: t.type, timestamp: t.timestamp, payload: Uint8Array.from(t.payload) })),
      );
    }),
    { numRuns: 300 },
  );
});

test('FLV: a bare tag sequence (expectHeader false, as in RTMP aggregates) demuxes the same', () => {
  fc.assert(
    fc.property(fc.array(tagArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (tags, points) => {
      const demuxer = new FlvDemuxer({ expectHeader: false });
      const got: FlvTag[] = [];
      for (const piece of cut(concat(tags.map((t) => encodeTag(t.type, t.timestamp, t.payload))), points)) got.push(...demuxer.push(piece));
      assert.deepEqual(got.map((t) => [t.type, t.timestamp, t.payload.length]), tags.map((t) => [t.type, t.timestamp, t.payload.length]));
    }),
    { numRuns: 200 },
  );
});
