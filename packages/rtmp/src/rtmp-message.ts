/** One reassembled RTMP message (what the chunk stream carries). */
export interface RtmpMessage {
  /** chunk stream id it travelled on (2..65599) */
  csid: number;
  type: number;
  /** message stream id (0 = the NetConnection) */
  streamId: number;
  /** absolute timestamp in ms, 32-bit (wraps modulo 2^32) */
  timestamp: number;
  payload: Uint8Array;
}

/** Chunk stream ids this package uses for what it sends (any 2..65599 would be legal). */
export const ChunkStreamId = {
  /** reserved by the spec for protocol control messages */
  ProtocolControl: 2,
  /** NetConnection commands (connect, createStream, _result) */
  Command: 3,
  /** NetStream commands and data (onStatus, onMetaData) */
  StreamCommand: 5,
  Audio: 6,
  Video: 7,
} as const;
