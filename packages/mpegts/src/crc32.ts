/**
 * The CRC of PSI sections (ISO/IEC 13818-1 Annex A): CRC-32 with polynomial 0x04C11DB7, register preset to
 * all ones, MSB first, no final inversion, so a section followed by its CRC sums to 0.
 */
const TABLE: Readonly<Uint32Array> = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32Mpeg2(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = ((crc << 8) ^ TABLE[((crc >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  return crc;
}
