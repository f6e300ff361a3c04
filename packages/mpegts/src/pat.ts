import { psiSection } from './psi-section.js';

export const PAT_PID = 0x0000;
const TABLE_ID_PAT = 0x00;

/** A program association section listing one program and the PID of its map (2.4.4.3). */
export function patSection(transportStreamId: number, programNumber: number, pmtPid: number): Uint8Array {
  const body = Uint8Array.of(programNumber >> 8, programNumber & 0xff, 0xe0 | (pmtPid >> 8), pmtPid & 0xff); // reserved '111'
  return psiSection(TABLE_ID_PAT, transportStreamId, 0, body);
}
