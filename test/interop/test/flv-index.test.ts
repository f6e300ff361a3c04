/**
 * The FLV seek index (`indexFlv`, `withKeyframeIndex`) on files a real encoder wrote: ffmpeg's FLV (which has
 * no keyframes index unless asked), whole and cut mid-tag as a crash leaves a recording; ffprobe and ffmpeg
 * read the result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeScriptData, indexFlv, inspectVideo, withKeyframeIndex } from '@flvcast/flv';
import { decode, fixtureFlv, probe } from '../src/tools.js';

test("ffmpeg's FLV, whole and torn mid-tag: the rewritten file has a keyframes index ffprobe and ffmpeg accept", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flvcast-index-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const original = new Uint8Array(readFileSync(await fixtureFlv()));
  for (const [name, bytes] of [['whole', original], ['torn', original.subarray(0, Math.floor(original.length * 0.7))]] as const) {
    const index = indexFlv(bytes);
    assert.equal(index.keyframes.times.length >= (name === 'whole' ? 6 : 4), true, `${name}: a keyframe per 1 s GOP (${index.keyframes.times.join(', ')})`);
    const out = withKeyframeIndex(bytes, index);
    const file = join(dir, `${name}.flv`);
    writeFileSync(file, out);

    const again = indexFlv(out);
    assert.equal(again.validEnd, out.length, `${name}: every tag whole`);
    const meta = decodeScriptData(out.subarray(13 + 11, again.metadata!.end - 4)).value as { duration: number; filesize: number; keyframes: { times: number[]; filepositions: number[] } };
    assert.equal(meta.filesize, out.length);
    assert.deepEqual(meta.keyframes.filepositions, again.keyframes.filepositions);
    for (const pos of meta.keyframes.filepositions) {
      const size = (out[pos + 1]! << 16) | (out[pos + 2]! << 8) | out[pos + 3]!;
      assert.equal(out[pos] === 9 && inspectVideo(out.subarray(pos + 11, pos + 11 + size)).isKeyframe, true, `${name}: a keyframe tag at ${pos}`);
    }

    const probed = await probe(file);
    const duration = Number(probed.format?.duration);
    assert.ok(Math.abs(duration - meta.duration) < 0.2, `${name}: ffprobe's duration ${duration} s against the index's ${meta.duration} s: ${probed.stderr}`);
    const decoded = await decode(file, 10);
    assert.equal(decoded.code, 0, decoded.stderr);
    assert.equal(decoded.stderr.trim(), '', `${name}: ffmpeg decodes it with no error line`);
  }
});
