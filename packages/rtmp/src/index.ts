export { RtmpError, RtmpErrorCode } from './rtmp-error.js';
export { MessageType, UserControlEvent, PeerBandwidthLimit } from './message-type.js';
export { ChunkStreamId, type RtmpMessage } from './rtmp-message.js';
export {
  ServerHandshake,
  ClientHandshake,
  RTMP_VERSION,
  HANDSHAKE_SIZE,
  FP_KEY,
  FMS_KEY,
  digestOffset,
  signC1S1,
  validateC1S1,
  makeC2S2,
  validateC2S2,
  type HmacSha256,
  type HandshakeSchema,
  type HandshakeResult,
  type ServerHandshakeOptions,
  type ClientHandshakeOptions,
} from './handshake.js';
export {
  ChunkReader,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_MAX_MESSAGE_SIZE,
  MAX_PROTOCOL_CHUNK_SIZE,
  MAX_CSID,
  type ChunkReaderOptions,
} from './chunk-reader.js';
export { ChunkWriter } from './chunk-writer.js';
export {
  encodeSetChunkSize,
  encodeAbort,
  encodeAcknowledgement,
  encodeWindowAckSize,
  encodeSetPeerBandwidth,
  encodeStreamBegin,
  encodeStreamEOF,
  encodeStreamDry,
  encodeSetBufferLength,
  encodeStreamIsRecorded,
  encodePingRequest,
  encodePingResponse,
  parseProtocolControl,
  type ProtocolControl,
} from './protocol-control.js';
export { decodeCommand, encodeCommand, statusInfo, amf0Body, type RtmpCommand } from './command.js';
export { parseStreamName } from './stream-name.js';
export { RtmpConnection } from './rtmp-connection.js';
export {
  RtmpServerSession,
  CapsEx,
  type RtmpServerSessionOptions,
  type RtmpEvent,
  type UnpublishReason,
} from './server-session.js';
export { RtmpClientSession, type RtmpClientSessionOptions, type RtmpClientEvent } from './client-session.js';
