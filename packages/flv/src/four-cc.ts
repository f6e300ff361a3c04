/** Reads 4 bytes at `offset` as a FourCC string (e.g. "hvc1"). Caller checks the bounds. */
export function readFourCc(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
}

/** Writes a FourCC string as 4 bytes; handy for building Enhanced RTMP headers. */
export function fourCcBytes(fourcc: string): Uint8Array {
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) out[i] = fourcc.charCodeAt(i) & 0xff;
  return out;
}
