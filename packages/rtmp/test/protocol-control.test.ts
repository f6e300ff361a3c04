import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeAbort,
  encodeAcknowledgement,
  encodePingRequest,
  encodePingResponse,
  encodeSetChunkSize,
  encodeSetPeerBandwidth,
  encodeStreamBegin,
  encodeStreamEOF,
  encodeWindowAckSize,
  parseProtocolControl,
  RtmpError,
} from '../src/index.js';

test('protocol control encoders (annotated payloads), all on csid 2 / stream 0', () => {
  const cases: [ReturnType<typeof encodeSetChunkSize>, number, number[]][] = [
    [encodeSetChunkSize(4096), 1, [0x00, 0x00, 0x10, 0x00]], // chunk size 4096 (top bit 0)
    [encodeAbort(6), 2, [0, 0, 0, 6]], // chunk stream id 6
    [encodeAcknowledgement(0x1_0000_0005 % 0x100000000), 3, [0, 0, 0, 5]], // sequence number wraps mod 2^32
    [encodeWindowAckSize(2_500_000), 5, [0x00, 0x26, 0x25, 0xa0]], // window 2500000
    [encodeSetPeerBandwidth(2_500_000, 2), 6, [0x00, 0x26, 0x25, 0xa0, 0x02]], // + limit type dynamic
    [encodeStreamBegin(1), 4, [0x00, 0x00, 0, 0, 0, 1]], // event 0 StreamBegin, stream 1
    [encodeStreamEOF(1), 4, [0x00, 0x01, 0, 0, 0, 1]], // event 1 StreamEOF, stream 1
    [encodePingRequest(0xdeadbeef), 4, [0x00, 0x06, 0xde, 0xad, 0xbe, 0xef]], // event 6 PingRequest, timestamp
    [encodePingResponse(0xdeadbeef), 4, [0x00, 0x07, 0xde, 0xad, 0xbe, 0xef]], // event 7 PingResponse
  ];
  for (const [msg, type, payload] of cases) {
    assert.equal(msg.csid, 2);
    assert.equal(msg.streamId, 0);
    assert.equal(msg.type, type);
    assert.deepEqual([...msg.payload], payload);
  }
});

test('protocol control parser', () => {
  assert.deepEqual(parseProtocolControl(encodeSetChunkSize(60000)), { kind: 'setChunkSize', chunkSize: 60000 });
  assert.deepEqual(parseProtocolControl(encodeAbort(4)), { kind: 'abort', csid: 4 });
  assert.deepEqual(parseProtocolControl(encodeAcknowledgement(77)), { kind: 'acknowledgement', sequenceNumber: 77 });
  assert.deepEqual(parseProtocolControl(encodeWindowAckSize(5000)), { kind: 'windowAckSize', size: 5000 });
  assert.deepEqual(parseProtocolControl(encodeSetPeerBandwidth(5000, 1)), { kind: 'setPeerBandwidth', size: 5000, limitType: 1 });
  const ping = parseProtocolControl(encodePingRequest(42));
  assert.equal(ping?.kind, 'userControl');
  assert.deepEqual(ping?.kind === 'userControl' ? [ping.event, ping.timestamp] : [], [6, 42]);
  const sbl = parseProtocolControl({ type: 4, payload: Uint8Array.of(0, 3, 0, 0, 0, 1, 0, 0, 0x0b, 0xb8) });
  assert.deepEqual(sbl?.kind === 'userControl' ? [sbl.event, sbl.streamId, sbl.bufferMs] : [], [3, 1, 3000]);
  const begin = parseProtocolControl(encodeStreamBegin(9));
  assert.deepEqual(begin?.kind === 'userControl' ? [begin.event, begin.streamId] : [], [0, 9]);
  assert.equal(parseProtocolControl({ type: 9, payload: new Uint8Array(4) }), undefined);
  assert.throws(
    () => parseProtocolControl({ type: 5, payload: Uint8Array.of(1, 2) }),
    (e: unknown) => e instanceof RtmpError && e.code === 'ERR_RTMP_BAD_MESSAGE',
  );
});
