import { psiSection } from './psi-section.js';

export const SDT_PID = 0x0011;
const TABLE_ID_SDT_ACTUAL = 0x42;
const TAG_SERVICE_DESCRIPTOR = 0x48;

/** service_type values (ETSI EN 300 468 Table 87). */
export const ServiceType = {
  digitalTelevision: 0x01,
  digitalRadio: 0x02,
} as const;

/** Longest service name we send: the whole SDT must fit one packet. */
export const MAX_SERVICE_NAME_BYTES = 96;

export interface SdtService {
  readonly transportStreamId: number;
  readonly originalNetworkId: number;
  /** The same as the PAT's program_number. */
  readonly serviceId: number;
  readonly serviceType: number;
  readonly provider: string;
  readonly name: string;
}

/**
 * A service description section for the actual transport stream (ETSI EN 300 468 5.2.3): one service,
 * running, not scrambled, with a service descriptor (6.2.33) naming provider and service. Set-top boxes and
 * TS analysers expect it beside the PAT and PMT.
 */
export function sdtSection(service: SdtService, version = 0): Uint8Array {
  const provider = dvbText(service.provider);
  const name = dvbText(service.name);
  const descriptorLength = 3 + provider.length + name.length;
  const body = new Uint8Array(3 + 5 + 2 + descriptorLength);
  body[0] = service.originalNetworkId >> 8;
  body[1] = service.originalNetworkId & 0xff;
  body[2] = 0xff; // reserved_future_use
  body[3] = service.serviceId >> 8;
  body[4] = service.serviceId & 0xff;
  body[5] = 0xfc; // reserved_future_use '111111', no EIT schedule, no EIT present/following
  const loop = 2 + descriptorLength;
  body[6] = 0x80 | (loop >> 8); // running_status 4 (running), free_CA_mode 0
  body[7] = loop & 0xff;
  body[8] = TAG_SERVICE_DESCRIPTOR;
  body[9] = descriptorLength;
  body[10] = service.serviceType;
  body[11] = provider.length;
  body.set(provider, 12);
  body[12 + provider.length] = name.length;
  body.set(name, 13 + provider.length);
  return psiSection(TABLE_ID_SDT_ACTUAL, service.transportStreamId, version, body, 1);
}

/**
 * A DVB string (EN 300 468 Annex A): plain ASCII as is (the default table agrees with it there); anything
 * else UTF-8 behind the 0x15 selector. Cut to MAX_SERVICE_NAME_BYTES on a character boundary.
 */
export function dvbText(text: string): Uint8Array {
  const utf8 = new TextEncoder().encode(text);
  const ascii = utf8.every((b) => b >= 0x20 && b < 0x7f);
  const limit = ascii ? MAX_SERVICE_NAME_BYTES : MAX_SERVICE_NAME_BYTES - 1;
  let end = Math.min(utf8.length, limit);
  while (end < utf8.length && end > 0 && (utf8[end]! & 0xc0) === 0x80) end--; // not inside a character
  if (ascii) return utf8.subarray(0, end);
  const out = new Uint8Array(end + 1);
  out[0] = 0x15;
  out.set(utf8.subarray(0, end), 1);
  return out;
}
