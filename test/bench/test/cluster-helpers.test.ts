import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processTree, treeCpuDelta, type ProcEntry } from '../src/proc-stats.js';
import { shiftedLatency, timestampOffsets } from '../src/timestamp-offset.js';
import { splitViewers } from '../src/viewer-split.js';

test('viewers over two edges: each URL gets half the viewers and half the workers', () => {
  const shares = splitViewers(1000, 4, 2);
  assert.deepEqual(shares, [
    { count: 250, url: 0 },
    { count: 250, url: 1 },
    { count: 250, url: 0 },
    { count: 250, url: 1 },
  ]);
  // 3 processes allowed: cut to 2, one per URL, rather than 2 workers on one edge and 1 on the other
  assert.deepEqual(splitViewers(101, 3, 2), [
    { count: 51, url: 0 },
    { count: 50, url: 1 },
  ]);
});

test('one URL (or none given): the split the bench always made', () => {
  assert.deepEqual(splitViewers(10, 4), [
    { count: 3, url: 0 },
    { count: 3, url: 0 },
    { count: 2, url: 0 },
    { count: 2, url: 0 },
  ]);
  assert.deepEqual(splitViewers(0, 4), []);
  // fewer viewers than URLs: one worker, on the first URL
  assert.deepEqual(splitViewers(1, 4, 2), [{ count: 1, url: 0 }]);
});

const table: ProcEntry[] = [
  { pid: 1, ppid: 0, cpuMs: 5 },
  { pid: 100, ppid: 1, cpuMs: 1000 }, // the primary
  { pid: 101, ppid: 100, cpuMs: 400 }, // worker
  { pid: 102, ppid: 100, cpuMs: 300 }, // worker
  { pid: 103, ppid: 102, cpuMs: 7 }, // a worker's child
  { pid: 200, ppid: 1, cpuMs: 9000 }, // someone else
];

test('a process tree: the root and everything below it, nothing beside it', () => {
  assert.deepEqual(
    processTree(100, table).map((e) => e.pid).sort((a, b) => a - b),
    [100, 101, 102, 103],
  );
  assert.deepEqual(processTree(101, table).map((e) => e.pid), [101]);
  assert.deepEqual(processTree(999, table), []);
  // a table read while pids were reused can hold a cycle: it ends
  assert.deepEqual(
    processTree(5, [
      { pid: 5, ppid: 6, cpuMs: 0 },
      { pid: 6, ppid: 5, cpuMs: 0 },
    ]).map((e) => e.pid).sort(),
    [5, 6],
  );
});

test('CPU over a tree between two snapshots: a new worker counts from 0, a gone one is left out', () => {
  const before = new Map([
    [100, 1000],
    [101, 400],
    [102, 300],
  ]);
  const after = new Map([
    [100, 1100], // +100
    [101, 650], // +250
    // 102 died
    [104, 30], // restarted worker, born in the window: +30
  ]);
  assert.equal(treeCpuDelta(before, after), 380);
  assert.equal(treeCpuDelta(new Map(), new Map()), 0);
});

// published video: 30 fps, sizes that vary as an encoder's do
const published = new Map<number, number[]>();
const publishedAt = new Map<string, number>();
for (let f = 0; f < 300; f++) {
  const ts = 40_000 + Math.round((f * 1000) / 30);
  const size = 9000 + ((f * 7919) % 4001);
  published.set(size, [...(published.get(size) ?? []), ts]);
  publishedAt.set(`${ts}:${size}`, 1_000_000 + ts);
}
/** what a viewer of a pull that started at published `start` reports: [9, ts − start, size, arrival + 20 ms] */
function viewerSamples(start: number, frames: number[]): number[] {
  return frames.flatMap((f) => {
    const ts = 40_000 + Math.round((f * 1000) / 30);
    return [9, ts - start, 9000 + ((f * 7919) % 4001), 1_000_000 + ts + 20];
  });
}

test('the shift of a pull that restarted timestamps at 0 is found from frame sizes', () => {
  const samples = viewerSamples(42_000, Array.from({ length: 100 }, (_, i) => i + 60));
  assert.deepEqual(timestampOffsets(samples, published), [42_000]);
  // not enough video to decide
  assert.deepEqual(timestampOffsets(samples.slice(0, 16), published), []);
  // audio does not vote
  assert.deepEqual(timestampOffsets([8, 0, 9000, 1, 8, 23, 9000, 2, 8, 46, 9000, 3, 8, 69, 9000, 4, 8, 92, 9000, 5], published), []);
});

test('two pulls in one group of samples: both shifts, and each sample matched with its own', () => {
  const a = viewerSamples(42_000, Array.from({ length: 60 }, (_, i) => i + 60));
  const b = viewerSamples(44_000, Array.from({ length: 40 }, (_, i) => i + 90));
  const shifts = timestampOffsets([...a, ...b], published);
  assert.deepEqual(shifts, [42_000, 44_000]);
  const arrivalAt = (size: number) => (timestamp: number) => publishedAt.get(`${timestamp}:${size}`);
  for (const s of [a, b]) {
    for (let i = 0; i < s.length; i += 4) assert.equal(shiftedLatency(s[i + 3]!, s[i + 1]!, shifts, arrivalAt(s[i + 2]!)), 20);
  }
  // a sample no shift explains is not matched
  assert.equal(shiftedLatency(5, 1, shifts, () => undefined), undefined);
  // nor one that would arrive before it was published
  assert.equal(shiftedLatency(1_000_000, 0, [0], () => 1_000_010), undefined);
});
