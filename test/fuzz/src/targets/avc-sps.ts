import { FlvErrorCode, parseAvcSps } from '@flvcast/flv';
import { avcSpsNals } from '../corpus.js';
import { checkSize } from '../codec-checks.js';
import { check, defineTarget } from '../harness.js';
import { bytesInput } from '../mutate.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
/** SPS shapes the corpus lacks: baseline with cropping (a fixture), pic_order_cnt_type 1, 4:4:4 with scaling lists. */
const handSeeds = [
  hex('6742c01ed90141fb011000000300'),
  hex('6742001e 8d 68 50 5f 40'),
  hex('67f4001e 91 b3 fa 20 04 23 e4 2f ff fc 00 04 00 05 a8 08'),
];

export default defineTarget({
  name: 'avc-sps',
  entry: '@flvcast/flv parseAvcSps (H.264 sequence parameter set)',
  errorCodes: Object.values(FlvErrorCode),
  ciRuns: 12000,
  input: bytesInput([...avcSpsNals(), ...handSeeds], { markers: [0x67, 0x64, 0x42, 0x4d, 0xf4, 0x03] }),
  run(nal) {
    const sps = parseAvcSps(nal);
    check(sps.profile <= 255 && sps.level <= 255 && sps.compatibility <= 255, 'profile/level/compatibility beyond a byte');
    checkSize('SPS', sps.width, sps.height);
  },
});
