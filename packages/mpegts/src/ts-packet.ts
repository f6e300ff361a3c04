/** Transport stream packet layout (ISO/IEC 13818-1 2.4.3.2). */
export const TS_PACKET_SIZE = 188;
export const TS_SYNC_BYTE = 0x47;
/** Bytes after the 4-byte header: adaptation field and payload share them. */
export const TS_PAYLOAD_SIZE = 184;

/** adaptation_field_control values. */
export const AdaptationFieldControl = {
  payloadOnly: 0b01,
  adaptationOnly: 0b10,
  adaptationAndPayload: 0b11,
} as const;

/** The adaptation field's flag byte. */
export const AdaptationFlag = {
  discontinuity: 0x80,
  randomAccess: 0x40,
  pcr: 0x10,
} as const;

/** Writes the 4-byte packet header at `at`. */
export function writeTsHeader(out: Uint8Array, at: number, pid: number, payloadStart: boolean, afc: number, cc: number): void {
  out[at] = TS_SYNC_BYTE;
  out[at + 1] = (payloadStart ? 0x40 : 0) | ((pid >> 8) & 0x1f); // no transport error, no priority
  out[at + 2] = pid & 0xff;
  out[at + 3] = (afc << 4) | (cc & 0x0f); // not scrambled
}

/**
 * Writes a program_clock_reference (6 bytes) at `at`: a 33-bit base at 90 kHz (wrapped here), 6 reserved
 * bits, and a 9-bit extension of 27 MHz ticks, 0 since our clock is whole 90 kHz ticks.
 */
export function writePcr(out: Uint8Array, at: number, base: number): void {
  const b = wrap33(base);
  const low = b % 0x100000000;
  out[at] = Math.floor(b / 0x2000000) & 0xff; // bits 32..25
  out[at + 1] = (low >>> 17) & 0xff;
  out[at + 2] = (low >>> 9) & 0xff;
  out[at + 3] = (low >>> 1) & 0xff;
  out[at + 4] = ((low & 1) << 7) | 0x7e; // base bit 0, reserved '111111', extension bit 8 = 0
  out[at + 5] = 0;
}

/**
 * One packet of adaptation field only (no payload, so its continuity counter repeats the last one: the
 * counter counts payloads): a PCR, a discontinuity flag, or both, then stuffing.
 */
export function writeAdaptationOnlyPacket(out: Uint8Array, at: number, pid: number, cc: number, flags: number, pcr?: number): void {
  writeTsHeader(out, at, pid, false, AdaptationFieldControl.adaptationOnly, cc);
  out[at + 4] = TS_PAYLOAD_SIZE - 1; // adaptation_field_length: the rest of the packet
  out[at + 5] = flags | (pcr !== undefined ? AdaptationFlag.pcr : 0);
  let p = at + 6;
  if (pcr !== undefined) {
    writePcr(out, p, pcr);
    p += 6;
  }
  out.fill(0xff, p, at + TS_PACKET_SIZE);
}

/** 90 kHz values wrap at 2^33 in PTS, DTS and PCR base. */
export function wrap33(ticks: number): number {
  const m = ticks % 0x200000000;
  return m < 0 ? m + 0x200000000 : m;
}
