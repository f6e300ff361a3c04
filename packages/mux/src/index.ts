export { FlvMuxer, flvFormat } from './flv-muxer.js';
export { TsMuxer, tsFormat } from './ts-muxer.js';
export { AdtsMuxer, adtsFormat } from './adts-muxer.js';
export { Mp3Muxer, mp3Format } from './mp3-muxer.js';
export { RtmpMuxer, rtmpFormat, type RtmpFormatOptions } from './rtmp-muxer.js';
export { playerMetadata } from './player-metadata.js';
