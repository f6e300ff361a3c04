export { Amf0Marker } from './amf0-marker.js';
export { Amf0Error, Amf0ErrorCode } from './amf0-error.js';
export { Amf0EcmaArray, type Amf0Object, type Amf0Value } from './amf0-value.js';
export { Amf0Reader, decodeAmf0 } from './amf0-reader.js';
export { encodeAmf0 } from './amf0-writer.js';
