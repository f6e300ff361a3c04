/** Error codes thrown by this package; the socket layer closes the connection on any of them. */
export const RtmpErrorCode = {
  Handshake: 'ERR_RTMP_HANDSHAKE',
  MessageTooLarge: 'ERR_RTMP_MESSAGE_TOO_LARGE',
  ChunkSize: 'ERR_RTMP_CHUNK_SIZE',
  ChunkStream: 'ERR_RTMP_CHUNK_STREAM',
  BadCommand: 'ERR_RTMP_BAD_COMMAND',
  BadMessage: 'ERR_RTMP_BAD_MESSAGE',
  State: 'ERR_RTMP_STATE',
} as const;
export type RtmpErrorCode = (typeof RtmpErrorCode)[keyof typeof RtmpErrorCode];

export class RtmpError extends Error {
  override readonly name = 'RtmpError';
  readonly code: RtmpErrorCode;

  constructor(code: RtmpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
