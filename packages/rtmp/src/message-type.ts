/** RTMP message type ids (RTMP 1.0 §5.4, §7.1). */
export const MessageType = {
  SetChunkSize: 1,
  Abort: 2,
  Acknowledgement: 3,
  UserControl: 4,
  WindowAckSize: 5,
  SetPeerBandwidth: 6,
  Audio: 8,
  Video: 9,
  DataAmf3: 15,
  SharedObjectAmf3: 16,
  CommandAmf3: 17,
  DataAmf0: 18,
  SharedObject: 19,
  CommandAmf0: 20,
  Aggregate: 22,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** User control event types (RTMP 1.0 §7.1.7). 5 is unused by the spec. */
export const UserControlEvent = {
  StreamBegin: 0,
  StreamEOF: 1,
  StreamDry: 2,
  SetBufferLength: 3,
  StreamIsRecorded: 4,
  PingRequest: 6,
  PingResponse: 7,
} as const;
export type UserControlEvent = (typeof UserControlEvent)[keyof typeof UserControlEvent];

/** Limit types of Set Peer Bandwidth (RTMP 1.0 §5.4.5). */
export const PeerBandwidthLimit = {
  Hard: 0,
  Soft: 1,
  Dynamic: 2,
} as const;
export type PeerBandwidthLimit = (typeof PeerBandwidthLimit)[keyof typeof PeerBandwidthLimit];
