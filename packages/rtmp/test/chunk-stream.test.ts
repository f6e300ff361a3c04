import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ChunkReader, ChunkWriter, RtmpError, encodeSetChunkSize, type RtmpMessage } from '../src/index.js';

/** Hex with `# comments` to the end of each line. */
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex'));
const isCode = (code: string) => (e: unknown) => e instanceof RtmpError && e.code === code;

/** Deterministic PRNG so a failing round trip can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

test('type 0 header, 1-byte basic header (annotated)', () => {
  const bytes = hex(`
    03            # fmt 0, csid 3
    000064        # timestamp 100
    000005        # message length 5
    14            # type 20 (AMF0 command)
    01000000      # message stream id 1, little-endian
    0102030405    # payload`);
  const [msg, ...more] = new ChunkReader().push(bytes);
  assert.equal(more.length, 0);
  assert.deepEqual(msg, { csid: 3, type: 20, streamId: 1, timestamp: 100, payload: hex('0102030405') });
  assert.deepEqual(new ChunkWriter().write(msg as RtmpMessage), bytes);
});

test('type 1, 2 and 3 headers accumulate deltas (annotated)', () => {
  const bytes = hex(`
    06 0003e8 000002 08 01000000 aabb  # fmt 0 csid 6: ts 1000, len 2, audio, stream 1
    46 000014 000003 08 ccddee         # fmt 1 csid 6: delta 20, len 3, audio
    86 000014 112233                   # fmt 2 csid 6: delta 20 (same length/type)
    c6 445566                          # fmt 3 csid 6: new message, reuses delta 20`);
  const msgs = new ChunkReader().push(bytes);
  assert.deepEqual(
    msgs.map((m) => [m.timestamp, m.type, m.streamId, [...m.payload]]),
    [
      [1000, 8, 1, [0xaa, 0xbb]],
      [1020, 8, 1, [0xcc, 0xdd, 0xee]],
      [1040, 8, 1, [0x11, 0x22, 0x33]],
      [1060, 8, 1, [0x44, 0x55, 0x66]],
    ],
  );
  // The writer compresses further: the third message repeats delta 20, so it needs only a type 3 header.
  const w = new ChunkWriter();
  const expected = hex(`
    06 0003e8 000002 08 01000000 aabb  # fmt 0
    46 000014 000003 08 ccddee         # fmt 1: length changed
    c6 112233                          # fmt 3: same length, type and delta
    c6 445566                          # fmt 3`);
  assert.deepEqual(Buffer.concat(msgs.map((m) => w.write(m))), Buffer.from(expected));
});

test('type 3 continuation chunks split a message by chunk size (annotated)', () => {
  const payload = new Uint8Array(300).map((_, i) => i & 0xff);
  const w = new ChunkWriter(); // default chunk size 128
  const bytes = w.write({ csid: 4, type: 9, streamId: 1, timestamp: 0, payload });
  assert.equal(bytes.length, 12 + 128 + 1 + 128 + 1 + 44);
  assert.deepEqual([...bytes.subarray(0, 12)], [0x04, 0, 0, 0, 0x00, 0x01, 0x2c, 0x09, 1, 0, 0, 0]); // fmt 0, len 300
  assert.equal(bytes[12 + 128], 0xc4); // fmt 3, csid 4
  assert.equal(bytes[12 + 128 + 1 + 128], 0xc4);
  const [msg] = new ChunkReader().push(bytes);
  assert.deepEqual(msg?.payload, payload);
});

test('2-byte and 3-byte basic headers (annotated)', () => {
  const two = hex(`
    00 00       # fmt 0, csid field 0: csid = 64 + 0x00 = 64
    000000 000001 12 00000000 05`);
  assert.equal(new ChunkReader().push(two)[0]?.csid, 64);
  assert.deepEqual(new ChunkWriter().write({ csid: 64, type: 18, streamId: 0, timestamp: 0, payload: Uint8Array.of(5) }), two);

  const three = hex(`
    01 ff ff    # fmt 0, csid field 1: csid = 64 + 0xff + 0xff*256 = 65599
    000000 000001 12 00000000 05`);
  assert.equal(new ChunkReader().push(three)[0]?.csid, 65599);
  assert.deepEqual(new ChunkWriter().write({ csid: 65599, type: 18, streamId: 0, timestamp: 0, payload: Uint8Array.of(5) }), three);

  // 319 is the largest 2-byte csid; 320 needs 3 bytes
  assert.deepEqual([...new ChunkWriter().write({ csid: 319, type: 1, streamId: 0, timestamp: 0, payload: new Uint8Array(0) }).subarray(0, 2)], [0x00, 0xff]);
  assert.deepEqual([...new ChunkWriter().write({ csid: 320, type: 1, streamId: 0, timestamp: 0, payload: new Uint8Array(0) }).subarray(0, 3)], [0x01, 0x00, 0x01]);
});

test('extended timestamp on type 0 and repeated on type 3 continuation chunks (annotated)', () => {
  const payload = new Uint8Array(130).fill(7);
  const bytes = new ChunkWriter().write({ csid: 5, type: 9, streamId: 1, timestamp: 0x01000000, payload });
  assert.deepEqual(
    [...bytes.subarray(0, 16)],
    [
      0x05, // fmt 0, csid 5
      0xff, 0xff, 0xff, // timestamp field: 0xFFFFFF = see extended
      0x00, 0x00, 0x82, // length 130
      0x09, // video
      0x01, 0x00, 0x00, 0x00, // stream 1
      0x01, 0x00, 0x00, 0x00, // extended timestamp 0x01000000
    ],
  );
  const cont = 16 + 128;
  assert.deepEqual([...bytes.subarray(cont, cont + 5)], [0xc5, 0x01, 0x00, 0x00, 0x00]); // fmt 3 + repeated extended ts
  const [msg] = new ChunkReader().push(bytes);
  assert.equal(msg?.timestamp, 0x01000000);
  assert.deepEqual(msg?.payload, payload);
});

test('a type 3 header starting a new message after an extended delta carries that delta', () => {
  const bytes = hex(`
    05 000000 000001 09 01000000 aa        # fmt 0: ts 0
    85 ffffff 01000000 bb                  # fmt 2: delta 0x01000000 (extended)
    c5 01000000 cc                         # fmt 3: new message, extended delta repeated`);
  const msgs = new ChunkReader().push(bytes);
  assert.deepEqual(msgs.map((m) => m.timestamp), [0, 0x01000000, 0x02000000]);
});

test('timestamps wrap modulo 2^32', () => {
  const bytes = hex(`
    05 ffffff 000001 09 01000000 fffffff0 aa   # fmt 0: ts 0xfffffff0 (extended)
    85 000020 bb                               # fmt 2: delta 0x20 -> wraps to 0x10`);
  assert.deepEqual(new ChunkReader().push(bytes).map((m) => m.timestamp), [0xfffffff0, 0x10]);
});

test('a declared length above maxMessageSize fails before buffering', () => {
  const r = new ChunkReader({ maxMessageSize: 1000 });
  assert.throws(() => r.push(hex('03 000000 0003e9 09 01000000')), isCode('ERR_RTMP_MESSAGE_TOO_LARGE'));
});

test('chunk stream violations are errors', () => {
  assert.throws(() => new ChunkReader().push(hex('43 000000 000001 09 aa')), isCode('ERR_RTMP_CHUNK_STREAM')); // fmt 1 first
  assert.throws(() => new ChunkReader().push(hex('c3 aa')), isCode('ERR_RTMP_CHUNK_STREAM')); // fmt 3 first
  const r = new ChunkReader({ maxChunkStreams: 2 });
  r.push(hex('03 000000 000000 09 00000000 04 000000 000000 09 00000000'));
  assert.throws(() => r.push(hex('05 000000 000000 09 00000000')), isCode('ERR_RTMP_CHUNK_STREAM'));
  assert.throws(() => new ChunkReader({ maxChunkSize: 4096 }).setChunkSize(8192), isCode('ERR_RTMP_CHUNK_SIZE'));
  assert.throws(() => new ChunkReader().setChunkSize(0), isCode('ERR_RTMP_CHUNK_SIZE'));
});

test('total buffered partial messages are bounded', () => {
  const r = new ChunkReader({ maxMessageSize: 1000, maxPendingBytes: 1500 });
  r.setChunkSize(500);
  // first chunks (500 bytes) of 1000-byte messages on several chunk streams, never finished
  const firstChunk = (csid: number): Uint8Array => new Uint8Array([csid, 0, 0, 0, 0x00, 0x03, 0xe8, 9, 1, 0, 0, 0, ...new Uint8Array(500)]);
  r.push(firstChunk(3));
  r.push(firstChunk(4));
  r.push(firstChunk(5)); // 1500 bytes held: at the limit
  assert.throws(() => r.push(firstChunk(6)), isCode('ERR_RTMP_MESSAGE_TOO_LARGE'));
});

test('Set Chunk Size takes effect for the very next chunk of the same push', () => {
  const w = new ChunkWriter();
  const setChunkSize = w.write({ csid: 2, type: 1, streamId: 0, timestamp: 0, payload: hex('00001000') });
  w.setChunkSize(4096);
  const big = new Uint8Array(3000).fill(1);
  const media = w.write({ csid: 6, type: 8, streamId: 1, timestamp: 5, payload: big });
  const r = new ChunkReader();
  const msgs = r.push(new Uint8Array([...setChunkSize, ...media]));
  assert.equal(r.chunkSize, 4096);
  assert.equal(msgs.length, 2);
  assert.deepEqual(msgs[1]?.payload, big);
});

test('Abort drops the partial message on that chunk stream', () => {
  const w = new ChunkWriter();
  const r = new ChunkReader();
  const partial = w.write({ csid: 6, type: 8, streamId: 1, timestamp: 0, payload: new Uint8Array(200) }).subarray(0, 12 + 128);
  const abort = w.write({ csid: 2, type: 2, streamId: 0, timestamp: 0, payload: hex('00000006') });
  // after the abort, csid 6 is idle again: a new message may start with a type 1 header
  const next = hex('46 000010 000002 08 abcd');
  const msgs = r.push(new Uint8Array([...partial, ...abort, ...next]));
  assert.deepEqual(msgs.map((m) => [m.csid, m.type, m.timestamp, m.payload.length]), [
    [2, 2, 0, 4],
    [6, 8, 16, 2],
  ]);
});

test('zero-length messages', () => {
  const w = new ChunkWriter();
  const bytes = new Uint8Array([...w.write({ csid: 3, type: 20, streamId: 0, timestamp: 1, payload: new Uint8Array(0) }), ...w.write({ csid: 3, type: 20, streamId: 0, timestamp: 2, payload: new Uint8Array(0) })]);
  assert.deepEqual(new ChunkReader().push(bytes).map((m) => [m.timestamp, m.payload.length]), [
    [1, 0],
    [2, 0],
  ]);
});

test('round trip: random chunk sizes, random splits, interleaved csids, extended and wrapping timestamps', () => {
  const csids = [2, 3, 4, 6, 63, 64, 200, 319, 320, 65599];
  const starts = [0, 0xfffff0, 0xffffff, 0x1000000, 0xfffffff0];
  for (let seed = 1; seed <= 40; seed++) {
    const rand = rng(seed);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)] as T;
    const w = new ChunkWriter();
    const r = new ChunkReader();
    const chunkSize = pick([1, 2, 7, 128, 129, 4096, 65536]);
    w.setChunkSize(chunkSize);
    r.setChunkSize(chunkSize);
    const clock = new Map<number, number>();
    const sent: RtmpMessage[] = [];
    const wire: Uint8Array[] = [];
    for (let i = 0; i < 60; i++) {
      const csid = pick(csids);
      const base = clock.get(csid) ?? pick(starts);
      // mostly steady deltas (type 3 reuse), sometimes jumps, backwards steps and big extended deltas
      const step = pick([0, 20, 20, 20, 23, 0x1000000, -5]);
      const timestamp = (base + step) >>> 0;
      clock.set(csid, timestamp);
      const len = pick([0, 1, 5, 5, 5, 127, 128, 129, 1000, 5000]);
      const payload = new Uint8Array(len).map(() => Math.floor(rand() * 256));
      const msg: RtmpMessage = { csid, type: pick([8, 8, 9, 18]), streamId: pick([1, 1, 1, 2]), timestamp, payload };
      sent.push(msg);
      wire.push(w.write(msg));
    }
    const all = Buffer.concat(wire);
    const got: RtmpMessage[] = [];
    for (let o = 0; o < all.length; ) {
      const n = 1 + Math.floor(rand() * pick([1, 3, 20, 300, 5000]));
      got.push(...r.push(new Uint8Array(all.subarray(o, o + n))));
      o += n;
    }
    assert.equal(got.length, sent.length, `seed ${seed}`);
    assert.deepEqual(got, sent, `seed ${seed}`);
  }
});

// Found while writing the fuzz target's memory contract (test/fuzz, rtmp-chunk-reader checks bufferedBytes
// against maxPendingBytes): the count was right, but the reader kept every piece it was pushed as its own
// array, so a peer dripping a 1 MiB message a byte at a time (one socket read per byte) made it hold 216 MiB
// of heap; at the plugin's 8 MiB maxMessageSize, gigabytes per connection. A message is now reassembled in
// one buffer that at most doubles what was received.
test('a message dripped a byte at a time costs about its own size in memory, not an object per byte', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const writer = new ChunkWriter();
  const reader = new ChunkReader({ maxChunkSize: 1 << 20 });
  reader.push(writer.write(encodeSetChunkSize(1 << 20)));
  writer.setChunkSize(1 << 20);
  const bytes = writer.write({ csid: 6, type: 9, streamId: 1, timestamp: 0, payload: new Uint8Array(1 << 20).fill(7) });
  gc();
  const before = process.memoryUsage();
  for (let i = 0; i < bytes.length - 1; i++) reader.push(bytes.subarray(i, i + 1));
  gc();
  const after = process.memoryUsage();
  const grown = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
  assert.equal(reader.bufferedBytes, bytes.length - 1 - 12); // all but the last byte of the body (12-byte header)
  assert.ok(grown < 8 * 1024 * 1024, `holding 1 MiB of a message grew memory by ${(grown / 1048576).toFixed(1)} MiB`);
  const [message] = reader.push(bytes.subarray(bytes.length - 1));
  assert.equal(message!.payload.length, 1 << 20);
  assert.ok(message!.payload.every((b) => b === 7));
});
