export { FlvMuxer, flvFormat } from './flv-muxer.js';
