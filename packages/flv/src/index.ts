export { FlvError, FlvErrorCode } from './flv-error.js';
export { TagType } from './tag-type.js';
export {
  FLV_HEADER_SIZE,
  checkFlvSignature,
  decodeFlvHeader,
  encodeFlvHeader,
  type FlvHeader,
  type FlvHeaderFlags,
} from './flv-header.js';
export { FLV_MAX_TAG_DATA_SIZE, FLV_TAG_HEADER_SIZE, encodeTag, type FlvTag } from './flv-tag.js';
export { FlvDemuxer, type FlvDemuxerOptions } from './flv-demuxer.js';
export { fourCcBytes, readFourCc } from './four-cc.js';
export { AvMultitrackType } from './av-multitrack-type.js';
export {
  AvcPacketType,
  VideoCodecId,
  VideoFrameType,
  VideoPacketType,
  inspectVideo,
  type VideoInfo,
} from './video-tag.js';
export { AacPacketType, AudioPacketType, SoundFormat, inspectAudio, type AudioInfo } from './audio-tag.js';
export { decodeScriptData, encodeOnMetaData, type ScriptData } from './script-data.js';
export { BitReader, nalToRbsp } from './bit-reader.js';
export { parseAvcSps, type AvcSps } from './avc-sps.js';
export { parseAvcDecoderConfig, type AvcDecoderConfig } from './avc-decoder-config.js';
export { parseHevcSps, type HevcSps } from './hevc-sps.js';
export { parseHevcDecoderConfig, type HevcDecoderConfig } from './hevc-decoder-config.js';
export {
  AAC_SAMPLE_RATES,
  parseAudioSpecificConfig,
  type AudioSpecificConfig,
} from './audio-specific-config.js';
export { sequenceHeaderProblem } from './sequence-header-problem.js';
export { ADTS_HEADER_SIZE, ADTS_MAX_FRAME_SIZE, adtsHeader } from './adts-header.js';
export {
  FlvFileIndexer,
  MAX_SEQUENCE_HEADERS,
  configurationsBefore,
  indexFlv,
  seekableLayout,
  withKeyframeIndex,
  type FlvFileIndex,
  type SeekableLayout,
  type TagSpan,
} from './flv-file-index.js';
export { FlvTagScanner, type FlvTagScannerOptions, type ScannedTag } from './flv-tag-scanner.js';
export { isPaddingKey, paddedOnMetaDataTag } from './padded-metadata.js';
