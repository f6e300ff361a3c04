import { FlvErrorCode, parseAudioSpecificConfig } from '@flvcast/flv';
import { audioSpecificConfigs } from '../corpus.js';
import { check, defineTarget } from '../harness.js';
import { bytesInput } from '../mutate.js';

/** HE-AAC (explicit SBR), HE-AAC v2 (PS), an escaped object type, an explicit 24-bit rate. */
const handSeeds = [Uint8Array.of(0x2b, 0x92, 0x08, 0x00), Uint8Array.of(0xeb, 0x09, 0x88, 0x00), Uint8Array.of(0xf8, 0x0e, 0x50), Uint8Array.of(0x17, 0x80, 0x00, 0xac, 0x44, 0x10)];

export default defineTarget({
  name: 'audio-specific-config',
  entry: '@flvcast/flv parseAudioSpecificConfig (AAC AudioSpecificConfig)',
  errorCodes: Object.values(FlvErrorCode),
  ciRuns: 15000,
  input: bytesInput([...audioSpecificConfigs(), ...handSeeds], { markers: [0x12, 0x10, 0x11, 0x90, 0xf8] }),
  run(asc) {
    const c = parseAudioSpecificConfig(asc);
    check(Number.isInteger(c.sampleRate) && c.sampleRate >= 0 && c.sampleRate < 2 ** 24, () => `sample rate ${c.sampleRate}`);
    check(c.samplingFrequencyIndex >= 0 && c.samplingFrequencyIndex <= 15 && c.channelConfiguration <= 15, 'index or channel configuration beyond 4 bits');
    check(Number.isInteger(c.channels) && c.channels >= 0 && c.channels <= 24, () => `${c.channels} channels`);
  },
});
