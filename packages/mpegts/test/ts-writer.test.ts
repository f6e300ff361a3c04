/** The program writer: what goes in which packet, the PCR and table schedule, counters and resync. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { annexBNalUnits, checkTsConformance, demuxTs } from '@flvcast/test-fixtures';
import { PCR_OFFSET_MS, TsPid, TsWriter, type TsProgram } from '../src/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const cat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const MS = 90;
const sps = Uint8Array.of(0x67, 0x42, 0xc0, 0x1e);
const pps = Uint8Array.of(0x68, 0xcb, 0x83, 0xcb);
const av: TsProgram = { video: { codec: 'avc', parameterSets: [sps, pps] }, audio: { codec: 'aac' } };
const adts = (n: number): Uint8Array[] => [Uint8Array.of(0xff, 0xf1, 0x50, 0x80, 0x01, 0x3f, 0xfc), Uint8Array.of(0x21, n)];
const idr = (n = 0): Uint8Array[] => [Uint8Array.of(0x65, 0x88, n)];
const slice = (n = 0): Uint8Array[] => [Uint8Array.of(0x41, 0x9a, n)];

function writer(program: TsProgram = av): TsWriter {
  const w = new TsWriter({ serviceName: 'live/cam1' });
  w.setProgram(program);
  return w;
}

test('the first access unit: PAT, PMT, SDT, then the PES whose first packet holds the PCR', () => {
  const w = writer({ audio: { codec: 'aac' } });
  const out = w.writeAudio({ pts: 1000 * MS, parts: adts(1) });
  assert.equal(out.length, 4 * 188, 'three tables and one PES packet');
  assert.deepEqual([0, 1, 2, 3].map((i) => hex(out.subarray(i * 188, i * 188 + 3))), ['474000', '475000', '474011', '474101'], 'PUSI on each: PAT, PMT 0x1000, SDT 0x11, audio 0x101');
  const pes = out.subarray(3 * 188);
  // 7 + 2 bytes of ADTS frame and a 14-byte PES header: 23 bytes, so 184 − 23 = 161 bytes of adaptation field.
  assert.equal(
    hex(pes.subarray(0, 12)),
    '47' + '4101' + '30' + // PUSI, PID 0x101, AF + payload, cc 0
      'a0' + // adaptation_field_length 160
      '50' + // random_access_indicator + PCR_flag (no discontinuity: nothing went out on this PID before)
      '00008ca07e00', // PCR base (1000 − 200 ms) × 90 = 72000: the constant offset behind the DTS
  );
  assert.ok(pes.subarray(12, 5 + 160).every((b) => b === 0xff), 'stuffing to the end of the adaptation field');
  assert.equal(hex(pes.subarray(165)), '000001c0' + '0011' + '848005' + '210005bf21' + 'fff15080013ffc' + '2101', 'PES: audio, length 17, PTS 90000, then the ADTS frame');
  assert.equal(PCR_OFFSET_MS, 200);
});

test('PCR every ≤ 40 ms of PCR time: PCR-only packets fill the gaps between video frames', () => {
  const w = writer();
  const chunks = [w.writeVideo({ dts: 0, pts: 0, keyframe: true, nalUnits: idr() })];
  chunks.push(w.writeVideo({ dts: 300 * MS, pts: 300 * MS, keyframe: false, nalUnits: slice() })); // 3.3 fps
  const ts = demuxTs(cat(chunks));
  const pcrs = ts.pcrs.map((p) => p.value / MS);
  assert.deepEqual(pcrs, [0, 40, 80, 100], 'the first at 0 (clamped: DTS 0 − 200 ms), steps of 40, then the frame\'s own DTS − 200');
  assert.ok(ts.pcrs.every((p) => p.pid === TsPid.video));
  assert.deepEqual(checkTsConformance(cat(chunks)), []);
});

test('tables before every keyframe and after 400 ms of PCR time; audio PES between video do not move the PCR PID', () => {
  const w = writer();
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) {
    const t = 1000 + i * 40;
    chunks.push(w.writeVideo({ dts: t * MS, pts: (t + 80) * MS, keyframe: i % 20 === 0, nalUnits: i % 20 === 0 ? idr(i) : slice(i) }));
    chunks.push(w.writeAudio({ pts: (t + 10) * MS, parts: adts(i) }));
  }
  const ts = demuxTs(cat(chunks));
  assert.equal(ts.pats.length, ts.pmts.length);
  // Each PAT's time: the last PCR before it (the first PAT comes before any PCR).
  const patTimes = ts.pats.slice(1).map((p) => ts.pcrs.filter((c) => c.packetIndex < p.packetIndex).at(-1)!.value / MS);
  assert.ok(patTimes.length >= 4);
  for (let i = 1; i < patTimes.length; i++) assert.ok(patTimes[i]! - patTimes[i - 1]! <= 440, `tables ${patTimes[i - 1]} → ${patTimes[i]}`);
  assert.ok(ts.pcrs.every((p) => p.pid === TsPid.video), 'audio carries no PCR when there is video');
  assert.equal(ts.pes.filter((p) => p.pid === TsPid.video).length, 40);
  assert.deepEqual(checkTsConformance(cat(chunks)), []);
});

test('PTS/DTS at 90 kHz, DTS left out when equal; video is unbounded, the AU in Annex B with AUD and parameter sets', () => {
  const w = writer();
  const out = cat([w.writeVideo({ dts: 40 * MS, pts: 120 * MS, keyframe: true, nalUnits: idr(7) }), w.writeVideo({ dts: 80 * MS, pts: 80 * MS, keyframe: false, nalUnits: slice(8) })]);
  const [key, inter] = demuxTs(out).pes;
  assert.deepEqual([key!.pts, key!.dts, key!.declaredLength], [120 * MS, 40 * MS, 0]);
  assert.deepEqual([inter!.pts, inter!.dts], [80 * MS, undefined]);
  assert.deepEqual(annexBNalUnits(key!.data).map(hex), ['09f0', '6742c01e', '68cb83cb', '658807']);
  assert.equal(key!.randomAccess, true);
  assert.equal(inter!.randomAccess, false);
});

test('a large access unit spans packets: counted exactly, counters step by one, stuffing only in the last', () => {
  const w = writer({ video: { codec: 'avc', parameterSets: [] } });
  const big = new Uint8Array(5000).fill(0x5a);
  big[0] = 0x65;
  const out = w.writeVideo({ dts: 0, pts: 0, keyframe: true, nalUnits: [big] });
  assert.equal(out.length % 188, 0);
  const ts = demuxTs(out);
  const video = ts.packets.filter((p) => p.pid === TsPid.video);
  // 19-byte PES header + 6 (AUD) + 4 + 5000 = 5029 bytes; first packet 184 − 8 (PCR, flags) = 176, then 184 each.
  assert.equal(video.length, 1 + Math.ceil((5029 - 176) / 184));
  assert.deepEqual(video.map((p) => p.cc), video.map((_, i) => i & 0x0f));
  assert.deepEqual(ts.pes[0]!.data.subarray(10), big);
  assert.deepEqual(ts.continuityErrors, []);
});

test('resync: the tables, then an AF-only packet per elementary stream, all flagged, each one counter before the snapshot', () => {
  const w = writer();
  w.writeVideo({ dts: 0, pts: 0, keyframe: true, nalUnits: idr() });
  w.writeAudio({ pts: 10 * MS, parts: adts(1) });
  const before = w.snapshot();
  const next = w.writeVideo({ dts: 40 * MS, pts: 40 * MS, keyframe: false, nalUnits: slice() });
  const resync = w.resync(before);
  assert.equal(resync.length, 5 * 188, 'PAT, PMT, SDT, video, audio');
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((i) => hex(resync.subarray(i * 188, i * 188 + 7))),
    [
      '47400030' + '018000', // PAT: PUSI, AF + payload, cc 0 (the tables went out once: next is 1) | AF length 1, discontinuity | pointer 0
      '47500030' + '018000', // PMT 0x1000
      '47401130' + '018000', // SDT 0x11
      '47010020' + 'b780ff', // video: AF only, cc 0 (one packet so far) | length 183, discontinuity, stuffing
      '47010120' + 'b780ff', // audio
    ],
  );
  const ts = demuxTs(cat([resync, next]));
  assert.deepEqual(ts.continuityErrors, []);
  assert.equal(ts.pats.length, 1, 'the tables parse with the adaptation field before them');
  assert.deepEqual(ts.pats[0]!.programs, [{ programNumber: 1, pmtPid: 0x1000 }]);
  assert.equal(writer({}).resync(writer({}).snapshot()).length, 3 * 188, 'an empty program: the tables only');
  // The tables as they were at the snapshot, not as they are now.
  w.setProgram({ video: { codec: 'hevc', parameterSets: [] } });
  const old = demuxTs(w.resync(before));
  assert.deepEqual(old.pmts[0]!.streams.map((s) => s.streamType), [0x1b, 0x0f]);
  assert.equal(old.packets.length, 5);
});

test('a program change: new PMT version, tables before the next unit, discontinuity on the changed PID only', () => {
  const w = writer();
  const chunks = [w.writeVideo({ dts: 0, pts: 0, keyframe: true, nalUnits: idr() }), w.writeAudio({ pts: 0, parts: adts(0) })];
  assert.equal(w.setProgram({ ...av, video: { codec: 'avc', parameterSets: [sps] } }), false, 'new parameter sets alone change nothing');
  assert.equal(w.setProgram({ ...av, video: { codec: 'hevc', parameterSets: [] } }), true);
  assert.equal(w.pmtVersion, 2);
  chunks.push(w.writeAudio({ pts: 20 * MS, parts: adts(1) }), w.writeVideo({ dts: 40 * MS, pts: 40 * MS, keyframe: false, nalUnits: [Uint8Array.of(0x02, 0x01, 0xd0)] }));
  const ts = demuxTs(cat(chunks));
  assert.deepEqual(ts.pmts.map((p) => [p.version, p.streams[0]!.streamType]), [[1, 0x1b], [2, 0x24]]);
  assert.ok(ts.pmts[1]!.packetIndex < ts.pes[2]!.packetIndex, 'the new PMT comes before the next PES');
  const firstOf = (pid: number, after: number) => ts.packets.find((p) => p.pid === pid && p.index > after)!;
  assert.equal(firstOf(TsPid.video, ts.pmts[1]!.packetIndex).discontinuity, true);
  assert.equal(firstOf(TsPid.audio, ts.pmts[1]!.packetIndex).discontinuity, false);
  assert.equal(w.setProgram({ ...av, video: { codec: 'hevc', parameterSets: [] }, audio: { codec: 'mp3', lowSamplingRate: true } }), true);
  assert.equal(demuxTs(w.tables()).pmts[0]!.streams[1]!.streamType, 0x04, 'MP3 at 22.05 kHz: MPEG-2 audio');
});

test('a jump of more than a second: one PCR with the discontinuity indicator instead of a burst', () => {
  const w = writer();
  const out = cat([w.writeVideo({ dts: 1000 * MS, pts: 1000 * MS, keyframe: true, nalUnits: idr() }), w.writeVideo({ dts: 60_000 * MS, pts: 60_000 * MS, keyframe: false, nalUnits: slice() })]);
  const ts = demuxTs(out);
  assert.deepEqual(ts.pcrs.map((p) => [p.value / MS, p.discontinuity]), [[800, false], [59_800, true]]);
  assert.deepEqual(checkTsConformance(out), []);
});

test('audio a little behind the video: its DTS is still at or after the last PCR, and the PCR never goes back', () => {
  const w = writer();
  const out = cat([
    w.writeVideo({ dts: 1000 * MS, pts: 1000 * MS, keyframe: true, nalUnits: idr() }),
    w.writeAudio({ pts: 850 * MS, parts: adts(0) }), // 150 ms behind: within the 200 ms offset
    w.writeVideo({ dts: 1040 * MS, pts: 1040 * MS, keyframe: false, nalUnits: slice() }),
  ]);
  assert.deepEqual(checkTsConformance(out), []);
  const audioOnly = writer({ audio: { codec: 'aac' } });
  const a = cat([audioOnly.writeAudio({ pts: 500 * MS, parts: adts(0) }), audioOnly.writeAudio({ pts: 450 * MS, parts: adts(1) })]);
  assert.deepEqual(demuxTs(a).pcrs.map((p) => p.value / MS), [300, 300], 'a PES behind the PCR repeats it rather than going back');
});

test('Opus: private stream 1, each packet behind its control header; audio-only programs carry the PCR on audio', () => {
  const w = writer({ audio: { codec: 'opus', channels: 2 } });
  const ts = demuxTs(w.writeAudio({ pts: 300 * MS, parts: [Uint8Array.of(0xfc, 1, 2, 3)] }));
  assert.equal(ts.pmts[0]!.pcrPid, TsPid.audio);
  assert.equal(ts.sdts[0]!.services[0]!.serviceType, 0x02, 'audio only: a radio service');
  assert.equal(ts.pes[0]!.streamId, 0xbd);
  assert.equal(hex(ts.pes[0]!.data), '7fe004' + 'fc010203');
  assert.equal(hex(ts.pmts[0]!.streams[0]!.descriptors), '05044f707573' + '7f028002');
});

test('tables() advances the counters of the tables; a program without video writes no video', () => {
  const w = writer();
  const before = w.snapshot();
  w.tables();
  assert.notEqual(w.snapshot().counters, before.counters);
  assert.deepEqual(new TsWriter({ serviceName: 'x' }).writeVideo({ dts: 0, pts: 0, keyframe: true, nalUnits: idr() }).length, 0, 'no video stream: nothing');
});
