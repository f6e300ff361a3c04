import { psiSection } from './psi-section.js';

const TABLE_ID_PMT = 0x02;

export interface PmtStream {
  readonly streamType: number;
  readonly pid: number;
  /** ES_info descriptors, already encoded (tag, length, data). */
  readonly descriptors?: Uint8Array;
}

/** A TS program map section (2.4.4.8): the PCR PID, no program descriptors, then each elementary stream. */
export function pmtSection(programNumber: number, version: number, pcrPid: number, streams: readonly PmtStream[]): Uint8Array {
  let size = 4;
  for (const s of streams) size += 5 + (s.descriptors?.length ?? 0);
  const body = new Uint8Array(size);
  body[0] = 0xe0 | (pcrPid >> 8); // reserved '111'
  body[1] = pcrPid & 0xff;
  body[2] = 0xf0; // reserved '1111', program_info_length 0
  body[3] = 0;
  let p = 4;
  for (const s of streams) {
    const info = s.descriptors?.length ?? 0;
    body[p++] = s.streamType;
    body[p++] = 0xe0 | (s.pid >> 8);
    body[p++] = s.pid & 0xff;
    body[p++] = 0xf0 | (info >> 8);
    body[p++] = info & 0xff;
    if (s.descriptors !== undefined) body.set(s.descriptors, p);
    p += info;
  }
  return psiSection(TABLE_ID_PMT, programNumber, version, body);
}

/**
 * The descriptors that mark an Opus stream (stream_type 0x06), as ffmpeg and GStreamer read them: a
 * registration descriptor with format_identifier 'Opus', and a DVB extension descriptor (tag 0x7F) whose
 * extension tag 0x80 carries the channel_config_code (the channel count for the standard mappings of 1–8
 * channels).
 */
export function opusDescriptors(channels: number): Uint8Array {
  const code = channels >= 1 && channels <= 8 ? channels : 2;
  return Uint8Array.of(0x05, 4, 0x4f, 0x70, 0x75, 0x73, 0x7f, 2, 0x80, code);
}
