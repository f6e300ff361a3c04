export { FlvMuxer, flvFormat } from './flv-muxer.js';
export { TsMuxer, tsFormat } from './ts-muxer.js';
