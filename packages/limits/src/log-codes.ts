/**
 * The registry of log codes: every `code` the plugins put on a warn line about a client that hit a limit or
 * misbehaved, with what it means. LimitReporter only takes codes from here, so a new code is documented
 * (and gets its line in the operators' docs) before it can be logged.
 */
export const LOG_CODES = {
  // Viewers (@flvcast/fastify-http-flv)
  ERR_FLV_TOO_MANY_VIEWERS: 'a viewer was refused: the server has maxViewers viewers (HTTP 503, WS close 4503)',
  ERR_FLV_TOO_MANY_VIEWERS_PER_STREAM: 'a viewer was refused: the stream has maxViewersPerStream viewers (HTTP 503, WS close 4503)',
  ERR_FLV_TOO_MANY_VIEWERS_PER_IP: 'a viewer was refused: its address has maxViewersPerIp viewers (HTTP 429, WS close 4429)',
  ERR_FLV_VIEWER_STALLED: 'a viewer accepted no bytes for stallTimeoutMs and was disconnected',

  // Frames a WS-FLV viewer sent that the ws library refused (ws's own codes); the socket is terminated
  WS_ERR_EXPECTED_FIN: 'ws: a control frame or a non-final frame where a final one was required',
  WS_ERR_EXPECTED_MASK: 'ws: a frame from the client was not masked',
  WS_ERR_INVALID_CLOSE_CODE: 'ws: a close frame carried an invalid status code',
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: 'ws: a control frame longer than 125 bytes',
  WS_ERR_INVALID_OPCODE: 'ws: an unknown or misplaced opcode',
  WS_ERR_INVALID_UTF8: 'ws: a text or close frame that is not valid UTF-8',
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 'ws: a message split into too many fragments',
  WS_ERR_UNEXPECTED_MASK: 'ws: a masked frame where none may be',
  WS_ERR_UNEXPECTED_RSV_1: 'ws: RSV1 set without permessage-deflate (off on FLV routes)',
  WS_ERR_UNEXPECTED_RSV_2_3: 'ws: RSV2 or RSV3 set',
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 'ws: a frame length beyond 2^53 - 1',
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'ws: a message beyond the routes\' maxPayload (64 KiB; viewers send nothing)',

  // RTMP connections (@flvcast/fastify-rtmp)
  ERR_RTMP_TOO_MANY_CONNECTIONS: 'an RTMP connection was closed unread: maxConnections are open',
  ERR_RTMP_TOO_MANY_CONNECTIONS_PER_IP: 'an RTMP connection was closed unread: its address has maxConnectionsPerIp open',
  ERR_RTMP_HANDSHAKE_TIMEOUT: 'an RTMP handshake did not complete within handshakeTimeoutMs; the connection was closed',
  ERR_RTMP_FIRST_PACKET_TIMEOUT: 'an RTMP connection sent no media within firstPacketTimeoutMs of its handshake; closed',
  ERR_RTMP_IDLE_TIMEOUT: 'an RTMP connection sent nothing for idleTimeoutMs (a paused player: stallTimeoutMs); closed',
  ERR_RTMP_TOO_MANY_VIEWERS: 'an RTMP player was refused: the server has maxViewers viewers, every protocol counted (NetStream.Play.Failed)',
  ERR_RTMP_TOO_MANY_VIEWERS_PER_STREAM: 'an RTMP player was refused: the stream has maxViewersPerStream viewers, every protocol counted (NetStream.Play.Failed)',
  ERR_RTMP_TOO_MANY_VIEWERS_PER_IP: 'an RTMP player was refused: its address has maxViewersPerIp viewers, every protocol counted (NetStream.Play.Failed)',
  ERR_RTMP_PLAYER_STALLED: 'an RTMP player accepted no bytes for stallTimeoutMs and was disconnected',

  // What an RTMP peer sent that the protocol packages refused (their typed error codes); the connection is closed
  ERR_RTMP_HANDSHAKE: 'rtmp: a malformed handshake (e.g. a version other than 3)',
  ERR_RTMP_MESSAGE_TOO_LARGE: 'rtmp: a message (or unfinished messages) beyond maxMessageSize',
  ERR_RTMP_CHUNK_SIZE: 'rtmp: a Set Chunk Size out of range or beyond maxChunkSize',
  ERR_RTMP_CHUNK_STREAM: 'rtmp: a chunk stream out of order (no type 0 header first, too many chunk streams)',
  ERR_RTMP_BAD_COMMAND: 'rtmp: a malformed or misplaced command (AMF0, connect order, too many streams on one connection)',
  ERR_RTMP_BAD_MESSAGE: 'rtmp: a truncated protocol control or aggregate message',
  ERR_RTMP_STATE: 'rtmp: a message the session cannot take in its state (media before connect)',
  ERR_FLV_BAD_SIGNATURE: 'flv: data that does not start with "FLV"',
  ERR_FLV_BAD_HEADER: 'flv: an FLV header with a bad version or size',
  ERR_FLV_TAG_TOO_LARGE: 'flv: a tag beyond the 24-bit DataSize field or the demuxer\'s bound',
  ERR_FLV_TRUNCATED: 'flv: an audio or video message shorter than its own header',
  ERR_FLV_BAD_SCRIPT_DATA: 'flv: script data (metadata) that is not an AMF0 name and value',
  ERR_FLV_BAD_DECODER_CONFIG: 'flv: a malformed AVC/HEVC/AAC decoder configuration',
  ERR_FLV_BAD_SPS: 'flv: a malformed sequence parameter set',
  ERR_AMF0_TRUNCATED: 'amf0: a value cut short',
  ERR_AMF0_UNSUPPORTED_TYPE: 'amf0: an unknown or unsupported type marker',
  ERR_AMF0_TOO_DEEP: 'amf0: values nested beyond the decoder\'s depth bound',
  ERR_AMF0_BAD_REFERENCE: 'amf0: a reference to an object not seen before',
  ERR_AMF0_TOO_LARGE: 'amf0: a string or property name beyond its length field',

  // Publishes the hub refused or media it dropped (@flvcast/hub codes, logged by the RTMP plugin)
  ERR_HUB_TOO_MANY_STREAMS: 'a publish was refused: the server carries maxStreams streams (RTMP NetStream.Publish.Rejected)',
  ERR_HUB_STREAM_BUSY: 'a publish was refused: the key is being published and publishTakeover is off (NetStream.Publish.BadName)',
  ERR_HUB_BAD_STREAM_NAME: 'a publish was refused: an invalid app or stream name (NetStream.Publish.BadName)',
  ERR_HUB_CLOSED: 'a publish was refused: the server is shutting down',
  ERR_HUB_BAD_SEQUENCE_HEADER: 'a truncated or malformed AVC/HEVC/AAC sequence header was dropped; the publisher goes on',

  // HTTP (the flvcast server)
  ERR_HTTP_REQUEST_TIMEOUT: 'a client sent its request headers (httpHeadersTimeoutMs) or body (httpRequestTimeoutMs) too slowly; Node closed it',

  ERR_UNEXPECTED: 'an error with no registered code closed an RTMP connection: a bug, please report it with the line',
} as const;

/** A registered code, or a ws code not known to this release (ws adds codes; they keep their warn line). */
export type LogCode = keyof typeof LOG_CODES | `WS_ERR_${string}`;

/** True for a registered code (and for any `WS_ERR_*` code of the ws library). */
export function isLogCode(code: unknown): code is LogCode {
  return typeof code === 'string' && (Object.hasOwn(LOG_CODES, code) || /^WS_ERR_[A-Z0-9_]+$/.test(code));
}

/** The code to log for an error: its own `code` when registered, else ERR_UNEXPECTED. */
export function logCodeOf(err: unknown): LogCode {
  const code = err !== null && typeof err === 'object' ? (err as { code?: unknown }).code : undefined;
  return isLogCode(code) ? code : 'ERR_UNEXPECTED';
}
