/**
 * Properties of the chunk stream (fast-check): what ChunkWriter writes, ChunkReader reads back, message for
 * message, whatever the chunk sizes (changed mid-stream with Set Chunk Size), the chunk stream ids (all three
 * basic header forms), the timestamps (repeated, stepping, going back, extended, wrapping), the interleaving
 * of two chunk streams' chunks, and the points where the bytes are split.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkReader, ChunkWriter, encodeSetChunkSize, type RtmpMessage } from '../src/index.js';

const csidArb = fc.oneof(fc.integer({ min: 3, max: 63 }), fc.integer({ min: 64, max: 319 }), fc.integer({ min: 320, max: 65599 }));
const timeArb = fc.oneof(
  fc.integer({ min: 0, max: 1000 }),
  fc.integer({ min: 0xfffff0, max: 0x1000010 }), // around the extended timestamp threshold
  fc.integer({ min: 2 ** 32 - 100, max: 2 ** 32 - 1 }), // about to wrap
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
);
const messageArb = fc.record({
  // 1 and 2 (Set Chunk Size, Abort) change how the reader reads; they are sent on purpose below.
  type: fc.integer({ min: 3, max: 255 }),
  streamId: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })),
  payload: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 1500 })),
});
const stepArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('message' as const), csid: fc.nat(), time: timeArb, message: messageArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pair' as const), csid: fc.nat(), csid2: fc.nat(), time: timeArb, time2: timeArb, message: messageArb, message2: messageArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('chunkSize' as const), size: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 70_000 })) }) },
);

/** Cuts one message as ChunkWriter wrote it into its chunks (the header sizes follow from what it wrote). */
function chunks(out: Uint8Array, csid: number, length: number, chunkSize: number): Uint8Array[] {
  const basic = csid < 64 ? 1 : csid < 320 ? 2 : 3;
  const fmtSize = [11, 7, 3, 0][out[0]! >> 6]!;
  const count = Math.max(1, Math.ceil(length / chunkSize));
  const ext = (out.length - length - fmtSize) / count - basic;
  const pieces: Uint8Array[] = [];
  for (let i = 0, o = 0, left = length; i < count; i++) {
    const body = Math.min(chunkSize, left);
    const size = basic + (i === 0 ? fmtSize : 0) + ext + body;
    pieces.push(out.subarray(o, o + size));
    o += size;
    left -= body;
  }
  return pieces;
}

/** The parts, joined (a plain Uint8Array, as the parsers get). */
const concat = (parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

test('chunk stream: ChunkReader reads back what ChunkWriter wrote (chunk sizes, csids, timestamps, interleaving, splits)', () => {
  fc.assert(
    fc.property(fc.uniqueArray(csidArb, { minLength: 1, maxLength: 5 }), fc.array(stepArb, { minLength: 1, maxLength: 15 }), fc.array(fc.nat(), { maxLength: 30 }), (csids, steps, points) => {
      const writer = new ChunkWriter();
      const parts: Uint8Array[] = [];
      const expected: RtmpMessage[] = [];
      for (const s of steps) {
        if (s.kind === 'chunkSize') {
          const m = encodeSetChunkSize(s.size);
          parts.push(writer.write(m));
          expected.push(m);
          writer.setChunkSize(s.size);
        } else if (s.kind === 'message') {
          const m = { ...s.message, csid: csids[s.csid % csids.length]!, timestamp: s.time };
          parts.push(writer.write(m));
          expected.push(m);
        } else {
          const a = { ...s.message, csid: csids[s.csid % csids.length]!, timestamp: s.time };
          const b = { ...s.message2, csid: csids[s.csid2 % csids.length]!, timestamp: s.time2 };
          if (a.csid === b.csid) continue;
          const pa = chunks(writer.write(a), a.csid, a.payload.length, writer.chunkSize);
          const pb = chunks(writer.write(b), b.csid, b.payload.length, writer.chunkSize);
          for (let i = 0; i < Math.max(pa.length, pb.length); i++) parts.push(...(i < pa.length ? [pa[i]!] : []), ...(i < pb.length ? [pb[i]!] : []));
          // Each message is complete with its last chunk: the one whose last chunk comes first is read first.
          expected.push(...(pb.length < pa.length ? [b, a] : [a, b]));
        }
      }
      const stream = concat(parts);
      const at = [...new Set(points.map((p) => p % (stream.length + 1)))].sort((x, y) => x - y);
      const reader = new ChunkReader();
      const got: RtmpMessage[] = [];
      let from = 0;
      for (const p of [...at, stream.length]) {
        got.push(...reader.push(stream.subarray(from, p)));
        from = p;
      }
      assert.equal(reader.bufferedBytes, 0);
      const view = (m: RtmpMessage) => ({ csid: m.csid, type: m.type, streamId: m.streamId >>> 0, timestamp: m.timestamp >>> 0, payload: Uint8Array.from(m.payload) });
      assert.deepStrictEqual(got.map(view), expected.map(view));
    }),
    { numRuns: 300 },
  );
});
