/** Error codes thrown by @flvcast/mpegts; stable strings so callers can switch on them. */
export const MpegTsErrorCode = {
  /** A length-prefixed NAL unit runs past the end of its access unit, or the prefix size is not 1–4. */
  badNalUnits: 'ERR_MPEGTS_BAD_NAL_UNITS',
  /** A table (PMT, SDT) would not fit the one TS packet each is sent in. */
  tableTooLarge: 'ERR_MPEGTS_TABLE_TOO_LARGE',
} as const;

export type MpegTsErrorCode = (typeof MpegTsErrorCode)[keyof typeof MpegTsErrorCode];

export class MpegTsError extends Error {
  readonly code: MpegTsErrorCode;

  constructor(code: MpegTsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MpegTsError';
    this.code = code;
  }
}
