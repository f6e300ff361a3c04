import { FlvErrorCode, parseAvcDecoderConfig } from '@flvcast/flv';
import { avcConfigs } from '../corpus.js';
import { checkSize, checkViews } from '../codec-checks.js';
import { check, defineTarget } from '../harness.js';
import { bytesInput } from '../mutate.js';

export default defineTarget({
  name: 'avc-decoder-config',
  entry: '@flvcast/flv parseAvcDecoderConfig (AVCDecoderConfigurationRecord)',
  errorCodes: Object.values(FlvErrorCode),
  ciRuns: 12000,
  input: bytesInput(avcConfigs(), { markers: [0x01, 0xe1, 0xff, 0x67, 0x68] }),
  run(record) {
    const c = parseAvcDecoderConfig(record);
    check([1, 2, 3, 4].includes(c.nalLengthSize), `NAL length size ${c.nalLengthSize}`);
    check(c.sps.length <= 31, 'more SPS than the 5-bit count allows');
    checkViews('avcC', record, [...c.sps, ...c.pps]);
    checkSize('avcC', c.width, c.height);
  },
});
