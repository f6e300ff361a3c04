import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Amf0Object } from '@flvcast/amf0';
import { forwardHops } from '../src/forward-hops.js';
import { rtmpClient, startApp, until } from './test-client.js';

/** A real TCP publisher whose connect carries `connectProperties` (a forwarding server's flvcastHops). */
const publisher = (port: number, name: string, connectProperties: Amf0Object = {}) => rtmpClient(port, name, 'publish', { connectProperties });

test('forwardHops: the larger of connect flvcastHops and the name query; junk counts as 0', () => {
  assert.equal(forwardHops(undefined, {}), 0);
  assert.equal(forwardHops({ flvcastHops: 3 }, {}), 3);
  assert.equal(forwardHops({}, { flvcastHops: '2' }), 2);
  assert.equal(forwardHops({ flvcastHops: 3 }, { flvcastHops: '1' }), 3);
  assert.equal(forwardHops({ flvcastHops: 1 }, { flvcastHops: '5' }), 5);
  for (const bad of [-1, 1.5, Number.NaN]) assert.equal(forwardHops({ flvcastHops: bad }, {}), 0);
  for (const bad of ['x', '-2', '1e3', '', ' 3']) assert.equal(forwardHops({}, { flvcastHops: bad }), 0);
  assert.equal(forwardHops({ flvcastHops: 1e12 }, {}), 1000, 'huge claims are capped, still refused');
  assert.equal(forwardHops({ flvcastHops: '7' as unknown as number }, {}), 0, 'connect property must be a number');
});

test('a publish within maxForwardHops carries its hop count to the hub; one beyond is Rejected with a deny event and one warn line', async (t) => {
  const { app, port, warns } = await startApp({ maxForwardHops: 2 });
  t.after(() => app.close());
  const denies: Array<{ reason: string; action: string }> = [];
  app.streams.events.on('deny', (d) => denies.push(d));

  const ok = publisher(port, 'near?flvcastHops=1', { flvcastHops: 2 });
  await until(() => ok.events.some((e) => e.type === 'published'), 'the publish within the limit');
  assert.equal(app.streams.get({ vhost: '', app: 'live', stream: 'near' })?.publisher?.info.hops, 2);
  ok.socket.destroy();

  const plain = publisher(port, 'encoder');
  await until(() => plain.events.some((e) => e.type === 'published'), 'an encoder publish');
  assert.equal(app.streams.get({ vhost: '', app: 'live', stream: 'encoder' })?.publisher?.info.hops, 0);
  plain.socket.destroy();

  for (const [name, props] of [['loop1?flvcastHops=3', {}], ['loop2', { flvcastHops: 3 }]] as const) {
    const far = publisher(port, name, props);
    await until(() => far.closed(), `the server to close ${name}`);
    const err = far.events.find((e) => e.type === 'error');
    assert.equal(err?.type === 'error' ? err.code : undefined, 'NetStream.Publish.Rejected');
    assert.match(err?.type === 'error' ? err.description : '', /crossed 3 servers \(maxForwardHops is 2\)/);
    assert.equal(app.streams.get({ vhost: '', app: 'live', stream: name.split('?')[0]! }), undefined, 'no stream made');
  }
  assert.equal(denies.length, 2);
  assert.equal(denies[0]!.action, 'publish');
  assert.equal(warns.filter((w) => w.msg === 'rtmp: publish refused: too many forward hops').length, 2);
});
