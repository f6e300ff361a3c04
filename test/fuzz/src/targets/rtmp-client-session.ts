import fc from 'fast-check';
import { RtmpClientSession, RtmpErrorCode } from '@flvcast/rtmp';
import { serverSessions, sessionMessages } from '../corpus.js';
import { check, concatBytes, defineTarget, typed } from '../harness.js';
import { applyEdits, edits, sometimes, splitBytes, splits } from '../mutate.js';
import { editMessages, messageEditArb, writeMessages } from '../rtmp-script.js';

const codes = Object.values(RtmpErrorCode);
const HANDSHAKE = 1 + 2 * 1536;

/** What a relay or an edge meets: a server's answers, as recorded from flvcast, edited. */
export default defineTarget({
  name: 'rtmp-client-session',
  entry: '@flvcast/rtmp RtmpClientSession.push (a publisher or player reading a server)',
  errorCodes: codes,
  ciRuns: 4000,
  input: fc.record({
    session: fc.integer({ min: 0, max: serverSessions().length - 1 }),
    play: fc.boolean(),
    messageEdits: fc.array(messageEditArb, { maxLength: 6 }),
    byteEdits: sometimes(edits({ markers: [0x02, 0x03, 0x05, 0x14, 0x12] }), 3),
    splits,
  }),
  run(input) {
    const recorded = serverSessions()[input.session]!;
    let stream = input.messageEdits.length > 0 ? writeMessages(editMessages(sessionMessages(recorded, true), input.messageEdits)) : recorded.subarray(HANDSHAKE);
    if (input.byteEdits !== undefined) stream = applyEdits(stream, input.byteEdits, [stream]);
    const client = new RtmpClientSession({ app: 'live', tcUrl: 'rtmp://127.0.0.1/live', now: () => 0 });
    client.start();
    if (input.play) client.play('cam');
    else client.publish('cam');
    client.takeOutput();
    let connected = 0;
    for (const piece of splitBytes(concatBytes(recorded.subarray(0, HANDSHAKE), stream), input.splits)) {
      const r = typed(codes, () => client.push(piece));
      client.takeOutput();
      if (r.error) return;
      for (const e of r.value) {
        if (e.type === 'connected') connected++;
        if (e.type === 'audio' || e.type === 'video') check(input.play, 'media events for a publisher');
      }
    }
    check(connected <= 1, 'connected twice');
  },
});
