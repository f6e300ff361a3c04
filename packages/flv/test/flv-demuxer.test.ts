import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlvDemuxer, FlvError, TagType, encodeFlvHeader, encodeTag, type FlvTag } from '../src/index.js';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Deterministic PRNG (mulberry32) so a failing split pattern can be reproduced. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const tags: FlvTag[] = [
  { type: TagType.script, timestamp: 0, payload: new Uint8Array([2, 0, 1, 0x61]) },
  { type: TagType.video, timestamp: 0, payload: new Uint8Array(300).map((_, i) => i) },
  { type: TagType.audio, timestamp: 23, payload: new Uint8Array([0xaf, 1, 2, 3]) },
  { type: TagType.video, timestamp: 0x12345678, payload: new Uint8Array(0) },
  { type: TagType.audio, timestamp: 0xffffffff, payload: new Uint8Array(5000).fill(0x5a) },
];
const file = concat([encodeFlvHeader({ hasAudio: true, hasVideo: true }), ...tags.map((t) => encodeTag(t.type, t.timestamp, t.payload))]);

const plain = (list: FlvTag[]) => list.map((t) => ({ type: t.type, timestamp: t.timestamp, payload: [...t.payload] }));

test('demuxes a whole file in one push', () => {
  const d = new FlvDemuxer();
  assert.equal(d.header, undefined);
  const out = d.push(file);
  assert.deepEqual(d.header, { hasAudio: true, hasVideo: true, headerSize: 9 });
  assert.deepEqual(plain(out), plain(tags));
  assert.equal(d.bufferedBytes, 0);
  assert.equal(d.previousTagSizeMismatches, 0);
});

test('byte-by-byte pushes give the same tags as one push', () => {
  const d = new FlvDemuxer();
  const out: FlvTag[] = [];
  for (let i = 0; i < file.length; i++) {
    out.push(...d.push(file.subarray(i, i + 1)));
    if (i === 11) assert.equal(d.header, undefined, 'header not exposed before PreviousTagSize0 is in');
  }
  assert.deepEqual(plain(out), plain(tags));
  assert.equal(d.bufferedBytes, 0);
});

test('random splits give the same tags as one push', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const rnd = random(seed);
    const d = new FlvDemuxer();
    const out: FlvTag[] = [];
    for (let at = 0; at < file.length; ) {
      const n = Math.min(file.length - at, Math.floor(rnd() * (seed % 3 === 0 ? 40 : 700)));
      out.push(...d.push(file.slice(at, at + n))); // slice: each chunk is its own buffer
      at += n;
    }
    assert.deepEqual(plain(out), plain(tags), `seed ${seed}`);
  }
});

test('payloads are views that later pushes do not overwrite', () => {
  const d = new FlvDemuxer();
  const first = d.push(file.slice(0, 400));
  const rest = d.push(file.slice(400));
  assert.deepEqual(plain([...first, ...rest]), plain(tags));
});

test('rejects a bad signature on the first byte, and keeps failing', () => {
  const d = new FlvDemuxer();
  const isBad = (err: unknown) => err instanceof FlvError && err.code === 'ERR_FLV_BAD_SIGNATURE';
  assert.throws(() => d.push(new TextEncoder().encode('G')), isBad);
  assert.throws(() => d.push(file), isBad);
  const split = new FlvDemuxer();
  split.push(new Uint8Array([0x46, 0x4c]));
  assert.throws(() => split.push(new Uint8Array([0x00])), isBad);
});

test('rejects tags over maxTagSize before buffering them', () => {
  const d = new FlvDemuxer({ maxTagSize: 1000 });
  const header = encodeFlvHeader({ hasAudio: true, hasVideo: false });
  // Only the 11-byte tag header of a 5000-byte tag: enough to refuse it.
  const tagHeader = encodeTag(TagType.audio, 0, new Uint8Array(5000)).subarray(0, 11);
  assert.throws(
    () => d.push(concat([header, tagHeader])),
    (err: unknown) => err instanceof FlvError && err.code === 'ERR_FLV_TAG_TOO_LARGE',
  );
});

test('PreviousTagSize mismatches are counted, not fatal', () => {
  const bad = file.slice();
  const at = 13 + 11 + 4 + 3; // last byte of the first tag's PreviousTagSize
  bad[at] = bad[at]! ^ 0xff;
  const d = new FlvDemuxer();
  assert.deepEqual(plain(d.push(bad)), plain(tags));
  assert.equal(d.previousTagSizeMismatches, 1);
});

test('honours a DataOffset larger than 9', () => {
  const header = new Uint8Array([0x46, 0x4c, 0x56, 1, 0x01, 0, 0, 0, 12, 0xee, 0xee, 0xee, 0, 0, 0, 0]);
  const d = new FlvDemuxer();
  const out = d.push(concat([header, encodeTag(TagType.video, 7, new Uint8Array([0x17]))]));
  assert.deepEqual(d.header, { hasAudio: false, hasVideo: true, headerSize: 12 });
  assert.deepEqual(plain(out), [{ type: 9, timestamp: 7, payload: [0x17] }]);
});

test('expectHeader: false reads bare tags (e.g. an RTMP aggregate body)', () => {
  const d = new FlvDemuxer({ expectHeader: false });
  const out = d.push(file.subarray(13));
  assert.equal(d.header, undefined);
  assert.deepEqual(plain(out), plain(tags));
});

test('empty pushes are harmless', () => {
  const d = new FlvDemuxer();
  assert.deepEqual(d.push(new Uint8Array(0)), []);
  assert.equal(d.push(file).length, tags.length);
});
