/**
 * The Redis stream directory with real processes: three `flvcast` servers on one real redis-server. A
 * publish on one is refused on the others (ffmpeg prints why), another relays the stream without any
 * `--origin`, a third answers 302 to the holder; the holder SIGKILLed, its name is free once its entry
 * expires and the redirect follows the new holder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipWithoutRedis, startRedis } from '@flvcast/test-fixtures';
import { startFlvcast } from '../src/flvcast-process.js';
import { SyntheticPublisher } from '../src/synthetic-publisher.js';
import { HttpFlvViewer, publish, sleep, withTimeout } from '../src/tools.js';

const skip = skipWithoutRedis();

/** Publishes `name` on `port`, retrying while the server refuses it (the name is held elsewhere); gives the wait in ms. */
async function publishWhenFree(port: number, name: string, ms: number): Promise<{ publisher: SyntheticPublisher; waitedMs: number }> {
  const started = performance.now();
  for (;;) {
    try {
      return { publisher: await SyntheticPublisher.start(port, name), waitedMs: performance.now() - started };
    } catch (err) {
      if (performance.now() - started > ms) throw err;
      await sleep(50);
    }
  }
}

const location = async (url: string): Promise<[number, string | null]> => {
  const res = await fetch(url, { redirect: 'manual' });
  await res.body?.cancel();
  return [res.status, res.headers.get('location')];
};

test('three servers on one Redis: a name is published once cluster-wide, relayed or redirected anywhere, survives a Redis restart, freed by the TTL of a SIGKILLed holder', { skip }, async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const common = ['--redis-url', redis.url, '--cluster-ttl-ms', '1500'];
  const a = await startFlvcast(t, [...common, '--cluster-id', 'a']);
  const b = await startFlvcast(t, [...common, '--cluster-id', 'b']);
  const c = await startFlvcast(t, [...common, '--cluster-id', 'c', '--cluster-redirect']);

  const onA = await SyntheticPublisher.start(a.rtmpPort, 'cam1');
  t.after(() => onA.close());

  // The same name on another server: refused, and the encoder is told who holds it.
  const duplicate = publish(`rtmp://127.0.0.1:${b.rtmpPort}/live/cam1`, 'av', { seconds: 5 });
  t.after(() => duplicate.kill());
  const refused = await withTimeout(duplicate.done, 10_000, 'the refused ffmpeg to exit');
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /stream held by origin a/, `ffmpeg prints the server's reason: ${refused.stderr.slice(-500)}`);

  // b has no --origin: the directory tells it where cam1 is, and it relays it.
  const viewer = await HttpFlvViewer.open(`${b.httpUrl}/live/cam1.flv`);
  t.after(() => viewer.close());
  await viewer.waitFor((x) => x.tags.some((tag) => tag.video?.isKeyframe === true && !tag.video.isSequenceHeader), 10_000, 'video relayed by b from a');

  // c redirects HTTP viewers to the holder, with their extension and query; an unknown stream is still a 404.
  assert.deepEqual(await location(`${c.httpUrl}/live/cam1.ts?token=t1`), [302, `${a.httpUrl}/live/cam1.ts?token=t1`]);
  assert.deepEqual(await location(`${c.httpUrl}/live/nobody.flv`), [404, null]);

  // A stream published on the other origin plays through a, which has no --origin either.
  const onB2 = await SyntheticPublisher.start(b.rtmpPort, 'cam2');
  t.after(() => onB2.close());
  const viewer2 = await HttpFlvViewer.open(`${a.httpUrl}/live/cam2.flv`);
  t.after(() => viewer2.close());
  await viewer2.waitFor((x) => x.tags.some((tag) => tag.video?.isKeyframe === true && !tag.video.isSequenceHeader), 10_000, 'video relayed by a from b');

  // Redis restarted, empty: the relayed viewers never notice, and the directory is rebuilt.
  const mediaAt = (v: HttpFlvViewer): number[] => v.tags.filter((tag) => tag.type === 8 || tag.type === 9).map((tag) => tag.at);
  const restartAt = performance.now();
  await redis.restart();
  await sleep(1500);
  for (const v of [viewer, viewer2]) {
    const times = mediaAt(v).filter((at) => at >= restartAt - 500);
    const gap = Math.max(...times.slice(1).map((at, i) => at - times[i]!), performance.now() - times.at(-1)!);
    assert.ok(times.length > 20 && gap < 500, `a relayed viewer kept getting media through the Redis restart (${times.length} tags, longest gap ${gap.toFixed(0)} ms)`);
    assert.equal(v.ended || v.aborted, false);
  }
  const rebuilt = async (): Promise<boolean> =>
    JSON.stringify(await location(`${c.httpUrl}/live/cam1.flv`)) === JSON.stringify([302, `${a.httpUrl}/live/cam1.flv`]) &&
    JSON.stringify(await location(`${c.httpUrl}/live/cam2.flv`)) === JSON.stringify([302, `${b.httpUrl}/live/cam2.flv`]);
  const deadline = performance.now() + 5000;
  while (!(await rebuilt())) {
    assert.ok(performance.now() < deadline, 'the directory is rebuilt after the Redis restart (c redirects both streams to their holders)');
    await sleep(100);
  }
  t.diagnostic(`directory rebuilt ${(performance.now() - restartAt).toFixed(0)} ms after the Redis restart began`);

  viewer.close();
  viewer2.close();
  await a.kill('SIGKILL');
  const killedAt = performance.now();
  // Until a's entry expires nobody may publish cam1; then b can.
  const { publisher: onB, waitedMs } = await publishWhenFree(b.rtmpPort, 'cam1', 8000);
  t.after(() => onB.close());
  const freedMs = performance.now() - killedAt;
  t.diagnostic(`cam1 published on b ${freedMs.toFixed(0)} ms after a was SIGKILLed (clusterTtlMs 1500; retried for ${waitedMs.toFixed(0)} ms)`);
  assert.ok(freedMs < 1500 + 1000, `freed within the TTL (${freedMs.toFixed(0)} ms)`);
  await sleep(200);
  assert.deepEqual(await location(`${c.httpUrl}/live/cam1.flv`), [302, `${b.httpUrl}/live/cam1.flv`]);
});
