/**
 * `--workers 2` with real processes: the primary (RTMP ingest, API) and two node:cluster workers sharing the
 * HTTP port, each pulling what its viewers watch from the primary over loopback. Viewers spread over both
 * workers and the API sums them; a SIGKILLed worker comes back; SIGTERM drains everything; a primary that
 * dies takes its workers with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { apiJson, startFlvcast, type FlvcastProcess } from '../src/flvcast-process.js';
import { HttpFlvViewer, publish, request, sleep, waitAsync } from '../src/tools.js';

interface WorkerInfo {
  id: number;
  pid: number | null;
  state: string;
  viewers: number;
  pulls: { stream: string; state: string }[];
  uptimeMs: number;
  restarts: number;
}
interface StreamInfo {
  name: string;
  publishing: boolean;
  viewers: { total: number; byProtocol: Record<string, number> };
}
interface ClientInfo {
  role: string;
  internal: boolean;
  protocol: string;
  ip: string | null;
}

const workers = async (p: FlvcastProcess): Promise<WorkerInfo[]> => (await apiJson<{ workers: WorkerInfo[] }>(p, '/api/v1/workers')).workers;
const streams = async (p: FlvcastProcess): Promise<StreamInfo[]> => (await apiJson<{ streams: StreamInfo[] }>(p, '/api/v1/streams')).streams;

/** The process runs (a zombie waiting for its parent, or for init after its parent was killed, has exited). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

const hasVideo = (v: HttpFlvViewer): boolean => v.tags.some((tag) => tag.type === 9);

async function openViewers(url: string, n: number, t: { after(fn: () => unknown): void }): Promise<HttpFlvViewer[]> {
  const viewers: HttpFlvViewer[] = [];
  // One after the other: node:cluster hands connections to the workers in turn (round-robin).
  for (let i = 0; i < n; i++) viewers.push(await HttpFlvViewer.open(url));
  t.after(() => viewers.forEach((v) => v.close()));
  return viewers;
}

test('--workers 2: viewers spread over both workers, all get the stream, one pull per worker, the API sums them', async (t) => {
  const primary = await startFlvcast(t, ['--workers', '2', '--dashboard']);
  const up = await workers(primary);
  assert.deepEqual(up.map((w) => [w.id, w.state]), [[1, 'up'], [2, 'up']], 'two workers serve');
  assert.ok(up.every((w) => w.pid !== null && w.pid !== primary.child.pid), 'each worker is a process of its own');

  const ffmpeg = publish(`rtmp://127.0.0.1:${primary.rtmpPort}/live/cam1`, 'av', { seconds: 60 });
  t.after(() => ffmpeg.kill());
  await waitAsync(async () => (await streams(primary)).some((s) => s.name === 'live/cam1' && s.publishing), 20_000, 'the publish at the primary');

  const count = 24;
  const viewers = await openViewers(`${primary.httpUrl}/live/cam1.flv`, count, t);
  assert.ok(viewers.every((v) => v.status === 200));
  await Promise.all(viewers.map((v) => v.waitFor(hasVideo, 15_000, 'video at a viewer on a worker')));

  // Workers report every second and on change: the totals settle at what is connected.
  const settled = await waitAsync(async () => {
    const ws = await workers(primary);
    return ws.reduce((n, w) => n + w.viewers, 0) === count ? ws : undefined;
  }, 5000, `the workers to report ${count} viewers`);
  t.diagnostic(`viewers per worker: ${settled.map((w) => `${w.id}: ${w.viewers}`).join(', ')}`);
  for (const w of settled) {
    assert.ok(w.viewers > 0, `worker ${w.id} serves viewers (${w.viewers})`);
    assert.deepEqual(w.pulls, [{ stream: 'live/cam1', state: 'pulling' }], `worker ${w.id} pulls the stream once`);
  }
  const [cam1] = (await streams(primary)).filter((s) => s.name === 'live/cam1');
  assert.equal(cam1?.viewers.total, count, '/api/v1/streams: viewers summed over the workers');
  assert.deepEqual(cam1?.viewers.byProtocol, { 'http-flv': count });
  const summary = await apiJson<{ totals: { viewers: number; bytesOut: number } }>(primary, '/api/v1/summary');
  assert.equal(summary.totals.viewers, count);
  assert.ok(summary.totals.bytesOut > 0, 'bytes sent by the workers count');

  // At the primary the stream has exactly two subscribers, both internal: one pull per worker.
  const clients = (await apiJson<{ clients: ClientInfo[] }>(primary, '/api/v1/clients?stream=live/cam1')).clients;
  const pullsHere = clients.filter((c) => c.role === 'viewer');
  assert.deepEqual(pullsHere.map((c) => [c.internal, c.protocol, c.ip]), [[true, 'http-flv', '127.0.0.1'], [true, 'http-flv', '127.0.0.1']]);

  const metrics = await (await fetch(`${primary.apiUrl}/metrics`)).text();
  assert.match(metrics, new RegExp(`^flvcast_stream_viewers\\{stream="live/cam1"\\} ${count}$`, 'm'));
  assert.match(metrics, new RegExp(`^flvcast_viewers\\{protocol="http-flv",format="flv"\\} ${count}$`, 'm'));
  for (const w of settled) assert.match(metrics, new RegExp(`^flvcast_worker_viewers\\{worker="${w.id}"\\} ${w.viewers}$`, 'm'));

  // The dashboard any worker serves lists the primary's streams with every worker's viewers.
  const feed = JSON.parse((await request(`${primary.httpUrl}/dashboard/streams.json`)).body.toString()) as StreamInfo[];
  assert.deepEqual(feed.map((s) => [s.name, s.viewers.total]), [['live/cam1', count]]);

  // The feed is not open to other local clients: without its secret there is nothing to watch.
  const feedLine = /workers' feed listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(primary.out());
  assert.ok(feedLine, 'the primary logs its feed address');
  assert.equal((await request(`${feedLine[1]}/live/cam1.flv`)).status, 404);
  assert.equal((await request(`${feedLine[1]}/not-the-secret/live/cam1.flv`)).status, 404);
  assert.doesNotMatch(primary.out(), new RegExp(`${feedLine[1]}/[A-Za-z0-9_-]{20,}`), 'the secret never reaches the log');
});

test('a worker SIGKILLed: its viewers are cut, the others play on; it is restarted and a viewer that reconnects gets the stream', async (t) => {
  const primary = await startFlvcast(t, ['--workers', '2', '--demo']);
  const viewers = await openViewers(`${primary.httpUrl}/live/demo.flv`, 8, t);
  await Promise.all(viewers.map((v) => v.waitFor(hasVideo, 15_000, 'video')));
  const before = await waitAsync(async () => {
    const ws = await workers(primary);
    return ws.every((w) => w.viewers > 0) && ws.reduce((n, w) => n + w.viewers, 0) === 8 ? ws : undefined;
  }, 5000, 'both workers to report their viewers');
  const victim = before[0]!;

  const killedAt = performance.now();
  process.kill(victim.pid!, 'SIGKILL');
  const cut = await waitAsync(async () => {
    const ended = viewers.filter((v) => v.ended || v.aborted);
    return ended.length === victim.viewers ? ended : undefined;
  }, 5000, `the ${victim.viewers} viewers of worker ${victim.id} to be cut`);
  assert.equal(cut.length, victim.viewers);
  const survivors = viewers.filter((v) => !cut.includes(v));
  const marks = survivors.map((v) => v.tags.length);
  await Promise.all(survivors.map((v, i) => v.waitFor((x) => x.tags.length > marks[i]! + 25, 10_000, 'media on the other worker')));

  const back = await waitAsync(async () => {
    const w = (await workers(primary)).find((x) => x.id === victim.id);
    return w?.state === 'up' && w.pid !== victim.pid ? w : undefined;
  }, 10_000, `worker ${victim.id} to be restarted`, 50);
  const servingMs = performance.now() - killedAt;
  t.diagnostic(`worker ${victim.id} SIGKILLed: restarted (pid ${victim.pid} → ${back.pid}) and serving ${servingMs.toFixed(0)} ms later`);
  assert.equal(back.restarts, 1);
  assert.match(primary.out(), /workers: worker died; its viewers can reconnect/);

  // The cut viewers reconnect: every one gets the stream, and the restarted worker serves some of them.
  const again = await openViewers(`${primary.httpUrl}/live/demo.flv`, cut.length + 1, t);
  await Promise.all(again.map((v) => v.waitFor(hasVideo, 10_000, 'video after reconnecting')));
  const served = await waitAsync(async () => {
    const w = (await workers(primary)).find((x) => x.id === victim.id);
    return w !== undefined && w.viewers > 0 ? w : undefined;
  }, 5000, `the restarted worker ${victim.id} to serve`);
  assert.ok(served.viewers > 0);

  // Dying again soon after is a crash loop in the making: the wait before the next fork doubles.
  process.kill(served.pid!, 'SIGKILL');
  const third = await waitAsync(async () => {
    const w = (await workers(primary)).find((x) => x.id === victim.id);
    return w?.state === 'up' && w.restarts === 2 ? w : undefined;
  }, 10_000, `worker ${victim.id} to be restarted again`, 50);
  assert.notEqual(third.pid, served.pid);
  const waits = [...primary.out().matchAll(/"restartInMs":(\d+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(waits, [200, 400], 'restart back-off: 200 ms, then 400 ms');
});

test('SIGTERM on the primary: workers drain, every process exits within the grace, code 0; a killed primary takes its workers along', async (t) => {
  const primary = await startFlvcast(t, ['--workers', '2', '--demo', '--shutdown-grace-ms', '4000']);
  const viewers = await openViewers(`${primary.httpUrl}/live/demo.flv`, 4, t);
  await Promise.all(viewers.map((v) => v.waitFor(hasVideo, 15_000, 'video')));
  const pids = (await workers(primary)).map((w) => w.pid!);
  assert.equal(pids.length, 2);

  const started = performance.now();
  const code = await primary.kill('SIGTERM');
  const ms = performance.now() - started;
  t.diagnostic(`SIGTERM to exit: ${ms.toFixed(0)} ms`);
  assert.equal(code, 0, primary.out().slice(-3000));
  assert.ok(ms < 4000, `exited within the grace (${ms.toFixed(0)} ms)`);
  await Promise.all(viewers.map((v) => v.waitForEnd(1000)));
  assert.deepEqual(pids.filter(alive), [], 'no worker outlives the primary');
  assert.equal((primary.out().match(/"worker":\d,"signal":"drain".*shutting down/g) ?? []).length, 2, 'each worker was told to drain');

  // SIGKILL leaves nobody to tell the workers: node:cluster exits them when their IPC channel closes.
  const orphaned = await startFlvcast(t, ['--workers', '2']);
  const orphans = (await workers(orphaned)).map((w) => w.pid!);
  await orphaned.kill('SIGKILL');
  const gone = performance.now();
  await waitAsync(async () => orphans.every((pid) => !alive(pid)), 5000, 'the workers of a killed primary to exit');
  t.diagnostic(`primary SIGKILLed: its workers gone ${(performance.now() - gone).toFixed(0)} ms later`);
});

test('a primary that is itself an edge: the workers\' pulls keep its pull from the origin alive past edgeIdleMs', async (t) => {
  const origin = await startFlvcast(t, ['--demo']);
  const primary = await startFlvcast(t, ['--workers', '2', '--origin', origin.httpUrl, '--edge-idle-ms', '300']);
  const viewer = await HttpFlvViewer.open(`${primary.httpUrl}/live/demo.flv`);
  t.after(() => viewer.close());
  await viewer.waitFor(hasVideo, 15_000, 'video through the primary from the origin');
  const pulled = async () => (await apiJson<{ pulls: { stream: string; state: string; connectedSince: string | null }[] }>(primary, '/api/v1/pulls')).pulls;
  const [first] = await pulled();
  assert.equal(first?.state, 'pulling');
  // No viewer at the primary itself, only a worker's internal pull: that must count as demand.
  await sleep(1500);
  const marks = viewer.tags.length;
  await viewer.waitFor((v) => v.tags.length > marks + 10, 5000, 'media still flowing');
  assert.deepEqual((await pulled()).map((p) => [p.stream, p.state, p.connectedSince]), [['live/demo', 'pulling', first!.connectedSince]], 'the same pull from the origin');
  assert.equal(viewer.ended || viewer.aborted, false);
});
