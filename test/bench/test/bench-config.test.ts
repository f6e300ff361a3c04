import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readConfig, type BenchConfig } from '../src/bench-config.js';
import { nginxRtmpConfig } from '../src/nginx-rtmp.js';

const config = (env: Record<string, string>, argv: string[] = []): BenchConfig => {
  const c = readConfig(argv, env);
  assert.notEqual(c, 'help');
  return c as BenchConfig;
};

test('the rtmp scenario alternates flvcast and node-media-server from both ends, 500 players', () => {
  const c = config({ BENCH_SCENARIO: 'rtmp' });
  assert.deepEqual(c.servers, ['flvcast', 'nms', 'nms', 'flvcast']);
  assert.equal(c.rtmpViewers, 500);
  assert.deepEqual(config({ BENCH_SCENARIO: 'rtmp', BENCH_QUICK: '1' }).servers, ['flvcast', 'nms']);
  assert.deepEqual(config({ BENCH_SCENARIO: 'rtmp', BENCH_SERVERS: 'nms' }).servers, ['nms']);
  assert.equal(config({}, ['--scenario', 'rtmp', '--rtmp-viewers', '20']).rtmpViewers, 20);
  assert.throws(() => config({ BENCH_SCENARIO: 'rtmp', BENCH_RTMP_VIEWERS: '6000' }), /at most 5000 viewers/);
});

test('the relay scenario measures flvcast builds only', () => {
  const c = config({ BENCH_SCENARIO: 'relay' });
  assert.deepEqual(c.servers, ['flvcast']);
  assert.equal(c.relaySeconds, 20);
  assert.equal(c.relayRounds, 3);
  assert.throws(() => config({ BENCH_SCENARIO: 'relay', BENCH_SERVERS: 'flvcast,nms' }), /flvcast builds only/);
  assert.throws(() => config({ BENCH_SCENARIO: 'relay', BENCH_RELAY_ROUNDS: '0' }), /BENCH_RELAY_ROUNDS/);
});

test('an unknown scenario names the known ones', () => {
  assert.throws(() => config({ BENCH_SCENARIO: 'edge' }), /fanout, slow, proxy, formats, rtmp, relay, cluster or dvr/);
});

test('the dvr scenario: 10 recorded streams against none, 200 downloads of a 100 MB recording', () => {
  const c = config({ BENCH_SCENARIO: 'dvr' });
  assert.deepEqual(c.servers, ['flvcast']);
  assert.deepEqual(c.dvrParts, ['record', 'vod']);
  assert.equal(c.dvrStreams, 10);
  assert.equal(c.dvrRounds, 2);
  assert.equal(c.vodDownloads, 200);
  assert.equal(c.vodMb, 100);
  assert.deepEqual(config({ BENCH_SCENARIO: 'dvr', BENCH_DVR_PARTS: 'vod' }).dvrParts, ['vod']);
  assert.throws(() => config({ BENCH_SCENARIO: 'dvr', BENCH_DVR_PARTS: 'record,hls' }), /neither record nor vod/);
  assert.throws(() => config({ BENCH_SCENARIO: 'dvr', BENCH_SERVERS: 'nms' }), /flvcast builds only/);
  assert.throws(() => config({ BENCH_SCENARIO: 'dvr', BENCH_DVR_STREAMS: '51' }), /capped at 50/);
});

test('the cluster scenario: 1000 viewers direct and over the edges, 100 for the small edge audience, the workers ladder', () => {
  const c = config({ BENCH_SCENARIO: 'cluster' });
  assert.deepEqual(c.servers, ['flvcast']);
  assert.deepEqual(c.clusterParts, ['edges', 'workers']);
  assert.equal(c.clusterViewers, 1000);
  assert.equal(c.clusterSmallViewers, 100);
  assert.equal(c.clusterRounds, 3);
  assert.deepEqual(c.clusterLadder, [1000, 2000, 3000]);
  assert.equal(c.clusterLadderRounds, 2);
  const small = config({ BENCH_SCENARIO: 'cluster', BENCH_CLUSTER_PARTS: 'edges', BENCH_CLUSTER_VIEWERS: '100', BENCH_CLUSTER_SMALL_VIEWERS: '0' });
  assert.deepEqual(small.clusterParts, ['edges']);
  assert.equal(small.clusterSmallViewers, 0);
  assert.deepEqual(config({}, ['--scenario', 'cluster', '--cluster-ladder', '100, 200']).clusterLadder, [100, 200]);
  assert.throws(() => config({ BENCH_SCENARIO: 'cluster', BENCH_CLUSTER_PARTS: 'edges,redis' }), /neither edges nor workers/);
  assert.throws(() => config({ BENCH_SCENARIO: 'cluster', BENCH_SERVERS: 'nms' }), /flvcast builds only/);
  assert.throws(() => config({ BENCH_SCENARIO: 'cluster', BENCH_CLUSTER_LADDER: '1000,6000' }), /at most 5000 viewers/);
});

test('the nginx-rtmp configuration: its module, one live application on loopback, no daemon', () => {
  const text = nginxRtmpConfig('/tmp/x', '/usr/lib/nginx/modules/ngx_rtmp_module.so', 19350);
  assert.match(text, /^load_module "\/usr\/lib\/nginx\/modules\/ngx_rtmp_module\.so";$/m);
  assert.match(text, /^daemon off;$/m);
  assert.match(text, /^master_process off;$/m);
  assert.match(text, /listen 127\.0\.0\.1:19350;/);
  assert.match(text, /application live \{\s*live on;\s*\}/);
});
