/** The test conformance checker catches what it is meant to: each rule broken on purpose in a good stream. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTsConformance, type TsViolation } from '@flvcast/test-fixtures';
import { TsWriter, writePcr } from '../src/index.js';

const MS = 90;
const sps = Uint8Array.of(0x67, 0x42, 0xc0, 0x1e);
const pps = Uint8Array.of(0x68, 0xcb, 0x83, 0xcb);
const adts = (n: number): Uint8Array[] => [Uint8Array.of(0xff, 0xf1, 0x50, 0x80, 0x01, 0x3f, 0xfc), Uint8Array.of(0x21, n)];

/** Two seconds of H.264 (a keyframe every second) and AAC, as one viewer from the start gets it. */
function goodStream(): Uint8Array[] {
  const w = new TsWriter({ serviceName: 'live/c' });
  w.setProgram({ video: { codec: 'avc', parameterSets: [sps, pps] }, audio: { codec: 'aac' } });
  const chunks = [w.resync(w.snapshot())];
  for (let i = 0; i < 50; i++) {
    const t = 1000 + i * 40;
    chunks.push(w.writeVideo({ dts: t * MS, pts: (t + 40) * MS, keyframe: i % 25 === 0, nalUnits: [Uint8Array.of(i % 25 === 0 ? 0x65 : 0x41, 0x88, i)] }));
    chunks.push(w.writeAudio({ pts: (t + 5) * MS, parts: adts(i) }));
  }
  return chunks;
}
const packets = (chunks: Uint8Array[]): Uint8Array[] => {
  const all = Buffer.concat(chunks);
  return Array.from({ length: all.length / 188 }, (_, i) => new Uint8Array(all.subarray(i * 188, (i + 1) * 188)));
};
const join = (p: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(p));
const rules = (v: TsViolation[]): string[] => [...new Set(v.map((x) => x.rule))].sort();
const pid = (p: Uint8Array): number => ((p[1]! & 0x1f) << 8) | p[2]!;

test('a good stream passes', () => {
  assert.deepEqual(checkTsConformance(join(goodStream())), []);
});

test('a lost packet is a continuity error; a bad sync byte and a cut end are framing errors', () => {
  const p = packets(goodStream());
  const lost = p.filter((_, i) => i !== 40);
  assert.ok(rules(checkTsConformance(join(lost))).includes('continuity'));
  p[7]![0] = 0x48;
  assert.deepEqual(rules(checkTsConformance(join(p))), ['continuity', 'sync-byte'], 'the packet is skipped: its PID misses one');
  const cut = join(packets(goodStream())).subarray(0, 188 * 20 + 50);
  assert.deepEqual(checkTsConformance(cut), []);
  assert.deepEqual(rules(checkTsConformance(cut, { partialEnd: false })), ['packet-size']);
});

test('PCR: too far apart, behind a DTS, or missing', () => {
  const p = packets(goodStream());
  // Move every PCR after the first 60 packets 300 ms later: a step too large, then PES before their PCR.
  for (const q of p.slice(60)) {
    if ((q[3]! & 0x20) !== 0 && (q[5]! & 0x10) !== 0) {
      const base = q[6]! * 0x2000000 + ((q[7]! << 17) | (q[8]! << 9) | (q[9]! << 1) | (q[10]! >> 7));
      writePcr(q, 6, base + 300 * MS);
    }
  }
  assert.deepEqual(rules(checkTsConformance(join(p))), ['pcr-after-dts', 'pcr-interval']);
  const noPcr = packets(goodStream()).map((q) => {
    if ((q[3]! & 0x20) !== 0 && q[4]! > 0) q[5]! &= ~0x10;
    return q;
  });
  assert.ok(rules(checkTsConformance(join(noPcr))).includes('pcr-missing'));
});

test('tables: missing at the start, before a keyframe, or for too long', () => {
  const p = packets(goodStream());
  const tables = (q: Uint8Array) => pid(q) === 0 || pid(q) === 0x11 || pid(q) === 0x1000;
  const firstPes = p.findIndex((q) => pid(q) === 0x100);
  // All tables gone after the start: the keyframe at 1 s has none before it, and they are missing for > 500 ms.
  const none = p.filter((q, i) => i < firstPes || !tables(q));
  assert.deepEqual(rules(checkTsConformance(join(none))), ['tables-before-keyframe', 'tables-interval']);
  const noSdt = p.filter((q) => pid(q) !== 0x11);
  assert.ok(rules(checkTsConformance(join(noSdt))).includes('tables-at-start'));
  assert.deepEqual(rules(checkTsConformance(new Uint8Array(0))), ['tables-at-start']);
});

test('PTS before DTS, and a first video PES that is not a keyframe with its parameter sets', () => {
  const w = new TsWriter({ serviceName: 'x' });
  w.setProgram({ video: { codec: 'avc', parameterSets: [] } });
  const bad = join([w.resync(w.snapshot()), w.writeVideo({ dts: 500 * MS, pts: 400 * MS, keyframe: false, nalUnits: [Uint8Array.of(0x41, 1)] })]);
  assert.deepEqual(rules(checkTsConformance(bad)), ['first-video-keyframe', 'pts-before-dts']);
  const w2 = new TsWriter({ serviceName: 'x' });
  w2.setProgram({ video: { codec: 'avc', parameterSets: [] } });
  const noSets = join([w2.resync(w2.snapshot()), w2.writeVideo({ dts: 500 * MS, pts: 500 * MS, keyframe: true, nalUnits: [Uint8Array.of(0x65, 1)] })]);
  assert.match(checkTsConformance(noSets)[0]!.message, /lacks parameter sets/);
});
