/**
 * The seed corpus (test/fuzz/corpus/, captured from real sessions by capture-corpus.ts) and the pieces
 * targets start from: whole RTMP sessions, their messages, AMF0 bodies, FLV tags, audio/video payloads,
 * decoder configurations and parameter sets. Everything is read once, when first asked for.
 */
import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FlvDemuxer, inspectAudio, inspectVideo, parseAvcDecoderConfig, parseHevcDecoderConfig, type FlvTag } from '@flvcast/flv';
import { ChunkReader, ServerHandshake, type HmacSha256, type RtmpMessage } from '@flvcast/rtmp';
import * as fixtures from '@flvcast/test-fixtures';

export const CORPUS_DIR = fileURLToPath(new URL('../../corpus/', import.meta.url));

export const hmacSha256: HmacSha256 = (key, data) => createHmac('sha256', key).update(data).digest();

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}

export const corpusFiles = once(() => {
  const files = new Map<string, Uint8Array>();
  for (const name of readdirSync(CORPUS_DIR).sort()) {
    if (name.endsWith('.rtmp') || name.endsWith('.flv')) files.set(name, new Uint8Array(readFileSync(CORPUS_DIR + name)));
  }
  return files;
});

function filesEnding(suffix: string): Uint8Array[] {
  return [...corpusFiles()].filter(([name]) => name.endsWith(suffix)).map(([, bytes]) => bytes);
}

/** What encoders sent: handshake, then the chunk stream. */
export const clientSessions = once(() => filesEnding('.c2s.rtmp'));
/** What flvcast answered them: S0 S1 S2, then the chunk stream. */
export const serverSessions = once(() => filesEnding('.s2c.rtmp'));
export const flvFiles = once(() => filesEnding('.flv'));

/** The C0 + C1 + C2 each encoder sent (ffmpeg's carries a digest). */
export const clientHandshakes = once(() => clientSessions().map((s) => s.subarray(0, 1 + 1536 * 2)));

/** The chunk stream after the handshake, and the messages in it. */
export function chunkStream(session: Uint8Array): Uint8Array {
  return session.subarray(1 + 1536 * 2);
}

const messagesCache = new WeakMap<Uint8Array, RtmpMessage[]>();

/** The messages of a recorded session (read once; callers copy before editing). */
export function sessionMessages(session: Uint8Array, server = false): RtmpMessage[] {
  let cached = messagesCache.get(session);
  if (cached === undefined) {
    cached = readSessionMessages(session, server);
    messagesCache.set(session, cached);
  }
  return cached;
}

function readSessionMessages(session: Uint8Array, server: boolean): RtmpMessage[] {
  let rest: Uint8Array;
  if (server) rest = session.subarray(1 + 1536 * 2);
  else {
    const hs = new ServerHandshake({ hmacSha256 });
    rest = hs.push(session).rest;
  }
  return new ChunkReader().push(rest);
}

export const clientMessages = once(() => clientSessions().flatMap((s) => sessionMessages(s)));
export const serverMessages = once(() => serverSessions().flatMap((s) => sessionMessages(s, true)));

export const flvTags = once((): FlvTag[] => flvFiles().flatMap((f) => new FlvDemuxer().push(f)));

/** AMF0 bodies: commands both ways, data messages, script tags. */
export const amf0Bodies = once(() => [
  ...[...clientMessages(), ...serverMessages()].filter((m) => m.type === 20 || m.type === 18).map((m) => m.payload),
  ...flvTags().filter((t) => t.type === 18).map((t) => t.payload),
]);

const mediaOf = (type: 8 | 9): Uint8Array[] => [
  ...clientMessages().filter((m) => m.type === type).map((m) => m.payload),
  ...flvTags().filter((t) => t.type === type).map((t) => t.payload),
];

export const videoPayloads = once(() => [
  ...mediaOf(9),
  fixtures.avcSequenceHeader,
  fixtures.avcKeyframe(),
  fixtures.avcInterframe(),
  fixtures.hevcSequenceHeader,
  fixtures.hvc1SequenceStart,
  fixtures.hevcKeyframe,
]);
export const audioPayloads = once(() => [...mediaOf(8), fixtures.aacSequenceHeader, fixtures.aacFrame()]);

/** Small payloads (at most `max` bytes), so targets that only read headers don't spend their time copying. */
export function small(payloads: Uint8Array[], max = 256): Uint8Array[] {
  return payloads.map((p) => (p.length > max ? p.subarray(0, max) : p));
}

export const videoSequenceHeaders = once(() => videoPayloads().filter((p) => inspectVideo(p).isSequenceHeader));
export const audioSequenceHeaders = once(() => audioPayloads().filter((p) => inspectAudio(p).isSequenceHeader));

/** Decoder configuration records: avcC, hvcC, AudioSpecificConfig. */
export const avcConfigs = once(() => videoSequenceHeaders().filter((p) => inspectVideo(p).codec === 'avc').map((p) => p.subarray(inspectVideo(p).bodyOffset)));
export const hevcConfigs = once(() => videoSequenceHeaders().filter((p) => inspectVideo(p).codec === 'hevc').map((p) => p.subarray(inspectVideo(p).bodyOffset)));
export const audioSpecificConfigs = once(() => audioSequenceHeaders().filter((p) => inspectAudio(p).codec === 'aac').map((p) => p.subarray(inspectAudio(p).bodyOffset)));
export const avcSpsNals = once(() => avcConfigs().flatMap((c) => parseAvcDecoderConfig(c).sps));
export const hevcSpsNals = once(() => hevcConfigs().flatMap((c) => parseHevcDecoderConfig(c).sps));
