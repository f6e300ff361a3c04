import fc from 'fast-check';
import { RtmpErrorCode, RtmpServerSession, type RtmpEvent } from '@flvcast/rtmp';
import { clientSessions, hmacSha256, sessionMessages } from '../corpus.js';
import { check, concatBytes, defineTarget, typed } from '../harness.js';
import { applyEdits, edits, sometimes, splitBytes, splits } from '../mutate.js';
import { editMessages, messageEditArb, writeMessages } from '../rtmp-script.js';

const codes = Object.values(RtmpErrorCode);
const HANDSHAKE = 1 + 2 * 1536;

export default defineTarget({
  name: 'rtmp-server-session',
  entry: '@flvcast/rtmp RtmpServerSession.push (whole sessions: handshake, commands, publish/play state machine, media, aggregates)',
  errorCodes: codes,
  ciRuns: 2500,
  input: fc.record({
    session: fc.integer({ min: 0, max: clientSessions().length - 1 }),
    messageEdits: fc.array(messageEditArb, { maxLength: 6 }),
    chunkSize: sometimes(fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 70000 })), 2),
    byteEdits: sometimes(edits({ markers: [0x02, 0x03, 0x05, 0x06, 0x07, 0x08, 0x09, 0x12, 0x14, 0x16, 0x43, 0xc3, 0xc4] }), 3),
    splits,
    /** Accept (true) or refuse each publish/play, in turn. */
    policy: fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
    maxMessageSize: sometimes(fc.integer({ min: 0, max: 4096 }), 6),
    maxStreams: sometimes(fc.integer({ min: 1, max: 3 })),
  }),
  run(input) {
    const recorded = clientSessions()[input.session]!;
    const rewrite = input.messageEdits.length > 0 || input.chunkSize !== undefined;
    let stream = rewrite ? writeMessages(editMessages(sessionMessages(recorded), input.messageEdits), input.chunkSize) : recorded.subarray(HANDSHAKE);
    if (input.byteEdits !== undefined) stream = applyEdits(stream, input.byteEdits, [stream]);
    const bytes = concatBytes(recorded.subarray(0, HANDSHAKE), stream);

    const session = new RtmpServerSession({
      hmacSha256,
      now: () => 0,
      ...(input.maxMessageSize === undefined ? {} : { maxMessageSize: input.maxMessageSize }),
      ...(input.maxStreams === undefined ? {} : { maxStreams: input.maxStreams }),
    });
    const publishing = new Set<number>();
    const playing = new Set<number>();
    const pendingPublish = new Set<number>();
    const pendingPlay = new Set<number>();
    let connected = false;
    let decisions = 0;
    let sent = 0;
    const take = (): void => {
      for (const b of session.takeOutput()) sent += b.length;
    };
    for (const piece of splitBytes(bytes, input.splits)) {
      const r = typed(codes, () => session.push(piece));
      take();
      if (r.error) return; // the socket layer closes the connection
      for (const e of r.value) checkEvent(e);
      // Answer what the encoder asked for, as the RTMP plugin does after each push.
      for (const id of pendingPublish) {
        const yes = input.policy[decisions++ % input.policy.length]!;
        const answered = yes ? session.acceptPublish(id) : session.rejectPublish(id);
        check(answered, `publish on stream ${id} was not waiting for an answer`);
        if (yes) publishing.add(id);
      }
      for (const id of pendingPlay) {
        const yes = input.policy[decisions++ % input.policy.length]!;
        const answered = yes ? session.acceptPlay(id) : session.rejectPlay(id);
        check(answered, `play on stream ${id} was not waiting for an answer`);
        if (yes) playing.add(id);
      }
      pendingPublish.clear();
      pendingPlay.clear();
      for (const id of playing) check(session.sendMedia(id, 9, 0, Uint8Array.of(0x17, 1, 0, 0, 0)), 'a playing stream refused media');
      take();
    }
    // Replies are bounded by what came in (plus the handshake and the connect reply's echo).
    check(sent <= HANDSHAKE + 16 * bytes.length + 70_000, () => `${sent} bytes sent for ${bytes.length} received`);

    function checkEvent(e: RtmpEvent): void {
      if (e.type === 'connect') {
        check(!connected, 'a second connect event');
        connected = true;
        return;
      }
      check(connected, `${e.type} event before connect`);
      switch (e.type) {
        case 'publish':
        case 'play':
          check(!e.name.includes('?'), 'the stream name still carries its query');
          check(!publishing.has(e.streamId) && !playing.has(e.streamId), `${e.type} on a stream that is already active`);
          (e.type === 'publish' ? pendingPublish : pendingPlay).add(e.streamId);
          return;
        case 'audio':
        case 'video':
        case 'metadata':
          check(publishing.has(e.streamId), () => `${e.type} for stream ${e.streamId}, which is not publishing`);
          check(e.timestamp >= 0 && e.timestamp < 2 ** 32, 'timestamp out of 32 bits');
          return;
        case 'unpublish':
          check(publishing.has(e.streamId) || pendingPublish.has(e.streamId), `unpublish of stream ${e.streamId}, which is not publishing`);
          publishing.delete(e.streamId);
          pendingPublish.delete(e.streamId);
          return;
        case 'playStop':
          check(playing.has(e.streamId) || pendingPlay.has(e.streamId), `playStop of stream ${e.streamId}, which is not playing`);
          playing.delete(e.streamId);
          pendingPlay.delete(e.streamId);
          return;
        default:
          return;
      }
    }
  },
});
