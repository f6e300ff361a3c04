/**
 * Chunk streams built on purpose: messages written with our ChunkWriter at changing chunk sizes (each change
 * announced with Set Chunk Size, as a peer must), on chunk stream ids of all three basic-header forms, with
 * timestamps that repeat, step, go back, need the extended field or wrap, chunks of different chunk streams
 * interleaved, and messages abandoned half-way with an Abort. The result says exactly which messages a
 * reader must return, so an unmutated stream doubles as a round-trip check.
 */
import fc from 'fast-check';
import { ChunkWriter, MessageType, encodeAbort, encodeSetChunkSize, type RtmpMessage } from '@flvcast/rtmp';

export interface ChunkStep {
  /** 'message': one whole message; 'pair': two messages with their chunks interleaved; 'chunkSize'; 'abort': half a message, then Abort. */
  kind: 'message' | 'pair' | 'chunkSize' | 'abort';
  payload: number;
  payload2: number;
  csid: number;
  csid2: number;
  streamId: number;
  type: number;
  /** How the timestamp moves from the previous one on this chunk stream. */
  time: { how: 'same' | 'step' | 'back' | 'extended' | 'wrap' | 'any'; value: number };
  chunkSize: number;
}

const timeArb = fc.record({
  how: fc.constantFrom('same' as const, 'step' as const, 'step' as const, 'back' as const, 'extended' as const, 'wrap' as const, 'any' as const),
  value: fc.nat(),
});

/** Chunk stream ids: one-byte (2..63), two-byte (64..319) and three-byte (320..65599) forms. */
export const csidArb = fc.oneof(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 2, max: 63 }), fc.integer({ min: 64, max: 319 }), fc.integer({ min: 320, max: 65599 }));

export function chunkStepArb(csids: number[]): fc.Arbitrary<ChunkStep> {
  const csid = fc.constantFrom(...csids);
  return fc.record({
    kind: fc.constantFrom('message' as const, 'message' as const, 'message' as const, 'pair' as const, 'chunkSize' as const, 'abort' as const),
    payload: fc.nat(),
    payload2: fc.nat(),
    csid,
    csid2: csid,
    streamId: fc.oneof(fc.constant(0), fc.constant(1), fc.nat()),
    type: fc.oneof(fc.constantFrom(MessageType.Audio, MessageType.Video, MessageType.DataAmf0, MessageType.CommandAmf0), fc.integer({ min: 7, max: 255 })),
    time: timeArb,
    chunkSize: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 4096 }), fc.constantFrom(128, 4096, 65536)),
  });
}

export const chunkScriptArb = fc
  .uniqueArray(csidArb, { minLength: 1, maxLength: 6 })
  .chain((csids) => fc.array(chunkStepArb(csids.filter((c) => c !== 2).length > 0 ? csids.filter((c) => c !== 2) : [3]), { minLength: 1, maxLength: 12 }));

/** Chunk boundaries of one message as ChunkWriter wrote it (the header sizes follow from what it wrote). */
export function chunkPieces(out: Uint8Array, csid: number, length: number, chunkSize: number): Uint8Array[] {
  const basic = csid < 64 ? 1 : csid < 320 ? 2 : 3;
  const fmt = out[0]! >> 6;
  const fmtSize = [11, 7, 3, 0][fmt]!;
  const chunks = Math.max(1, Math.ceil(length / chunkSize));
  const ext = (out.length - length - fmtSize) / chunks - basic;
  const pieces: Uint8Array[] = [];
  let o = 0;
  for (let i = 0, left = length; i < chunks; i++) {
    const body = Math.min(chunkSize, left);
    const size = basic + (i === 0 ? fmtSize : 0) + ext + body;
    pieces.push(out.subarray(o, o + size));
    o += size;
    left -= body;
  }
  return pieces;
}

export interface BuiltChunkStream {
  bytes: Uint8Array;
  /** What a reader must return, in order (Set Chunk Size and Abort included). */
  expected: RtmpMessage[];
  /** Largest chunk size announced. */
  maxChunkSize: number;
  /** Every chunk stream used, aborted messages' included (the reader keeps state for each). */
  csids: Set<number>;
}

/** Writes the script's messages; payloads are cut from `payloads` (any byte arrays). */
export function buildChunkStream(steps: readonly ChunkStep[], payloads: readonly Uint8Array[], maxPayload = 3000): BuiltChunkStream {
  const writer = new ChunkWriter();
  const parts: Uint8Array[] = [];
  const expected: RtmpMessage[] = [];
  const lastTime = new Map<number, number>();
  const csids = new Set<number>([2]);
  let maxChunkSize = writer.chunkSize;
  const payloadOf = (n: number): Uint8Array => {
    const p = payloads[n % payloads.length] ?? new Uint8Array(0);
    return p.subarray(0, Math.min(p.length, (n >>> 8) % (maxPayload + 1)));
  };
  const timeOf = (csid: number, t: ChunkStep['time']): number => {
    const prev = lastTime.get(csid) ?? 0;
    const v = t.value;
    const next =
      t.how === 'same' ? prev : t.how === 'step' ? prev + (v % 100) : t.how === 'back' ? prev - (v % 5000) : t.how === 'extended' ? 0xffffff + (v % 70000) - 2 : t.how === 'wrap' ? 0xffffffff - (v % 50) : v;
    const ts = next >>> 0;
    lastTime.set(csid, ts);
    return ts;
  };
  const message = (csid: number, s: ChunkStep, payload: Uint8Array): RtmpMessage => (csids.add(csid), { csid, type: s.type, streamId: s.streamId >>> 0, timestamp: timeOf(csid, s.time), payload });
  for (const s of steps) {
    switch (s.kind) {
      case 'chunkSize': {
        const m = encodeSetChunkSize(s.chunkSize);
        parts.push(writer.write(m));
        expected.push(m);
        writer.setChunkSize(s.chunkSize);
        maxChunkSize = Math.max(maxChunkSize, s.chunkSize);
        break;
      }
      case 'message': {
        const m = message(s.csid, s, payloadOf(s.payload));
        parts.push(writer.write(m));
        expected.push(m);
        break;
      }
      case 'pair': {
        // Chunks of two chunk streams alternate; each message completes on its own stream.
        if (s.csid === s.csid2) {
          const m = message(s.csid, s, payloadOf(s.payload));
          parts.push(writer.write(m));
          expected.push(m);
          break;
        }
        const a = message(s.csid, s, payloadOf(s.payload));
        const b = message(s.csid2, { ...s, type: s.type ^ 1 }, payloadOf(s.payload2));
        const pa = chunkPieces(writer.write(a), a.csid, a.payload.length, writer.chunkSize);
        const pb = chunkPieces(writer.write(b), b.csid, b.payload.length, writer.chunkSize);
        for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
          if (i < pa.length) parts.push(pa[i]!);
          if (i < pb.length) parts.push(pb[i]!);
        }
        // The reader finishes whichever message's last chunk comes first.
        if (pb.length < pa.length) expected.push(b, a);
        else expected.push(a, b);
        break;
      }
      case 'abort': {
        const payload = payloadOf(s.payload);
        if (payload.length <= writer.chunkSize) break; // nothing to abandon half-way
        writer.reset(s.csid);
        const m = message(s.csid, s, payload);
        const pieces = chunkPieces(writer.write(m), m.csid, m.payload.length, writer.chunkSize);
        parts.push(pieces[0]!);
        const abort = encodeAbort(s.csid);
        parts.push(writer.write(abort));
        expected.push(abort);
        writer.reset(s.csid);
        // The abandoned message's time is not the reader's basis either: start over with a type 0 header.
        lastTime.delete(s.csid);
        break;
      }
    }
  }
  let n = 0;
  for (const p of parts) n += p.length;
  const bytes = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  return { bytes, expected, maxChunkSize, csids };
}

export function sameMessage(a: RtmpMessage, b: RtmpMessage): boolean {
  return a.csid === b.csid && a.type === b.type && a.streamId === b.streamId && a.timestamp === b.timestamp && a.payload.length === b.payload.length && a.payload.every((x, i) => x === b.payload[i]);
}
