export { MpegTsError, MpegTsErrorCode } from './mpegts-error.js';
export { crc32Mpeg2 } from './crc32.js';
export {
  AdaptationFieldControl,
  AdaptationFlag,
  TS_PACKET_SIZE,
  TS_PAYLOAD_SIZE,
  TS_SYNC_BYTE,
  wrap33,
  writeAdaptationOnlyPacket,
  writePcr,
  writeTsHeader,
} from './ts-packet.js';
export { MAX_SINGLE_PACKET_SECTION, psiSection, writeSectionPacket } from './psi-section.js';
export { PAT_PID, patSection } from './pat.js';
export { opusDescriptors, pmtSection, type PmtStream } from './pmt.js';
export { MAX_SERVICE_NAME_BYTES, SDT_PID, ServiceType, dvbText, sdtSection, type SdtService } from './sdt.js';
export { StreamType } from './stream-type.js';
export { PesStreamId, pesHeaderSize, writePesHeader, writeTimestamp } from './pes-header.js';
export { NalType, isAud, isRandomAccess, isSps, nalUnitType, splitLengthPrefixed, type VideoCodec } from './nal-units.js';
export { annexBAccessUnit, type AnnexBAccessUnit } from './annex-b.js';
export { opusControlHeader } from './opus-control-header.js';
export {
  PCR_GAP_MAX_MS,
  PCR_INTERVAL_MS,
  PCR_OFFSET_MS,
  PSI_INTERVAL_MS,
  TICKS_PER_MS,
  TsPid,
  TsWriter,
  type AudioAccessUnit,
  type TsAudioTrack,
  type TsProgram,
  type TsSnapshot,
  type TsTables,
  type TsVideoTrack,
  type TsWriterOptions,
  type VideoAccessUnit,
} from './ts-writer.js';
