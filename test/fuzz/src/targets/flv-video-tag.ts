import { FlvErrorCode, fourCcBytes, inspectVideo } from '@flvcast/flv';
import { small, videoPayloads } from '../corpus.js';
import { check, defineTarget } from '../harness.js';
import { bytesInput } from '../mutate.js';

const ex = (...parts: (number | Uint8Array)[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...p])));
/** Enhanced headers the corpus lacks: ModEx with a 2-byte size, multitrack (three kinds), command frames, metadata, AV1/VP9. */
const handSeeds = [
  ex(0x80 | (1 << 4) | 7, 0xff, 0x00, 0x01, new Uint8Array(2), 0x01, fourCcBytes('avc1'), 0, 0, 1, 0x65),
  ex(0x80 | (1 << 4) | 6, (0 << 4) | 1, fourCcBytes('hvc1'), 0, 0, 0, 0, 0x26),
  ex(0x80 | (1 << 4) | 6, (1 << 4) | 0, fourCcBytes('av01'), 1, 0, 0, 4, 0x81, 0, 0, 0),
  ex(0x80 | (2 << 4) | 6, (2 << 4) | 3, fourCcBytes('vp09'), 2, 0, 0, 2, 0x00, 0x01),
  ex(0x80 | (5 << 4) | 0, 0x01),
  ex(0x80 | (5 << 4) | 4, fourCcBytes('hvc1'), 0x02, 0x00, 0x09, 0x63),
  ex(0x80 | (1 << 4) | 0, fourCcBytes('av01'), 0x81, 0x00, 0x0c, 0x00),
  ex(0x80 | (1 << 4) | 5, fourCcBytes('vp09'), 0x01),
  Uint8Array.of(0x52, 0x00),
  Uint8Array.of(0x12, 0x00, 0x01),
];

export default defineTarget({
  name: 'flv-video-tag',
  entry: '@flvcast/flv inspectVideo (VideoTagHeader, ExVideoTagHeader: ModEx, multitrack)',
  errorCodes: Object.values(FlvErrorCode),
  ciRuns: 20000,
  input: bytesInput([...small(videoPayloads(), 64), ...handSeeds], { markers: [0x80, 0x90, 0x17, 0x27, 0x1c, 0x57, 0x07, 0x06, 0x05, 0x03, 0x68, 0x76, 0x63, 0x31] }),
  run(payload) {
    const info = inspectVideo(payload);
    check(Number.isInteger(info.bodyOffset) && info.bodyOffset >= 0 && info.bodyOffset <= payload.length, () => `bodyOffset ${info.bodyOffset} outside a ${payload.length}-byte payload`);
    check(info.frameType >= 0 && info.frameType <= 7, 'frameType out of its 3 bits');
    if (info.compositionTime !== undefined) check(Number.isInteger(info.compositionTime) && Math.abs(info.compositionTime) <= 0x800000, 'composition time outside SI24');
    check(!(info.isKeyframe && (info.isSequenceHeader || info.isCommandFrame || info.isEndOfSequence)), 'a keyframe that is also configuration or a command');
    check(typeof info.codec === 'string' && info.codec.length > 0, 'no codec name');
    if (info.enhanced && info.fourcc !== undefined) check(info.fourcc.length === 4, 'FourCC of other than 4 characters');
    if (info.trackId !== undefined) check(info.trackId >= 0 && info.trackId <= 255, 'track id out of UI8');
  },
});
