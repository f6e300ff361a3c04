/** The TS muxer over hub frames: what each kind of frame becomes, the tables it announces, resync, 415 reasons. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MediaFrame, StreamState } from '@flvcast/media';
import { aacSequenceHeader, annexBNalUnits, avcSequenceHeader, checkTsConformance, demuxTs, hvc1SequenceStart, hevcSequenceHeader } from '@flvcast/test-fixtures';
import { TsMuxer, tsFormat } from '../src/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const cat = (parts: (Uint8Array | undefined)[]): Uint8Array => new Uint8Array(Buffer.concat(parts.filter((p): p is Uint8Array => p !== undefined)));

function frame(kind: 'audio' | 'video', timestamp: number, payload: Uint8Array, over: Partial<MediaFrame> = {}): MediaFrame {
  return { kind, timestamp, compositionTime: 0, keyframe: false, config: false, codec: kind === 'video' ? 'avc' : 'aac', payload, ...over };
}
/** AVC NALU tags with well-formed 4-byte lengths: an IDR slice and a non-IDR slice. */
const avcKey = (n: number, cts = 0) => Uint8Array.from([0x17, 0x01, 0, 0, cts, 0, 0, 0, 3, 0x65, 0x88, n]);
const avcInter = (n: number, cts = 0) => Uint8Array.from([0x27, 0x01, 0, 0, cts, 0, 0, 0, 3, 0x41, 0x9a, n]);
const aacRaw = (n: number) => Uint8Array.from([0xaf, 0x01, 0x21, n]);
const videoConfig = frame('video', 0, avcSequenceHeader, { config: true });
const audioConfig = frame('audio', 0, aacSequenceHeader, { config: true });

function stream(over: Partial<StreamState> = {}): StreamState {
  return { name: 'live/cam1', metadata: undefined, audio: { frames: 1, codec: 'aac', config: audioConfig }, video: { frames: 1, codec: 'avc', config: videoConfig }, ...over };
}

test('a viewer starts with the resync: PAT, PMT and SDT for the stream\'s codecs, from the configuration it already has', () => {
  const muxer = new TsMuxer(stream());
  assert.deepEqual(muxer.begin({ hasAudio: true, hasVideo: true }, 0), [], 'no separate start: the tables come with the resync');
  const key = frame('video', 0, avcKey(0), { keyframe: true });
  muxer.encode(key);
  const tables = muxer.resync(key, true)!;
  const ts = demuxTs(tables);
  assert.equal(tables.length, 3 * 188, 'a first packet: PAT, PMT and SDT, nothing before them to mark as discontinuous');
  assert.ok(ts.packets.every((p) => !p.discontinuity), 'no discontinuity flag (on the PCR PID it would announce a new time base)');
  const cut = demuxTs(muxer.resync(key, false)!);
  assert.equal(cut.packets.length, 5, 'after dropped packets: the tables, then an AF-only packet for video and for audio');
  assert.ok(cut.packets.every((p) => p.discontinuity), 'each flagged: the jump from the last packet it got is legal');
  assert.deepEqual(ts.pmts[0]!.streams.map((s) => [s.streamType, s.pid]), [[0x1b, 0x100], [0x0f, 0x101]]);
  assert.equal(ts.pmts[0]!.pcrPid, 0x100);
  assert.deepEqual(ts.sdts[0]!.services[0], { serviceId: 1, runningStatus: 4, serviceType: 1, provider: 'flvcast', name: 'live/cam1' });
});

test('frames: video as Annex B PES with PTS = (t + cts)·90 and DTS = t·90, AAC as ADTS; script data carries nothing', () => {
  const muxer = tsFormat.createMuxer(stream());
  const out = cat([muxer.encode(frame('video', 1000, avcKey(1, 80), { keyframe: true, compositionTime: 80 })), muxer.encode(frame('audio', 1010, aacRaw(2)))]);
  assert.equal(muxer.encode({ kind: 'data', timestamp: 0, keyframe: false, config: false, name: 'onCuePoint', value: null }), undefined);
  assert.equal(muxer.metadataChanged({ hasAudio: true, hasVideo: true }), undefined);
  const [video, audio] = demuxTs(out).pes;
  assert.deepEqual([video!.dts, video!.pts], [90_000, 97_200]);
  assert.deepEqual(annexBNalUnits(video!.data).map(hex), ['09f0', '6742c01ed90141fb011000000300', '68cb83cb', '658801']);
  assert.equal(audio!.pts, 90_900);
  assert.equal(hex(audio!.data), 'fff15080013ffc' + '2102', 'ADTS: AAC-LC 44.1 kHz stereo, 9 bytes, then the raw frame');
});

test('resync before a frame: the counters for that frame, so a viewer starting there has no continuity error', () => {
  const muxer = new TsMuxer(stream());
  const frames = [frame('video', 0, avcKey(0), { keyframe: true }), frame('audio', 5, aacRaw(0)), frame('video', 40, avcInter(1)), frame('video', 80, avcInter(2))];
  const packets = frames.map((f) => muxer.encode(f));
  // A viewer who joins at the third frame.
  const late = cat([muxer.resync(frames[2]!, false), packets[2], packets[3]]);
  assert.deepEqual(demuxTs(late).continuityErrors, []);
  // Every PID's first packet is one below the one that follows it: in sequence even for a checker (libdvbpsi)
  // that ignores the discontinuity indicator and counts packets without payload.
  const ts = demuxTs(late);
  for (const pid of [0, 0x11, 0x1000]) {
    const [first, second] = ts.packets.filter((p) => p.pid === pid);
    if (second !== undefined) assert.equal(second.cc, (first!.cc + 1) & 0x0f, `PID ${pid}`);
  }
  assert.equal(muxer.resync(frame('video', 0, avcInter(9)), false), undefined, 'a frame it never encoded');
  assert.equal(muxer.resync({ kind: 'data', timestamp: 0, keyframe: false, config: false, name: 'x', value: null }, false), undefined);
});

test('a configuration that changes the codecs: the tables at once, with a new PMT version', () => {
  const muxer = tsFormat.createMuxer(stream({ audio: { frames: 0 } }));
  assert.equal(muxer.encode(frame('video', 0, avcKey(0), { keyframe: true })) !== undefined, true);
  assert.equal(muxer.encode(videoConfig), undefined, 'the same configuration again: nothing');
  const tables = muxer.encode(audioConfig)!;
  const ts = demuxTs(tables);
  assert.deepEqual(ts.pmts.map((p) => [p.version, p.streams.length]), [[2, 2]], 'version 1 had video only');
  const hevc = demuxTs(muxer.encode(frame('video', 40, hevcSequenceHeader, { config: true, codec: 'hevc' }))!);
  assert.deepEqual(hevc.pmts[0]!.streams.map((s) => s.streamType), [0x24, 0x0f]);
});

test('a new publisher without audio: at its first keyframe the audio stream leaves the PMT', () => {
  const state = stream();
  const muxer = new TsMuxer(state);
  muxer.encode(frame('video', 0, avcKey(0), { keyframe: true }));
  muxer.encode(frame('audio', 5, aacRaw(0)));
  // The hub's state after a reconnect: frames counted from 0, no configuration until it comes.
  Object.assign(state, { audio: { frames: 0, codec: 'aac' }, video: { frames: 2, codec: 'avc', config: videoConfig } });
  assert.equal(muxer.encode(frame('video', 40, avcInter(1))) !== undefined, true);
  const ts = demuxTs(muxer.encode(frame('video', 1000, avcKey(2), { keyframe: true }))!);
  assert.deepEqual(ts.pmts.map((p) => [p.version, p.streams.map((s) => s.pid)]), [[3, [0x100]]], 'version 1 had the video, 2 the audio too');
  // And video leaves an audio-only publish once 50 audio frames came without any video.
  const radio = { name: 'r', metadata: undefined, audio: { frames: 60, codec: 'aac', config: audioConfig }, video: { frames: 0, codec: 'avc', config: videoConfig } };
  const m2 = new TsMuxer(radio);
  assert.deepEqual(demuxTs(m2.encode(frame('audio', 0, aacRaw(1)))!).pmts[0]!.streams.map((s) => s.pid), [0x101]);
});

test('HEVC and Opus through Enhanced RTMP: hvc1 and Opus FourCCs, CodedFramesX, Opus control headers', () => {
  const opusHead = Uint8Array.from([...Buffer.from('OpusHead'), 1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0]);
  const opusConfig = frame('audio', 0, Uint8Array.from([0x90, ...Buffer.from('Opus'), ...opusHead]), { config: true, codec: 'opus' });
  const muxer = tsFormat.createMuxer({ name: 'live/e', metadata: undefined, video: { frames: 1, codec: 'hevc', config: frame('video', 0, hvc1SequenceStart, { config: true, codec: 'hevc' }) }, audio: { frames: 1, codec: 'opus', config: opusConfig } });
  const idr = Uint8Array.from([0x80 | 0x10 | 3, ...Buffer.from('hvc1'), 0, 0, 0, 3, 0x26, 0x01, 0xaf]); // key, CodedFramesX
  const opus = Uint8Array.from([0x91, ...Buffer.from('Opus'), 0xfc, 0xff, 0xfe]); // CodedFrames
  const out = cat([muxer.encode(frame('video', 0, idr, { keyframe: true, codec: 'hevc' })), muxer.encode(frame('audio', 0, opus, { codec: 'opus' }))]);
  const ts = demuxTs(out);
  assert.deepEqual(ts.pmts[0]!.streams.map((s) => [s.streamType, hex(s.descriptors)]), [[0x24, ''], [0x06, '05044f707573' + '7f028002']]);
  const [video, audio] = ts.pes;
  assert.deepEqual(annexBNalUnits(video!.data).map((n) => (n[0]! >> 1) & 0x3f), [35, 32, 33, 34, 19], 'AUD, VPS, SPS, PPS, IDR_W_RADL');
  assert.equal(hex(audio!.data), '7fe003' + 'fcfffe');
  assert.equal(audio!.streamId, 0xbd);
  assert.deepEqual(checkTsConformance(out), []);
});

test('MP3: frames as they are, MPEG-1 or MPEG-2 audio by the frame header', () => {
  const mp3 = (b1: number) => Uint8Array.from([0x2f, 0xff, b1, 0x90, 0x44, 0, 0, 0]);
  const muxer = tsFormat.createMuxer({ name: 'live/m', metadata: undefined, video: { frames: 0 }, audio: { frames: 1, codec: 'mp3', sampleRate: 44100 } });
  const first = demuxTs(muxer.encode(frame('audio', 0, mp3(0xfb), { codec: 'mp3' }))!);
  assert.equal(first.pmts[0]!.streams[0]!.streamType, 0x03, 'from the stream state: 44.1 kHz, MPEG-1');
  assert.equal(hex(first.pes[0]!.data), 'fffb9044000000', 'the MP3 frame, untouched');
  const lsf = demuxTs(muxer.encode(frame('audio', 26, mp3(0xf3), { codec: 'mp3' }))!);
  assert.equal(lsf.pmts[0]!.streams[0]!.streamType, 0x04, 'version bits 10: MPEG-2, a new PMT');
});

test('what is not carried: unknown codecs, AAC before its configuration, multitrack beyond track 0, broken NAL lengths', () => {
  const muxer = new TsMuxer(stream({ audio: { frames: 0 } }));
  assert.equal(muxer.encode(frame('audio', 0, aacRaw(1))), undefined, 'AAC without an AudioSpecificConfig cannot be framed as ADTS');
  assert.equal(muxer.encode(frame('audio', 0, Uint8Array.from([0xb2, 0, 0]), { codec: 'speex' })), undefined);
  assert.equal(muxer.encode(frame('video', 0, Uint8Array.from([0x27, 0x01, 0, 0, 0, 0, 0, 0, 9, 0x41]))), undefined, 'a NAL length past the end');
  assert.equal(muxer.encode(frame('video', 0, Uint8Array.from([0x17]))), undefined, 'a tag too short to inspect');
  const track = (id: number) => Uint8Array.from([0x80 | 0x10 | 6, 0x03, ...Buffer.from('avc1'), id, 0, 0, 0, 3, 0x65, 0x88, 0]); // one track, CodedFramesX
  assert.notEqual(muxer.encode(frame('video', 0, track(0), { keyframe: true })), undefined, 'a lone track 0 is carried');
  assert.equal(muxer.encode(frame('video', 40, track(1))), undefined, 'another track is not');
});

test('unsupported: a codec .ts cannot carry, named, or undefined while the codecs fit or are unknown', () => {
  const s = (video?: string, audio?: string): StreamState => ({ name: 'x', metadata: undefined, video: { frames: 0, ...(video && { codec: video }) }, audio: { frames: 0, ...(audio && { codec: audio }) } });
  assert.equal(tsFormat.unsupported?.(s('vp9', 'aac')), 'video codec vp9: .ts carries H.264 and HEVC');
  assert.equal(tsFormat.unsupported?.(s('avc', 'speex')), 'audio codec speex: .ts carries AAC, MP3 and Opus');
  assert.equal(tsFormat.unsupported?.(s('hevc', 'opus')), undefined);
  assert.equal(tsFormat.unsupported?.(s()), undefined);
  assert.equal(tsFormat.name, 'ts');
});
