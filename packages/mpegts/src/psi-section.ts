import { crc32Mpeg2 } from './crc32.js';
import { MpegTsError, MpegTsErrorCode } from './mpegts-error.js';
import { AdaptationFieldControl, TS_PACKET_SIZE, TS_PAYLOAD_SIZE, writeTsHeader } from './ts-packet.js';

/**
 * The longest section we send: what one packet holds after its pointer_field and a 2-byte adaptation field
 * (a resync sends the tables with the discontinuity indicator).
 */
export const MAX_SINGLE_PACKET_SECTION = TS_PAYLOAD_SIZE - 1 - 2;

/**
 * A long-form PSI section (ISO/IEC 13818-1 2.4.4.10; SDT has the same frame): the 8-byte header, `body`,
 * and the CRC. Single section (number 0 of 0), current (current_next_indicator 1).
 * `privateBit` is the bit after section_syntax_indicator: '0' in PAT/PMT, reserved_future_use '1' in DVB tables.
 */
export function psiSection(tableId: number, tableIdExtension: number, version: number, body: Uint8Array, privateBit = 0): Uint8Array {
  const size = 8 + body.length + 4;
  if (size > MAX_SINGLE_PACKET_SECTION) {
    throw new MpegTsError(MpegTsErrorCode.tableTooLarge, `table 0x${tableId.toString(16)} needs ${size} bytes, one packet holds ${MAX_SINGLE_PACKET_SECTION}`);
  }
  const s = new Uint8Array(size);
  const sectionLength = size - 3; // counts what follows the length field, CRC included
  s[0] = tableId;
  s[1] = 0x80 | (privateBit << 6) | 0x30 | (sectionLength >> 8); // section_syntax_indicator 1, reserved '11'
  s[2] = sectionLength & 0xff;
  s[3] = tableIdExtension >> 8;
  s[4] = tableIdExtension & 0xff;
  s[5] = 0xc0 | ((version & 0x1f) << 1) | 1; // reserved '11', version, current_next_indicator 1
  s[6] = 0; // section_number
  s[7] = 0; // last_section_number
  s.set(body, 8);
  const crc = crc32Mpeg2(s, 0, size - 4);
  s[size - 4] = crc >>> 24;
  s[size - 3] = (crc >>> 16) & 0xff;
  s[size - 2] = (crc >>> 8) & 0xff;
  s[size - 1] = crc & 0xff;
  return s;
}

/**
 * One packet carrying a whole section: payload_unit_start, pointer_field 0, the section, 0xFF stuffing. With
 * `afFlags` (the discontinuity indicator), a 2-byte adaptation field carrying them comes first.
 */
export function writeSectionPacket(out: Uint8Array, at: number, pid: number, cc: number, section: Uint8Array, afFlags = 0): void {
  let p = at + 4;
  if (afFlags !== 0) {
    writeTsHeader(out, at, pid, true, AdaptationFieldControl.adaptationAndPayload, cc);
    out[p++] = 1; // adaptation_field_length: the flags byte only
    out[p++] = afFlags;
  } else {
    writeTsHeader(out, at, pid, true, AdaptationFieldControl.payloadOnly, cc);
  }
  out[p++] = 0; // pointer_field: the section starts right after it
  out.set(section, p);
  out.fill(0xff, p + section.length, at + TS_PACKET_SIZE);
}
