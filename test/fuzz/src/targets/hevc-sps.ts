import { FlvErrorCode, parseHevcSps } from '@flvcast/flv';
import { hevcSpsNals } from '../corpus.js';
import { checkSize } from '../codec-checks.js';
import { check, defineTarget } from '../harness.js';
import { bytesInput } from '../mutate.js';

export default defineTarget({
  name: 'hevc-sps',
  entry: '@flvcast/flv parseHevcSps (H.265 sequence parameter set)',
  errorCodes: Object.values(FlvErrorCode),
  ciRuns: 12000,
  input: bytesInput(hevcSpsNals(), { markers: [0x42, 0x01, 0x03, 0x00] }),
  run(nal) {
    const sps = parseHevcSps(nal);
    check(sps.profile <= 31 && sps.tier <= 1 && sps.level <= 255, 'profile/tier/level beyond their fields');
    checkSize('SPS', sps.width, sps.height);
  },
});
