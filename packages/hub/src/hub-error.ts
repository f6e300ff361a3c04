export const HubErrorCode = {
  streamBusy: 'ERR_HUB_STREAM_BUSY',
  badStreamName: 'ERR_HUB_BAD_STREAM_NAME',
  badOption: 'ERR_HUB_BAD_OPTION',
  closed: 'ERR_HUB_CLOSED',
  /** A new stream would exceed the `maxStreams` option. */
  tooManyStreams: 'ERR_HUB_TOO_MANY_STREAMS',
  /** A truncated or malformed AVC/HEVC/AAC sequence header: dropped, the stream keeps the last good one. */
  badSequenceHeader: 'ERR_HUB_BAD_SEQUENCE_HEADER',
} as const;
export type HubErrorCode = (typeof HubErrorCode)[keyof typeof HubErrorCode];

export class HubError extends Error {
  override readonly name = 'HubError';
  constructor(
    readonly code: HubErrorCode,
    message: string,
    /** With ERR_HUB_BAD_OPTION: the option at fault. */
    readonly option?: string,
  ) {
    super(message);
  }
}
