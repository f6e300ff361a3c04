import fc from 'fast-check';
import { Amf0ErrorCode, decodeAmf0, type Amf0Value } from '@flvcast/amf0';
import { FlvDemuxer, FlvErrorCode, decodeScriptData, inspectAudio, inspectVideo, type FlvTag } from '@flvcast/flv';
import { Hub, HubErrorCode, type HubEndReason, type HubOptions, type Publisher, type Subscriber, type SubscriberSink } from '@flvcast/hub';
import { adtsFormat, flvFormat, mp3Format } from '@flvcast/mux';
import { amf0Bodies, clientMessages, small } from '../corpus.js';
import { check, defineTarget, typed } from '../harness.js';
import { mutated } from '../mutate.js';

/** What a publisher call may throw: a dropped sequence header, a busy key, a tag too short to inspect, unencodable script data. */
const publisherCodes = [...Object.values(HubErrorCode), ...Object.values(FlvErrorCode), ...Object.values(Amf0ErrorCode)];
const KEY = { vhost: '', app: 'live', stream: 'fuzz' };

/** A viewer's transport: records every byte, and can pretend to be a slow peer. */
class RecordingSink implements SubscriberSink {
  chunks: Uint8Array[] = [];
  accepting: boolean;
  ended: HubEndReason | undefined;
  constructor(accepting: boolean) {
    this.accepting = accepting;
  }
  write(chunks: readonly Uint8Array[]): boolean {
    check(this.ended === undefined, 'write after end');
    this.chunks.push(...chunks);
    return this.accepting;
  }
  end(reason: HubEndReason): void {
    check(this.ended === undefined, 'ended twice');
    this.ended = reason;
  }
}

/**
 * onMetaData with a key of 30000 bytes that are not UTF-8: it decodes to 30000 U+FFFD characters, 90000 bytes
 * once encoded again, more than an AMF0 key can hold. (A hostile publisher's, not an encoder's.)
 */
const wideKeyMetadata = Uint8Array.from([
  ...[0x02, 0x00, 0x0a, ...new TextEncoder().encode('onMetaData')],
  ...[0x08, 0, 0, 0, 1, 30000 >> 8, 30000 & 0xff, ...new Uint8Array(30000).fill(0xff), 0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0, 0, 0x09],
]);

/** Real media, in the order the encoders sent it (so GOPs, configurations and timestamps are as in life). */
const realMedia = () => clientMessages().filter((m) => m.type === 8 || m.type === 9);

const timeArb = fc.record({ how: fc.constantFrom('step', 'step', 'step', 'same', 'back', 'jump', 'wrap', 'any'), value: fc.nat() });
const opArb = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('publish' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('end' as const) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('real' as const), from: fc.nat(), count: fc.integer({ min: 1, max: 12 }), time: timeArb }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('media' as const),
      type: fc.constantFrom(8 as const, 9 as const),
      payload: fc.oneof(fc.nat().map((n) => ({ real: n })), mutated(small(realMedia().map((m) => m.payload), 128), { markers: [0x17, 0x27, 0xaf, 0x90, 0x80, 0x1c, 0, 1] })),
      time: timeArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('meta' as const), bytes: mutated([...amf0Bodies().filter((b) => b.length < 600), wideKeyMetadata], { maxEdits: 3 }) }) },
  // The same message many times over: configuration resent with every keyframe, a flood of script data.
  { weight: 1, arbitrary: fc.record({ op: fc.constant('burst' as const), what: fc.constantFrom('data' as const, 'videoConfig' as const, 'audioConfig' as const), times: fc.integer({ min: 1, max: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('data' as const), name: fc.constantFrom('onCuePoint', 'onTextData', 'onMetaData', ''), value: fc.jsonValue({ maxDepth: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('view' as const), accepting: fc.boolean(), format: fc.constantFrom('flv' as const, 'flv' as const, 'aac' as const, 'mp3' as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('drain' as const, 'block' as const, 'leave' as const), which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 60_000 })) }) },
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

const optionsArb = fc.record(
  {
    hasAudio: fc.boolean(),
    hasVideo: fc.boolean(),
    guessHasAv: fc.boolean(),
    dropIfNotMatch: fc.boolean(),
    gopCache: fc.boolean(),
    gopCacheMaxFrames: fc.integer({ min: 1, max: 40 }),
    gopCacheMaxBytes: fc.integer({ min: 1, max: 20_000 }),
    fastCache: fc.constantFrom(0, 1),
    audioFastCacheMs: fc.constantFrom(0, 500, 3000),
    mergeWriteMs: fc.constantFrom(0, 10),
    maxQueueBytes: fc.integer({ min: 1, max: 20_000 }),
    maxQueueMs: fc.integer({ min: 1, max: 5000 }),
    stallTimeoutMs: fc.integer({ min: 1, max: 100_000 }),
    reconnectGraceMs: fc.constantFrom(0, 5000),
    publishTakeover: fc.boolean(),
    timeJumpMs: fc.integer({ min: 1, max: 10_000 }),
  },
  { requiredKeys: [] },
);

export default defineTarget({
  name: 'hub',
  entry: '@flvcast/hub Hub + LiveStream + Subscriber with the FLV, ADTS and MP3 muxers (@flvcast/mux), fed fuzzed frame sequences',
  errorCodes: publisherCodes,
  ciRuns: 4000,
  input: fc.record({ options: optionsArb, ops: fc.array(opArb, { minLength: 1, maxLength: 40 }) }),
  run({ options, ops }) {
    let clock = 1000;
    const hub = new Hub({ ...options, now: () => clock } as Partial<HubOptions>);
    const o = hub.options;
    const viewers: { sub: Subscriber; sink: RecordingSink; format: 'flv' | 'aac' | 'mp3' }[] = [];
    let publisher: Publisher | undefined;
    let lastTs = 0;
    let biggest = 0;
    const media = realMedia();
    const tsOf = (t: { how: string; value: number }): number => {
      const v = t.value;
      const next = t.how === 'step' ? lastTs + (v % 70) : t.how === 'same' ? lastTs : t.how === 'back' ? lastTs - (v % 3000) : t.how === 'jump' ? lastTs + (v % 2 ? 1 : -1) * (v % 100_000_000) : t.how === 'wrap' ? 0xffffffff - (v % 2000) : v;
      lastTs = next >>> 0;
      return lastTs;
    };
    const publisherCall = (fn: () => void): void => {
      typed(publisherCodes, fn);
    };
    const step = (op: Op): void => {
      switch (op.op) {
        case 'publish': {
          const r = typed([HubErrorCode.streamBusy], () => hub.publish(KEY, { protocol: 'fuzz' }));
          if (r.value) publisher = r.value;
          return;
        }
        case 'end':
          publisher?.end();
          return;
        case 'real': {
          if (!publisher) return;
          const base = tsOf(op.time);
          const first = op.from % media.length;
          for (const m of media.slice(first, first + op.count)) {
            biggest = Math.max(biggest, m.payload.length);
            const at = (base + m.timestamp) >>> 0;
            publisherCall(() => (m.type === 8 ? publisher!.audio(at, m.payload) : publisher!.video(at, m.payload)));
          }
          return;
        }
        case 'media': {
          if (!publisher) return;
          const payload = op.payload instanceof Uint8Array ? op.payload : media[op.payload.real % media.length]!.payload;
          biggest = Math.max(biggest, payload.length);
          const ts = tsOf(op.time);
          publisherCall(() => (op.type === 8 ? publisher!.audio(ts, payload) : publisher!.video(ts, payload)));
          return;
        }
        case 'meta': {
          if (!publisher) return;
          let values: Amf0Value[];
          try {
            values = decodeAmf0(op.bytes);
          } catch {
            return; // the RTMP session drops metadata that is not AMF0
          }
          const [name, data] = values[0] === '@setDataFrame' ? values.slice(1) : values;
          if (typeof name !== 'string') return;
          biggest = Math.max(biggest, op.bytes.length * 3);
          publisherCall(() => publisher!.data(name, data));
          return;
        }
        case 'burst': {
          if (!publisher) return;
          const config = op.what === 'data' ? undefined : media.find((m) => m.type === (op.what === 'videoConfig' ? 9 : 8) && (m.type === 9 ? inspectVideo(m.payload) : inspectAudio(m.payload)).isSequenceHeader);
          for (let i = 0; i < op.times; i++) {
            if (config === undefined) publisherCall(() => publisher!.data('onCuePoint', { name: `cue${i}`, time: i }));
            else publisherCall(() => (config.type === 9 ? publisher!.video(lastTs, config.payload) : publisher!.audio(lastTs, config.payload)));
          }
          biggest = Math.max(biggest, config?.payload.length ?? 100);
          return;
        }
        case 'data':
          biggest = Math.max(biggest, JSON.stringify(op.value).length * 3);
          if (publisher) publisherCall(() => publisher!.data(op.name, op.value as Amf0Value));
          return;
        case 'view': {
          const sink = new RecordingSink(op.accepting);
          // A viewer joining never fails because of what a publisher sent.
          const format = op.format === 'aac' ? adtsFormat : op.format === 'mp3' ? mp3Format : flvFormat;
          const sub = hub.subscribe(KEY, format, sink, { protocol: 'fuzz' });
          if (sub) viewers.push({ sub, sink, format: op.format });
          return;
        }
        case 'drain':
        case 'block':
        case 'leave': {
          const v = viewers[op.which % Math.max(1, viewers.length)];
          if (!v || v.sub.ended) return;
          if (op.op === 'leave') v.sub.close();
          else {
            v.sink.accepting = op.op === 'drain';
            if (op.op === 'drain') v.sub.resume();
          }
          return;
        }
        case 'tick':
          clock += op.ms;
          return;
      }
    };
    for (const op of ops) {
      // Publisher calls may throw their typed errors (publisherCall); nothing else may throw at all.
      typed([], () => step(op));
      // Memory: each viewer's backlog stays within its bound (plus the packets a cut keeps: configuration, metadata).
      for (const { sub } of viewers) {
        if (sub.ended) continue;
        const bound = o.maxQueueBytes + 4 * (biggest + 512);
        check(sub.queuedBytes <= bound, () => `a viewer holds ${sub.queuedBytes} queued bytes (maxQueueBytes ${o.maxQueueBytes}, bound ${bound})`);
      }
      const stream = hub.get(KEY);
      if (stream) {
        check(stream.gopCacheBytes <= o.gopCacheMaxBytes + biggest, () => `GOP cache of ${stream.gopCacheBytes} bytes (max ${o.gopCacheMaxBytes})`);
        check(stream.audioWindowBytes <= o.maxQueueBytes, () => `audio window of ${stream.audioWindowBytes} bytes (maxQueueBytes ${o.maxQueueBytes})`);
        check(stream.viewerCount === viewers.filter((v) => !v.sub.ended).length, 'viewer count disagrees with the live subscribers');
      }
    }
    typed([], () => hub.close());
    check(hub.size === 0, 'streams left after close');
    for (const { sub, sink, format } of viewers) {
      if (format === 'flv') typed([], () => checkViewerOutput(sub, sink, o));
      else if (format === 'aac') typed([], () => checkAdtsOutput(sink));
      else check(!sub.started || !sub.hasVideo, 'an MP3 listener announced video');
    }
  },
});

/** What an `.aac` listener received is whole ADTS frames, back to back (a cut never splits one). */
function checkAdtsOutput(sink: RecordingSink): void {
  const bytes = Buffer.concat(sink.chunks);
  let at = 0;
  while (at < bytes.length) {
    check(at + 7 <= bytes.length && bytes[at] === 0xff && (bytes[at + 1]! & 0xf6) === 0xf0, () => `no ADTS frame at byte ${at} of ${bytes.length}`);
    const length = ((bytes[at + 3]! & 0x03) << 11) | (bytes[at + 4]! << 3) | (bytes[at + 5]! >> 5);
    check(length >= 7, 'an ADTS frame shorter than its header');
    at += length;
  }
  check(at === bytes.length, 'the output ends inside an ADTS frame');
}

/** What a viewer received is an FLV stream: a truthful header, onMetaData first, only the tracks announced, time that never goes back. */
function checkViewerOutput(sub: Subscriber, sink: RecordingSink, o: HubOptions): void {
  if (sink.chunks.length === 0) return;
  const demuxer = new FlvDemuxer();
  const tags: FlvTag[] = [];
  const r = typed([], () => {
    for (const c of sink.chunks) tags.push(...demuxer.push(c));
  });
  check(r.error === undefined, 'viewer output does not demux');
  check(demuxer.bufferedBytes === 0, 'viewer output ends inside a tag');
  const header = demuxer.header!;
  check(header.hasAudio === sub.hasAudio && header.hasVideo === sub.hasVideo, 'FLV header flags differ from the viewer\'s tracks');
  check(tags[0]?.type === 18 && tags[0].timestamp === 0 && decodeScriptData(tags[0].payload).name === 'onMetaData', 'the first tag is not onMetaData stamped 0');
  const last = new Map<number, number>();
  for (const tag of tags) {
    check(tag.type === 8 || tag.type === 9 || tag.type === 18, `tag type ${tag.type}`);
    if (tag.type === 18) {
      decodeScriptData(tag.payload);
      continue;
    }
    if (o.dropIfNotMatch) check(tag.type === 8 ? header.hasAudio : header.hasVideo, 'a track the header denied');
    const config = tag.type === 9 ? inspectVideo(tag.payload).isSequenceHeader : inspectAudio(tag.payload).isSequenceHeader;
    if (config) continue;
    const prev = last.get(tag.type);
    check(prev === undefined || tag.timestamp >= prev, () => `${tag.type === 8 ? 'audio' : 'video'} time goes back in a viewer's stream: ${prev} then ${tag.timestamp}`);
    last.set(tag.type, tag.timestamp);
  }
}
