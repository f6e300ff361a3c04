import { wrap33 } from './ts-packet.js';

/** PES stream_id values we send (ISO/IEC 13818-1 Table 2-22). */
export const PesStreamId = {
  video: 0xe0,
  audio: 0xc0,
  /** Opus goes in private_stream_1, as its TS mapping says. */
  privateStream1: 0xbd,
} as const;

/** Bytes of a PES header with PTS only (9 + 5) or PTS and DTS (9 + 10). */
export function pesHeaderSize(withDts: boolean): number {
  return withDts ? 19 : 14;
}

/**
 * Writes a PES packet header at `at` (2.4.3.6). `payloadLength` is the elementary stream bytes that follow;
 * 0 or too long for 16 bits writes PES_packet_length 0 (unbounded), allowed for video in a TS only. DTS is
 * written when given and different from PTS. Returns the header size.
 */
export function writePesHeader(out: Uint8Array, at: number, streamId: number, payloadLength: number, pts: number, dts?: number): number {
  const withDts = dts !== undefined && wrap33(dts) !== wrap33(pts);
  const size = pesHeaderSize(withDts);
  const length = payloadLength === 0 ? 0 : payloadLength + size - 6;
  out[at] = 0;
  out[at + 1] = 0;
  out[at + 2] = 1;
  out[at + 3] = streamId;
  const pesLength = length > 0xffff ? 0 : length;
  out[at + 4] = pesLength >> 8;
  out[at + 5] = pesLength & 0xff;
  out[at + 6] = 0x84; // '10', not scrambled, no priority, data_alignment_indicator: each PES starts an access unit
  out[at + 7] = withDts ? 0xc0 : 0x80; // PTS_DTS_flags, no other optional fields
  out[at + 8] = size - 9; // PES_header_data_length
  writeTimestamp(out, at + 9, withDts ? 0b0011 : 0b0010, pts);
  if (withDts) writeTimestamp(out, at + 14, 0b0001, dts);
  return size;
}

/** A 33-bit PTS/DTS in 5 bytes: 4-bit prefix, then 3 + 15 + 15 bits, each group followed by a marker bit. */
export function writeTimestamp(out: Uint8Array, at: number, prefix: number, ticks: number): void {
  const t = wrap33(ticks);
  const low = t % 0x40000000; // bits 29..0
  out[at] = (prefix << 4) | ((Math.floor(t / 0x40000000) & 0x07) << 1) | 1;
  out[at + 1] = (low >>> 22) & 0xff;
  out[at + 2] = (((low >>> 15) & 0x7f) << 1) | 1;
  out[at + 3] = (low >>> 7) & 0xff;
  out[at + 4] = ((low & 0x7f) << 1) | 1;
}
