import { FlvErrorCode, parseHevcDecoderConfig } from '@flvcast/flv';
import { hevcConfigs } from '../corpus.js';
import { checkSize, checkViews } from '../codec-checks.js';
import { check, defineTarget } from '../harness.js';
import { bytesInput } from '../mutate.js';

export default defineTarget({
  name: 'hevc-decoder-config',
  entry: '@flvcast/flv parseHevcDecoderConfig (HEVCDecoderConfigurationRecord)',
  errorCodes: Object.values(FlvErrorCode),
  ciRuns: 12000,
  input: bytesInput(hevcConfigs(), { markers: [0x01, 0x03, 0xa0, 0xa1, 0xa2, 0x20, 0x21, 0x22, 0x40, 0x42, 0x44] }),
  run(record) {
    const c = parseHevcDecoderConfig(record);
    check([1, 2, 3, 4].includes(c.nalLengthSize), `NAL length size ${c.nalLengthSize}`);
    check(c.bitDepthLuma >= 8 && c.bitDepthLuma <= 15 && c.bitDepthChroma >= 8 && c.bitDepthChroma <= 15, 'bit depth out of its 3 bits');
    checkViews('hvcC', record, [...c.vps, ...c.sps, ...c.pps]);
    checkSize('hvcC', c.width, c.height);
  },
});
