/** Properties of the timestamp corrector (fast-check), for any input sequence whatever the encoder does. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TimestampCorrector } from '../src/index.js';

const step = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('media' as const), type: fc.constantFrom(8, 9), how: fc.constantFrom('step', 'same', 'back', 'jump', 'wrap', 'any'), value: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), gap: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.double({ min: 0, max: 1e7, noNaN: true })) }) },
);

test('timestamps: output starts at 0, is a non-negative integer, never goes back on a track, and never jumps by more than max(timeJumpMs, 1 s)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20_000 }), fc.array(step, { minLength: 1, maxLength: 60 }), (jumpMs, steps) => {
      const corrector = new TimestampCorrector(jumpMs);
      const lastByType = new Map<number, number>();
      let input = 0;
      let last = -1;
      let first = true;
      for (const s of steps) {
        if (s.kind === 'restart') {
          corrector.restart(s.gap);
          continue;
        }
        const v = s.value;
        input = (s.how === 'step' ? input + (v % 100) : s.how === 'same' ? input : s.how === 'back' ? input - (v % 10_000) : s.how === 'jump' ? input + (v % 2 ? 1 : -1) * v : s.how === 'wrap' ? 2 ** 32 - 1 - (v % 100) : v) >>> 0;
        const out = corrector.correct(s.type, input);
        assert.ok(Number.isSafeInteger(out) && out >= 0, `output ${out}`);
        if (first) assert.equal(out, 0, 'the stream starts at 0');
        first = false;
        const prev = lastByType.get(s.type);
        if (prev !== undefined) assert.ok(out >= prev, `track ${s.type} went back: ${prev} -> ${out}`);
        if (last >= 0) assert.ok(out <= last + Math.max(jumpMs, 1000), `a jump of ${out - last} ms (jumpMs ${jumpMs})`);
        lastByType.set(s.type, out);
        last = Math.max(last, out);
        assert.equal(corrector.last, last);
      }
    }),
    { numRuns: 1000 },
  );
});

test('timestamps: a steady stream passes through unchanged, shifted to start at 0', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 32 - 100_000 }), fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 50 }), (start, deltas) => {
      const corrector = new TimestampCorrector(5000);
      let t = start;
      assert.equal(corrector.correct(9, t), 0);
      for (const d of deltas) {
        t += d;
        assert.equal(corrector.correct(9, t), t - start);
      }
    }),
    { numRuns: 300 },
  );
});
