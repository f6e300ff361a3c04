import { FlvErrorCode, inspectVideo, indexFlv, withKeyframeIndex } from '@flvcast/flv';
import { flvFiles } from '../corpus.js';
import { check, defineTarget } from '../harness.js';
import { bytesInput } from '../mutate.js';

const u24 = (b: Uint8Array, at: number): number => (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;

/** Whole files, torn ones (a crash mid-write), and ones cut inside the header. */
const seeds = () => flvFiles().flatMap((f) => [f, f.subarray(0, Math.floor(f.length / 2) + 7), f.subarray(0, 600), f.subarray(0, 12)]);

export default defineTarget({
  name: 'flv-file-index',
  entry: '@flvcast/flv indexFlv / withKeyframeIndex',
  errorCodes: Object.values(FlvErrorCode),
  ciRuns: 3000,
  input: bytesInput(seeds(), { markers: [8, 9, 18, 0x17, 0x27, 0x46, 0x4c, 0x56] }),
  run(bytes) {
    const index = indexFlv(bytes);
    check(index.validEnd <= bytes.length, () => `validEnd ${index.validEnd} past the input (${bytes.length})`);
    check(index.duration >= 0 && Number.isFinite(index.duration), () => `duration ${index.duration}`);
    const { times, filepositions } = index.keyframes;
    check(times.length === filepositions.length, 'keyframes times and filepositions differ in length');
    filepositions.forEach((p, i) => check(i === 0 || p > filepositions[i - 1]!, 'filepositions do not ascend'));

    // The rewritten file: every index entry points at a whole video keyframe tag, at the time it says, and
    // the same tags (all but the old onMetaData) follow; a second rewrite changes nothing.
    const out = withKeyframeIndex(bytes, index);
    const again = indexFlv(out);
    check(again.validEnd === out.length, () => `the rewrite has a torn tail (${again.validEnd} of ${out.length})`);
    check(again.tags === index.tags + (index.metadata === undefined ? 1 : 0), () => `${index.tags} tags became ${again.tags}`);
    check(again.metadata !== undefined && again.metadata.values.filesize === out.length, 'onMetaData filesize is not the file size');
    check(again.keyframes.filepositions.length === filepositions.length, 'the rewrite lost or gained keyframes');
    const indexed = again.metadata.values.keyframes as { times: number[]; filepositions: number[] };
    indexed.filepositions.forEach((p, i) => {
      check(p + 11 <= out.length && (out[p]! & 0x1f) === 9, () => `index entry ${i} (${p}) is not a video tag`);
      check(inspectVideo(out.subarray(p + 11, p + 11 + u24(out, p + 1))).isKeyframe, () => `index entry ${i} (${p}) is not a keyframe`);
      check(p === again.keyframes.filepositions[i], () => `index entry ${i} says ${p}, the scan finds ${again.keyframes.filepositions[i]}`);
      check(indexed.times[i] === times[i], () => `index entry ${i} time ${indexed.times[i]}, scanned ${times[i]}`);
    });
    const twice = withKeyframeIndex(out, again);
    check(twice.length === out.length && twice.every((b, i) => b === out[i]), 'a second rewrite changed the file');
  },
});
