import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndReason, Hub, SubscriberEndReason } from '../src/index.js';

test('renamed APIs keep their old names for one release', () => {
  const hub = new Hub();
  hub.publish({ vhost: '', app: 'live', stream: 'a' }, { protocol: 'test' });
  assert.deepEqual([...hub.streams()].map((s) => s.name), [...hub.list()].map((s) => s.name));
  // SubscriberEndReason is EndReason without the reasons it did not have.
  for (const [name, value] of Object.entries(SubscriberEndReason)) assert.equal(EndReason[name as keyof typeof EndReason], value);
});
