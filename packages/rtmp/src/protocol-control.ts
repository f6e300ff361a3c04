import { readUint32BE, writeUint32BE } from './bytes.js';
import { MessageType, UserControlEvent } from './message-type.js';
import { ChunkStreamId, type RtmpMessage } from './rtmp-message.js';
import { RtmpError, RtmpErrorCode } from './rtmp-error.js';

/** Protocol control and user control messages travel on chunk stream 2, message stream 0 (RTMP 1.0 §5.4). */
function control(type: number, payload: Uint8Array): RtmpMessage {
  return { csid: ChunkStreamId.ProtocolControl, type, streamId: 0, timestamp: 0, payload };
}

function u32(...values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  values.forEach((v, i) => writeUint32BE(b, i * 4, v >>> 0));
  return b;
}

export function encodeSetChunkSize(chunkSize: number): RtmpMessage {
  return control(MessageType.SetChunkSize, u32(chunkSize & 0x7fffffff));
}

export function encodeAbort(csid: number): RtmpMessage {
  return control(MessageType.Abort, u32(csid));
}

/** sequenceNumber = bytes received so far, modulo 2^32. */
export function encodeAcknowledgement(sequenceNumber: number): RtmpMessage {
  return control(MessageType.Acknowledgement, u32(sequenceNumber));
}

export function encodeWindowAckSize(size: number): RtmpMessage {
  return control(MessageType.WindowAckSize, u32(size));
}

export function encodeSetPeerBandwidth(size: number, limitType: number): RtmpMessage {
  const b = new Uint8Array(5);
  writeUint32BE(b, 0, size >>> 0);
  b[4] = limitType;
  return control(MessageType.SetPeerBandwidth, b);
}

function userControl(event: number, ...values: number[]): RtmpMessage {
  const data = u32(...values);
  const b = new Uint8Array(2 + data.length);
  b[0] = event >> 8;
  b[1] = event & 0xff;
  b.set(data, 2);
  return control(MessageType.UserControl, b);
}

export function encodeStreamBegin(streamId: number): RtmpMessage {
  return userControl(UserControlEvent.StreamBegin, streamId);
}

export function encodeStreamEOF(streamId: number): RtmpMessage {
  return userControl(UserControlEvent.StreamEOF, streamId);
}

export function encodeStreamDry(streamId: number): RtmpMessage {
  return userControl(UserControlEvent.StreamDry, streamId);
}

export function encodeSetBufferLength(streamId: number, bufferMs: number): RtmpMessage {
  return userControl(UserControlEvent.SetBufferLength, streamId, bufferMs);
}

export function encodeStreamIsRecorded(streamId: number): RtmpMessage {
  return userControl(UserControlEvent.StreamIsRecorded, streamId);
}

export function encodePingRequest(timestamp: number): RtmpMessage {
  return userControl(UserControlEvent.PingRequest, timestamp);
}

export function encodePingResponse(timestamp: number): RtmpMessage {
  return userControl(UserControlEvent.PingResponse, timestamp);
}

export type ProtocolControl =
  | { kind: 'setChunkSize'; chunkSize: number }
  | { kind: 'abort'; csid: number }
  | { kind: 'acknowledgement'; sequenceNumber: number }
  | { kind: 'windowAckSize'; size: number }
  | { kind: 'setPeerBandwidth'; size: number; limitType: number }
  | { kind: 'userControl'; event: number; streamId?: number; bufferMs?: number; timestamp?: number; data: Uint8Array };

/** Parses a protocol control (types 1-6) message; returns undefined for other types. */
export function parseProtocolControl(msg: Pick<RtmpMessage, 'type' | 'payload'>): ProtocolControl | undefined {
  const p = msg.payload;
  const need = (n: number): void => {
    if (p.length < n) {
      throw new RtmpError(RtmpErrorCode.BadMessage, `protocol control message type ${msg.type} too short (${p.length} < ${n} bytes)`);
    }
  };
  switch (msg.type) {
    case MessageType.SetChunkSize:
      need(4);
      return { kind: 'setChunkSize', chunkSize: readUint32BE(p, 0) };
    case MessageType.Abort:
      need(4);
      return { kind: 'abort', csid: readUint32BE(p, 0) };
    case MessageType.Acknowledgement:
      need(4);
      return { kind: 'acknowledgement', sequenceNumber: readUint32BE(p, 0) };
    case MessageType.WindowAckSize:
      need(4);
      return { kind: 'windowAckSize', size: readUint32BE(p, 0) };
    case MessageType.SetPeerBandwidth:
      need(5);
      return { kind: 'setPeerBandwidth', size: readUint32BE(p, 0), limitType: p[4] as number };
    case MessageType.UserControl: {
      need(2);
      const event = ((p[0] as number) << 8) | (p[1] as number);
      const data = p.subarray(2);
      switch (event) {
        case UserControlEvent.PingRequest:
        case UserControlEvent.PingResponse:
          need(6);
          return { kind: 'userControl', event, timestamp: readUint32BE(p, 2), data };
        case UserControlEvent.SetBufferLength:
          need(10);
          return { kind: 'userControl', event, streamId: readUint32BE(p, 2), bufferMs: readUint32BE(p, 6), data };
        default:
          // Stream events carry a stream id; unknown events are passed through with their raw data.
          return p.length >= 6
            ? { kind: 'userControl', event, streamId: readUint32BE(p, 2), data }
            : { kind: 'userControl', event, data };
      }
    }
    default:
      return undefined;
  }
}
