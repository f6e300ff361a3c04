import fc from 'fast-check';
import { decodeAmf0, encodeAmf0, type Amf0Value } from '@flvcast/amf0';
import type { MediaFrame, StreamState } from '@flvcast/media';
import { RtmpMuxer } from '@flvcast/mux';
import { ChunkReader, ChunkWriter, MessageType, RtmpErrorCode, RtmpServerSession, encodeSetBufferLength, type RtmpMessage } from '@flvcast/rtmp';
import { clientSessions, hmacSha256, small, videoPayloads, audioPayloads } from '../corpus.js';
import { check, concatBytes, defineTarget, typed } from '../harness.js';
import { splitBytes, splits } from '../mutate.js';

const codes = Object.values(RtmpErrorCode);
const HANDSHAKE = 1 + 2 * 1536;

/** One step of a player's command flow (what ffmpeg, librtmp, GStreamer and nginx-rtmp send), or media from the stream. */
type Step =
  | { op: 'createStream' | 'FCSubscribe' | 'getStreamLength' | '_checkbw' }
  | { op: 'play'; stream: number; args: Amf0Value[] }
  | { op: 'bufferLength'; stream: number; ms: number }
  | { op: 'receiveAudio' | 'receiveVideo' | 'pause'; stream: number; arg: Amf0Value }
  | { op: 'closeStream' | 'deleteStream'; stream: number }
  | { op: 'media'; frames: number; n: number };

const nameArb = fc.oneof(fc.constantFrom('cam', 'cam?token=a&expires=1', 'cam?vhost=v', '', '?', 'a/b', 'x'.repeat(300)), fc.string({ maxLength: 12 }));
const argArb: fc.Arbitrary<Amf0Value> = fc.oneof(nameArb, fc.integer({ min: -2000, max: 5000 }), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.double());
const streamArb = fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }) });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constantFrom('createStream' as const, 'FCSubscribe' as const, 'getStreamLength' as const, '_checkbw' as const) }),
  fc.record({
    op: fc.constant('play' as const),
    stream: streamArb,
    // name?query, start (-2 live, -1 live or recorded, ≥ 0), duration, reset: and junk in any place
    args: fc.oneof(fc.tuple(nameArb, fc.constantFrom(-2, -1000, 0), fc.constantFrom(-1, 0, 5), fc.boolean()).map((a) => [...a] as Amf0Value[]), fc.array(argArb, { maxLength: 4 })),
  }),
  fc.record({ op: fc.constant('bufferLength' as const), stream: streamArb, ms: fc.nat() }),
  fc.record({ op: fc.constantFrom('receiveAudio' as const, 'receiveVideo' as const, 'pause' as const), stream: streamArb, arg: fc.oneof(fc.boolean(), argArb) }),
  fc.record({ op: fc.constantFrom('closeStream' as const, 'deleteStream' as const), stream: streamArb }),
  fc.record({ op: fc.constant('media' as const), frames: fc.integer({ min: 1, max: 6 }), n: fc.nat() }),
);

/** The flow ffmpeg uses, as the usual start of a script. */
const FFMPEG_FLOW: Step[] = [{ op: 'createStream' }, { op: 'FCSubscribe' }, { op: 'getStreamLength' }, { op: 'play', stream: 1, args: ['cam', -1000] }, { op: 'bufferLength', stream: 1, ms: 3000 }];

/**
 * A player's whole session against the server session and the shared RTMP packets, as the RTMP plugin drives
 * them: every play answered (accepted or refused), pause and track changes answered, media of the stream
 * encoded once by RtmpMuxer and written between the session's own output. The contract: what the server
 * writes is always a chunk stream a fresh reader decodes (the shared chunk streams never corrupt the
 * session's header compression), media reaches only streams that play, on their message stream id, with the
 * payloads as sent, and no Data.Start is ever sent.
 */
export default defineTarget({
  name: 'rtmp-play',
  entry: '@flvcast/rtmp RtmpServerSession (the play command flow) with @flvcast/mux RtmpMuxer packets interleaved',
  errorCodes: codes,
  ciRuns: 1500,
  input: fc.record({
    ffmpegStart: fc.boolean(),
    steps: fc.array(stepArb, { maxLength: 14 }),
    chunkSize: fc.oneof(fc.constantFrom(128, 4096, 60000), fc.integer({ min: 1, max: 300 })),
    clientChunkSize: fc.constantFrom(128, 4096),
    accept: fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }),
    splits,
  }),
  run(input) {
    const steps = input.ffmpegStart ? [...FFMPEG_FLOW, ...input.steps] : input.steps;
    const writer = new ChunkWriter();
    const parts: Uint8Array[] = [clientSessions()[0]!.subarray(0, HANDSHAKE)];
    const send = (m: RtmpMessage): void => void parts.push(writer.write(m));
    send({ csid: 2, type: MessageType.SetChunkSize, streamId: 0, timestamp: 0, payload: Uint8Array.of(0, 0, input.clientChunkSize >> 8, input.clientChunkSize & 0xff) });
    writer.setChunkSize(input.clientChunkSize);
    const command = (streamId: number, name: string, ...args: Amf0Value[]): void => send({ csid: 8, type: MessageType.CommandAmf0, streamId, timestamp: 0, payload: encodeAmf0(name, 0, null, ...args) });
    send({ csid: 3, type: MessageType.CommandAmf0, streamId: 0, timestamp: 0, payload: encodeAmf0('connect', 1, { app: 'live', tcUrl: 'rtmp://h/live' }) });
    // Media steps are the server's, at their place in the flow: marked by a position in the client's bytes.
    const mediaAt = new Map<number, Extract<Step, { op: 'media' }>>();
    for (const step of steps) {
      switch (step.op) {
        case 'createStream':
        case 'FCSubscribe':
        case 'getStreamLength':
        case '_checkbw':
          command(step.op === 'createStream' || step.op === '_checkbw' ? 0 : 1, step.op, ...(step.op === 'createStream' || step.op === '_checkbw' ? [] : ['cam']));
          break;
        case 'play':
          command(step.stream, 'play', ...step.args);
          break;
        case 'bufferLength':
          send(encodeSetBufferLength(step.stream, step.ms));
          break;
        case 'receiveAudio':
        case 'receiveVideo':
        case 'pause':
          command(step.stream, step.op, step.arg, 0);
          break;
        case 'closeStream':
          command(step.stream, 'closeStream');
          break;
        case 'deleteStream':
          command(0, 'deleteStream', step.stream);
          break;
        case 'media':
          mediaAt.set(concatBytes(...parts).length, step);
          break;
      }
    }
    const bytes = concatBytes(...parts);

    const state: StreamState = { name: 'live/cam', metadata: { width: 320 }, audio: { frames: 0 }, video: { frames: 0 } };
    const session = new RtmpServerSession({ hmacSha256, now: () => 0, chunkSize: input.chunkSize });
    const players = new Map<number, { muxer: RtmpMuxer; audio: boolean; video: boolean; paused: boolean }>();
    const expected = new Map<number, Array<{ payload: Uint8Array; timestamp: number }>>();
    const out: Uint8Array[] = [];
    const take = (): void => void out.push(...session.takeOutput());
    let decisions = 0;
    let tracks = { audio: true, video: true };
    let ts = 0;

    const startPlayer = (id: number): void => {
      const muxer = new RtmpMuxer(state, { chunkSize: input.chunkSize, streamId: id, audio: tracks.audio, video: tracks.video });
      players.set(id, { muxer, ...tracks, paused: false });
      out.push(...muxer.begin({ hasAudio: true, hasVideo: true }, ts));
    };
    const media = (step: Extract<Step, { op: 'media' }>): void => {
      const videos = small(videoPayloads(), 700);
      const audios = small(audioPayloads(), 300);
      for (let i = 0; i < step.frames; i++) {
        ts += 40;
        const kind = (step.n + i) % 3 === 0 ? 'audio' : 'video';
        const list = kind === 'audio' ? audios : videos;
        const frame: MediaFrame = { kind, timestamp: ts, compositionTime: 0, keyframe: false, config: false, codec: 'x', payload: list[(step.n + i) % list.length]! };
        for (const [id, p] of players) {
          if (p.paused || !p[kind]) continue;
          const packet = p.muxer.encode(frame);
          check(packet !== undefined, 'a carried track gave no packet');
          out.push(packet);
          const list2 = expected.get(id) ?? [];
          list2.push({ payload: frame.payload, timestamp: frame.timestamp });
          expected.set(id, list2);
        }
      }
    };

    let offset = 0;
    let closed = false;
    const marks = [...mediaAt.keys()];
    for (const piece of splitBytes(bytes, input.splits)) {
      const r = typed(codes, () => session.push(piece));
      take();
      offset += piece.length;
      if (r.error) {
        closed = true;
        break;
      }
      // Plays are answered after the events of a push, as the plugin answers after its checks (a player may
      // stop or delete its stream meanwhile).
      const pending = new Set<number>();
      for (const e of r.value) {
        if (e.type === 'play') {
          check(!players.has(e.streamId) && !pending.has(e.streamId), 'a second play event on a playing stream');
          pending.add(e.streamId);
        } else if (e.type === 'playStop') {
          players.delete(e.streamId);
          pending.delete(e.streamId);
        } else if (e.type === 'command' && (e.name === 'pause' || e.name === 'receiveAudio' || e.name === 'receiveVideo') && typeof e.args[0] === 'boolean') {
          const p = players.get(e.streamId);
          const flag = e.args[0];
          if (e.name === 'pause') {
            // (The session may have stopped the stream already, later in the same push: nothing to answer then.)
            if (p !== undefined && p.paused !== flag && session.sendPauseNotify(e.streamId, flag)) {
              take();
              p.paused = flag;
              // Unpaused, the player starts afresh: metadata and configuration again.
              if (!flag) out.push(...p.muxer.begin({ hasAudio: true, hasVideo: true }, ts));
            }
          } else {
            const kind = e.name === 'receiveAudio' ? 'audio' : 'video';
            if (p === undefined) tracks = { ...tracks, [kind]: flag };
            else if (p[kind] !== flag) {
              p[kind] = flag;
              p.muxer = new RtmpMuxer(state, { chunkSize: input.chunkSize, streamId: e.streamId, audio: p.audio, video: p.video });
              out.push(...p.muxer.begin({ hasAudio: true, hasVideo: true }, ts));
            }
          }
        }
      }
      for (const id of pending) {
        const yes = input.accept[decisions++ % input.accept.length]!;
        check(yes ? session.acceptPlay(id) : session.rejectPlay(id), 'a play not waiting for its answer');
        take();
        if (yes) startPlayer(id);
      }
      while (marks.length > 0 && marks[0]! <= offset) media(mediaAt.get(marks.shift()!)!);
    }
    if (!closed) for (const mark of marks) media(mediaAt.get(mark)!);
    for (const [id] of players) if (session.playing(id)) session.sendPlayStop(id);
    take();

    // What the player reads: the server's handshake answer, then one chunk stream.
    const written = concatBytes(...out);
    check(written.length >= HANDSHAKE, 'no handshake answer');
    const reader = new ChunkReader({ maxMessageSize: 16 * 1024 * 1024, maxChunkSize: 0x7fffffff });
    let messages: RtmpMessage[];
    try {
      messages = reader.push(written.subarray(HANDSHAKE));
    } catch (err) {
      throw new Error(`the server's output does not decode as a chunk stream: ${(err as Error).message}`);
    }
    check(reader.bufferedBytes === 0, () => `${reader.bufferedBytes} bytes of an unfinished message left over`);
    const got = new Map<number, RtmpMessage[]>();
    for (const m of messages) {
      if (m.type === MessageType.Audio || m.type === MessageType.Video) {
        const list = got.get(m.streamId) ?? [];
        list.push(m);
        got.set(m.streamId, list);
      } else if (m.type === MessageType.CommandAmf0 || m.type === MessageType.DataAmf0) {
        // The session stamps every command 0, and onMetaData goes out at 0: another time means a header was
        // read against the wrong chunk stream state.
        if (m.type === MessageType.CommandAmf0) check(m.timestamp === 0, () => `a command message read with timestamp ${m.timestamp}`);
        const values = decodeAmf0(m.payload);
        const info = values[3] as { code?: unknown } | undefined;
        check(!(values[0] === 'onStatus' && (info?.code === 'NetStream.Data.Start' || (values[1] as { code?: unknown } | undefined)?.code === 'NetStream.Data.Start')), 'NetStream.Data.Start was sent');
      }
    }
    for (const [id, frames] of expected) {
      const received = got.get(id) ?? [];
      // Configuration is not sent here (the fuzz stream has none); every media message is a frame, in order.
      check(received.length === frames.length, () => `stream ${id}: ${received.length} media messages for ${frames.length} frames`);
      for (let i = 0; i < frames.length; i++) {
        check(equal(received[i]!.payload, frames[i]!.payload), () => `stream ${id}: media message ${i} differs from the frame sent`);
        check(received[i]!.timestamp === frames[i]!.timestamp, () => `stream ${id}: media message ${i} at ${received[i]!.timestamp}, sent at ${frames[i]!.timestamp}`);
      }
    }
    for (const id of got.keys()) check(expected.has(id), () => `media on stream ${id}, which never played`);
  },
});

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
