import fc from 'fast-check';
import { parseAudioSpecificConfig, parseAvcDecoderConfig, parseHevcDecoderConfig, sequenceHeaderProblem } from '@flvcast/flv';
import { audioSequenceHeaders, small, videoPayloads, videoSequenceHeaders } from '../corpus.js';
import { check, defineTarget } from '../harness.js';
import { bytesInput } from '../mutate.js';

const markers = [0x17, 0x1c, 0xaf, 0x90, 0x80, 0x00, 0x01];

export default defineTarget({
  name: 'sequence-header-problem',
  entry: '@flvcast/flv sequenceHeaderProblem',
  // It reports problems as strings: it never throws.
  errorCodes: [],
  ciRuns: 15000,
  input: fc.oneof(
    fc.record({ type: fc.constant(9 as const), payload: bytesInput([...videoSequenceHeaders(), ...small(videoPayloads(), 64)], { markers }) }),
    fc.record({ type: fc.constant(8 as const), payload: bytesInput(audioSequenceHeaders(), { markers }) }),
  ),
  run({ type, payload }) {
    const problem = sequenceHeaderProblem(type, payload);
    check(problem === undefined || (typeof problem === 'string' && problem.length > 0), 'a problem that is not a message');
    if (problem !== undefined) return;
    // A legacy sequence header it passes is one the hub can use: its record parses, with parameter sets.
    const b0 = payload[0] ?? 0;
    if (type === 9 && (b0 & 0x80) === 0 && payload[1] === 0 && payload.length >= 5) {
      const codecId = b0 & 0x0f;
      if (codecId === 7) {
        const c = parseAvcDecoderConfig(payload.subarray(5));
        check(c.sps.length > 0 && c.pps.length > 0, 'passed an avcC without SPS or PPS');
      } else if (codecId === 12) {
        const c = parseHevcDecoderConfig(payload.subarray(5));
        check(c.sps.length > 0 && c.pps.length > 0, 'passed an hvcC without SPS or PPS');
      }
    } else if (type === 8 && b0 >> 4 === 10 && payload[1] === 0) {
      parseAudioSpecificConfig(payload.subarray(2));
    }
  },
});
