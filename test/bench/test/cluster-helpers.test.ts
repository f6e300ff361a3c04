import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processTree, treeCpuDelta, type ProcEntry } from '../src/proc-stats.js';
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
