/** stream_type values of the PMT (ISO/IEC 13818-1 Table 2-34) for what we carry. */
export const StreamType = {
  /** ISO/IEC 11172-3 audio: MP3 at 32, 44.1 and 48 kHz. */
  mpeg1Audio: 0x03,
  /** ISO/IEC 13818-3 audio: MP3 at the half (LSF) and quarter rates. */
  mpeg2Audio: 0x04,
  /** PES private data: Opus, told apart by its registration descriptor. */
  privatePes: 0x06,
  /** AAC in ADTS framing (ISO/IEC 13818-7). */
  adtsAac: 0x0f,
  h264: 0x1b,
  hevc: 0x24,
} as const;
