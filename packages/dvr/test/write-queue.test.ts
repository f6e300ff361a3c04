import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WriteQueue } from '../src/index.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const chunk = (n: number): Uint8Array => new Uint8Array(n);

test('WriteQueue without coalescing writes each push at once, later pushes in the next write', async () => {
  const writes: number[] = [];
  let release: () => void = () => {};
  const queue = new WriteQueue(async (chunks) => {
    writes.push(chunks.reduce((n, c) => n + c.byteLength, 0));
    await new Promise<void>((resolve) => (release = resolve));
  }, assert.fail);
  queue.push([chunk(10)]);
  queue.push([chunk(20)]);
  queue.push([chunk(30)]);
  assert.deepEqual(writes, [10], 'the first write starts at once');
  assert.equal(queue.queuedBytes, 60);
  release();
  await sleep(0);
  assert.deepEqual(writes, [10, 50], 'what came meanwhile goes in one write');
  release();
  await queue.drained();
  assert.deepEqual([queue.queuedBytes, queue.writtenBytes], [0, 60]);
});

test('WriteQueue with coalescing waits for its bytes or its time, and drained() writes what waits at once', async () => {
  const writes: number[] = [];
  const queue = new WriteQueue(async (chunks) => void writes.push(chunks.reduce((n, c) => n + c.byteLength, 0)), assert.fail, { bytes: 1000, ms: 40 });
  queue.push([chunk(100)]);
  queue.push([chunk(100)]);
  await sleep(5);
  assert.deepEqual(writes, [], 'below the bytes and before the time: nothing written yet');
  await sleep(60);
  assert.deepEqual(writes, [200], 'the time ran out: one write of both');

  queue.push([chunk(600)]);
  queue.push([chunk(600)]);
  await sleep(0);
  assert.deepEqual(writes, [200, 1200], 'the bytes reached: written without waiting for the time');

  queue.push([chunk(10)]);
  await queue.drained();
  assert.deepEqual(writes, [200, 1200, 10], 'drained() does not wait for the timer');
  assert.deepEqual([queue.queuedBytes, queue.writtenBytes], [0, 1410]);
  await sleep(60);
  assert.equal(writes.length, 3, 'the cancelled timer writes nothing more');
});

test('WriteQueue: a failed write drops what is queued, cancels the timer and reports once', async () => {
  const errors: string[] = [];
  let writes = 0;
  const queue = new WriteQueue(
    async () => {
      writes++;
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    },
    (err) => errors.push(err.message),
    { bytes: 100, ms: 20 },
  );
  queue.push([chunk(150)]);
  await queue.drained();
  queue.push([chunk(10)]);
  await sleep(40);
  assert.deepEqual([writes, errors, queue.queuedBytes], [1, ['no space left on device'], 0]);
  assert.equal(queue.error?.message, 'no space left on device');
});
