export const Amf0ErrorCode = {
  truncated: 'ERR_AMF0_TRUNCATED',
  unsupportedType: 'ERR_AMF0_UNSUPPORTED_TYPE',
  tooDeep: 'ERR_AMF0_TOO_DEEP',
  badReference: 'ERR_AMF0_BAD_REFERENCE',
  tooLarge: 'ERR_AMF0_TOO_LARGE',
} as const;
export type Amf0ErrorCode = (typeof Amf0ErrorCode)[keyof typeof Amf0ErrorCode];

export class Amf0Error extends Error {
  override readonly name = 'Amf0Error';
  constructor(
    readonly code: Amf0ErrorCode,
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
  }
}
