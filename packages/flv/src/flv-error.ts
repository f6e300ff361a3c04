/** Error codes thrown by @flvcast/flv; stable strings so callers can switch on them. */
export const FlvErrorCode = {
  badSignature: 'ERR_FLV_BAD_SIGNATURE',
  badHeader: 'ERR_FLV_BAD_HEADER',
  tagTooLarge: 'ERR_FLV_TAG_TOO_LARGE',
  truncated: 'ERR_FLV_TRUNCATED',
  badScriptData: 'ERR_FLV_BAD_SCRIPT_DATA',
  badDecoderConfig: 'ERR_FLV_BAD_DECODER_CONFIG',
  badSps: 'ERR_FLV_BAD_SPS',
} as const;

export type FlvErrorCode = (typeof FlvErrorCode)[keyof typeof FlvErrorCode];

export class FlvError extends Error {
  readonly code: FlvErrorCode;

  constructor(code: FlvErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FlvError';
    this.code = code;
  }
}
