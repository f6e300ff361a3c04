import { FlvErrorCode, fourCcBytes, inspectAudio } from '@flvcast/flv';
import { audioPayloads, small } from '../corpus.js';
import { check, defineTarget } from '../harness.js';
import { bytesInput } from '../mutate.js';

const ex = (...parts: (number | Uint8Array)[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...p])));
/** Enhanced headers the corpus lacks: FLAC and AAC sequence starts, multichannel config, multitrack kinds, ModEx. */
const handSeeds = [
  ex(0x90 | 0, fourCcBytes('fLaC'), fourCcBytes('fLaC'), 0x80, 0, 0, 34, 0x10, 0x00, 0x10, 0x00, 0, 0, 0, 0, 0, 0, 0x0a, 0xc4, 0x42, 0xf0),
  ex(0x90 | 0, fourCcBytes('mp4a'), 0x12, 0x10),
  ex(0x90 | 4, fourCcBytes('Opus'), 0x01, 0x02, 0x00, 0x01),
  ex(0x90 | 5, (1 << 4) | 1, fourCcBytes('Opus'), 0, 0, 0, 3, 0xfc, 0xff, 0xfe),
  ex(0x90 | 5, (2 << 4) | 0, fourCcBytes('ac-3'), 1, 0, 0, 1, 0x0b),
  ex(0x90 | 7, 0x02, 0x00, 0x00, 0x10, 0x01, fourCcBytes('.mp3'), 0xff, 0xfb),
  ex(0x90 | 0, fourCcBytes('Opus'), ...new TextEncoder().encode('OpusHead'), 1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0),
  Uint8Array.of(0x2f, 0xff),
  Uint8Array.of(0xbe),
];

export default defineTarget({
  name: 'flv-audio-tag',
  entry: '@flvcast/flv inspectAudio (AudioTagHeader, ExAudioTagHeader, AAC/Opus/FLAC headers)',
  errorCodes: Object.values(FlvErrorCode),
  ciRuns: 20000,
  input: bytesInput([...small(audioPayloads(), 64), ...handSeeds], { markers: [0xaf, 0x2f, 0x90, 0x95, 0x97, 0x00, 0x01, 0x05, 0x07] }),
  run(payload) {
    const info = inspectAudio(payload);
    check(Number.isInteger(info.bodyOffset) && info.bodyOffset >= 0 && info.bodyOffset <= payload.length, () => `bodyOffset ${info.bodyOffset} outside a ${payload.length}-byte payload`);
    check(info.soundFormat >= 0 && info.soundFormat <= 15, 'SoundFormat out of its 4 bits');
    check(!(info.isSequenceHeader && info.isEndOfSequence), 'both sequence start and end');
    if (info.sampleRate !== undefined) check(Number.isInteger(info.sampleRate) && info.sampleRate >= 0 && info.sampleRate < 2 ** 24, () => `sample rate ${info.sampleRate}`);
    if (info.channels !== undefined) check(Number.isInteger(info.channels) && info.channels >= 0 && info.channels <= 255, () => `${info.channels} channels`);
    if (info.enhanced && info.fourcc !== undefined) check(info.fourcc.length === 4, 'FourCC of other than 4 characters');
  },
});
