import fc from 'fast-check';
import { ChunkReader, MessageType, RtmpErrorCode, type RtmpMessage } from '@flvcast/rtmp';
import { clientMessages } from '../corpus.js';
import { check, defineTarget, typed } from '../harness.js';
import { applyEdits, edits, sometimes, splitBytes, splits } from '../mutate.js';
import { buildChunkStream, chunkScriptArb, sameMessage } from '../rtmp-chunks.js';

const codes = Object.values(RtmpErrorCode);
/** The longest chunk header: 3-byte basic header, type 0 message header, extended timestamp. */
const MAX_HEADER = 3 + 11 + 4;

export default defineTarget({
  name: 'rtmp-chunk-reader',
  entry: '@flvcast/rtmp ChunkReader.push (chunk sizes, csid forms, extended timestamps, interleaving, abort)',
  errorCodes: codes,
  ciRuns: 6000,
  input: fc.record({
    script: chunkScriptArb,
    edits: sometimes(edits({ markers: [0x02, 0x03, 0x43, 0x83, 0xc3, 0x00, 0x01, 0x40, 0x80, 0xc0, 0xff] }), 2),
    splits,
    maxMessageSize: sometimes(fc.integer({ min: 0, max: 8192 })),
    maxChunkStreams: sometimes(fc.integer({ min: 1, max: 8 })),
    maxPendingBytes: sometimes(fc.integer({ min: 0, max: 8192 })),
  }),
  run({ script, edits: list, splits: sizes, ...limits }) {
    const built = buildChunkStream(script, clientMessages().map((m) => m.payload));
    const bytes = list === undefined ? built.bytes : applyEdits(built.bytes, list, [built.bytes]);
    const options = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
    const reader = new ChunkReader(options);
    const maxMessage = limits.maxMessageSize ?? 16 * 1024 * 1024;
    const maxPending = limits.maxPendingBytes ?? 2 * maxMessage;
    const got: RtmpMessage[] = [];
    let failed = false;
    for (const piece of splitBytes(bytes, sizes)) {
      const r = typed(codes, () => reader.push(piece));
      if (r.error) {
        failed = true;
        break;
      }
      for (const m of r.value) {
        check(m.csid >= 2 && m.csid <= 65599, `csid ${m.csid}`);
        check(Number.isInteger(m.timestamp) && m.timestamp >= 0 && m.timestamp < 2 ** 32, `timestamp ${m.timestamp}`);
        check(m.payload.length <= maxMessage, `a ${m.payload.length}-byte message above maxMessageSize ${maxMessage}`);
        if (m.type === MessageType.SetChunkSize && m.payload.length >= 4) check(reader.chunkSize >= 1, 'chunk size below 1');
      }
      got.push(...r.value);
      check(reader.bufferedBytes <= maxPending + MAX_HEADER, () => `${reader.bufferedBytes} bytes held (maxPendingBytes ${maxPending})`);
    }
    // Unmutated and within the limits: exactly the messages written, in order.
    const withinLimits =
      built.expected.every((m) => m.payload.length <= maxMessage) &&
      built.csids.size <= (limits.maxChunkStreams ?? 64) &&
      limits.maxPendingBytes === undefined &&
      limits.maxMessageSize === undefined;
    if (list === undefined && withinLimits) {
      check(!failed, 'our own writer\'s stream was refused');
      check(got.length === built.expected.length, () => `${got.length} messages read, ${built.expected.length} written`);
      got.forEach((m, i) => check(sameMessage(m, built.expected[i]!), () => `message ${i} differs: read ${JSON.stringify({ ...m, payload: m.payload.length })}, wrote ${JSON.stringify({ ...built.expected[i]!, payload: built.expected[i]!.payload.length })}`));
    }
  },
});
