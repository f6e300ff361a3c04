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
  /**
   * Chunk streams of the shared player packets (@flvcast/mux `RtmpMuxer`): each message is encoded once per
   * stream, with a type-0 header, and written to every player as is. No session's ChunkWriter uses these,
   * so the header compression state of its own chunk streams never sees them. Below 32: nginx-rtmp closes a
   * connection on a chunk stream id at or above its `max_streams` (32 by default).
   */
  SharedData: 10,
  SharedAudio: 11,
  SharedVideo: 12,
} as const;
