/**
 * Message-level edits of a recorded RTMP session, for the session targets: drop, repeat, swap, retype and
 * re-address messages, replace commands with others (any name the server knows, odd arguments), and insert
 * control messages, media, data and aggregates. The edited messages are then re-chunked (chunk-stream edits
 * are the chunk reader's own target) and may get byte edits on top.
 */
import fc from 'fast-check';
import { encodeAmf0, type Amf0Value } from '@flvcast/amf0';
import { encodeTag } from '@flvcast/flv';
import { ChunkWriter, MessageType, encodeAbort, encodePingRequest, encodeSetChunkSize, encodeWindowAckSize, type RtmpMessage } from '@flvcast/rtmp';
import { audioPayloads, flvTags, small, videoPayloads } from './corpus.js';
import { concatBytes } from './harness.js';

const COMMANDS = ['connect', 'createStream', 'publish', 'play', 'deleteStream', 'closeStream', 'FCPublish', 'FCUnpublish', 'releaseStream', 'FCSubscribe', 'getStreamLength', '_checkbw', 'pause', 'receiveAudio', '_result', 'onStatus', ''];

const nameArb = fc.oneof(fc.constantFrom('cam', 'cam?token=abc&expires=1', 'a/b', '', '?', 'x?%zz=1&__proto__=2&a=1&a=2'), fc.string({ maxLength: 12 }));
const amfArgArb: fc.Arbitrary<Amf0Value> = fc.oneof(
  nameArb,
  fc.integer({ min: -2, max: 20 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant<Amf0Value>({ app: 'live', tcUrl: 'rtmp://h/live?k=v', capsEx: 1, fourCcList: ['hvc1', 'av01', 'Opus'], videoFourCcInfoMap: { hvc1: 1 } }),
  fc.dictionary(fc.constantFrom('app', 'tcUrl', 'capsEx', 'fourCcList', 'x'), fc.oneof<fc.Arbitrary<Amf0Value>[]>(nameArb, fc.integer(), fc.constant(['*'])), { maxKeys: 3 }),
);

export type MessageEdit =
  | { op: 'drop' | 'repeat' | 'swap'; at: number }
  | { op: 'type'; at: number; type: number }
  | { op: 'stream'; at: number; streamId: number }
  | { op: 'command'; at: number; name: string; txn: number; args: Amf0Value[]; amf3: boolean }
  | { op: 'insert'; at: number; what: 'audio' | 'video' | 'data' | 'aggregate' | 'ping' | 'window' | 'chunkSize' | 'abort' | 'empty'; n: number; streamId: number };

export const messageEditArb: fc.Arbitrary<MessageEdit> = fc.oneof(
  fc.record({ op: fc.constantFrom('drop' as const, 'repeat' as const, 'swap' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('type' as const), at: fc.nat(), type: fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 6, 8, 9, 15, 17, 18, 20, 22), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ op: fc.constant('stream' as const), at: fc.nat(), streamId: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.nat()) }),
  fc.record({ op: fc.constant('command' as const), at: fc.nat(), name: fc.constantFrom(...COMMANDS), txn: fc.oneof(fc.integer({ min: 0, max: 10 }), fc.double()), args: fc.array(amfArgArb, { maxLength: 4 }), amf3: fc.boolean() }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    what: fc.constantFrom('audio' as const, 'video' as const, 'data' as const, 'aggregate' as const, 'ping' as const, 'window' as const, 'chunkSize' as const, 'abort' as const, 'empty' as const),
    n: fc.nat(),
    streamId: fc.integer({ min: 0, max: 3 }),
  }),
);

function inserted(e: Extract<MessageEdit, { op: 'insert' }>): RtmpMessage {
  const media = (type: 8 | 9, list: Uint8Array[]): RtmpMessage => ({ csid: type === 8 ? 6 : 7, type, streamId: e.streamId, timestamp: e.n % 100000, payload: list[e.n % list.length]! });
  switch (e.what) {
    case 'audio':
      return media(8, small(audioPayloads(), 512));
    case 'video':
      return media(9, small(videoPayloads(), 512));
    case 'data':
      return { csid: 5, type: 18, streamId: e.streamId, timestamp: 0, payload: encodeAmf0('@setDataFrame', 'onMetaData', { width: e.n % 4000, videocodecid: 7, hasAudio: (e.n & 1) === 1 }) };
    case 'aggregate': {
      // A run of FLV tags (header, body, back pointer), the last back pointer sometimes missing.
      const tags = flvTags().filter((t) => t.type === 8 || t.type === 9);
      const start = e.n % Math.max(1, tags.length - 3);
      const body = tags.slice(start, start + 1 + (e.n % 3)).map((t) => encodeTag(t.type, t.timestamp, t.payload.subarray(0, 300)));
      const all = concatBytes(...body);
      return { csid: 7, type: 22, streamId: e.streamId, timestamp: e.n % 1000, payload: e.n % 5 === 0 ? all.subarray(0, all.length - 4) : all };
    }
    case 'ping':
      return encodePingRequest(e.n);
    case 'window':
      return encodeWindowAckSize(e.n % 5000);
    case 'chunkSize':
      return encodeSetChunkSize(1 + (e.n % 70000));
    case 'abort':
      return encodeAbort(e.n % 10);
    case 'empty':
      return { csid: 3, type: e.n % 2 === 0 ? 20 : 8, streamId: e.streamId, timestamp: 0, payload: new Uint8Array(0) };
  }
}

export function editMessages(messages: readonly RtmpMessage[], list: readonly MessageEdit[]): RtmpMessage[] {
  const out = messages.slice();
  for (const e of list) {
    const i = out.length === 0 ? 0 : e.at % out.length;
    const m = out[i];
    switch (e.op) {
      case 'drop':
        out.splice(i, 1);
        break;
      case 'repeat':
        if (m) out.splice(i, 0, m);
        break;
      case 'swap':
        if (m && i + 1 < out.length) [out[i], out[i + 1]] = [out[i + 1]!, m];
        break;
      case 'type':
        if (m) out[i] = { ...m, type: e.type };
        break;
      case 'stream':
        if (m) out[i] = { ...m, streamId: e.streamId };
        break;
      case 'command': {
        const body = encodeAmf0(e.name, e.txn, ...e.args);
        const payload = e.amf3 ? Uint8Array.from([0, ...body]) : body;
        out.splice(i, 0, { csid: 3, type: e.amf3 ? MessageType.CommandAmf3 : MessageType.CommandAmf0, streamId: m?.streamId ?? 0, timestamp: 0, payload });
        break;
      }
      case 'insert':
        out.splice(i, 0, inserted(e));
        break;
    }
  }
  return out;
}

/** Writes messages as a chunk stream; a Set Chunk Size in the list changes the chunk size after it, as for a peer. */
export function writeMessages(messages: readonly RtmpMessage[], initialChunkSize?: number): Uint8Array {
  const writer = new ChunkWriter();
  const parts: Uint8Array[] = [];
  if (initialChunkSize !== undefined) {
    const m = encodeSetChunkSize(initialChunkSize);
    parts.push(writer.write(m));
    writer.setChunkSize(initialChunkSize);
  }
  for (const m of messages) {
    parts.push(writer.write(m.payload.length > 0xffffff ? { ...m, payload: m.payload.subarray(0, 0xffffff) } : m));
    if (m.type === MessageType.SetChunkSize && m.payload.length >= 4) {
      const n = ((m.payload[0]! << 24) | (m.payload[1]! << 16) | (m.payload[2]! << 8) | m.payload[3]!) >>> 0;
      if (n >= 1 && n <= 0x7fffffff) writer.setChunkSize(n);
    }
  }
  return concatBytes(...parts);
}
