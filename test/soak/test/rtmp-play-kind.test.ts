import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rtmpPlayKind } from '../src/rtmp-play-kind.js';
import type { Viewer } from '../src/soak-viewer.js';
import { rtmpTestServer, type Play } from './rtmp-test-server.js';

const until = async (check: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const open = (rtmp: number, stream: string): Viewer => rtmpPlayKind().open({ http: 0, rtmp }, stream, false);

test('a served RTMP player counts its media payload bytes and its silences', async () => {
  let current: Play | undefined;
  const server = await rtmpTestServer((p) => {
    current = p;
    p.accept();
  });
  try {
    const viewer = open(server.port, 's3');
    await until(() => current !== undefined, 'the play');
    assert.equal(current!.name, 's3');
    current!.media(9, 0, Uint8Array.of(0x17, 0, 0, 0, 0, 1, 2, 3));
    current!.media(8, 0, new Uint8Array(100).fill(0xaf));
    await until(() => viewer.bytes === 108, 'the media');
    await new Promise((r) => setTimeout(r, 1100));
    current!.media(9, 1100, new Uint8Array(50).fill(0x27));
    await until(() => viewer.bytes === 158, 'the media after a silence');
    assert.equal(viewer.gaps.length, 1);
    assert.equal(viewer.failed, undefined);
    assert.equal(viewer.kind, 'rtmp-play');
    viewer.close();
    await until(() => viewer.closed, 'the close');
    assert.equal(viewer.failed, undefined);
  } finally {
    await server.close();
  }
});

test('a refused RTMP player is a failing viewer with the server status code, not a crash', async () => {
  const server = await rtmpTestServer((p) => p.refuse('NetStream.Play.Failed', 'RTMP playback is not enabled on this server'));
  try {
    const viewer = open(server.port, 's0');
    await until(() => viewer.closed, 'the refusal');
    assert.equal(viewer.bytes, 0);
    assert.match(viewer.failed ?? '', /^NetStream\.Play\.Failed \(RTMP playback is not enabled/);
    assert.equal(typeof viewer.failedAt, 'number');
  } finally {
    await server.close();
  }
});

test('a player the server drops before Play.Start fails; one the soak closes first does not', async () => {
  const server = await rtmpTestServer((p) => p.socket.destroy());
  try {
    const dropped = open(server.port, 's1');
    await until(() => dropped.closed, 'the drop');
    assert.notEqual(dropped.failed, undefined);
  } finally {
    await server.close();
  }
  const silent = await rtmpTestServer(() => {});
  try {
    const left = open(silent.port, 's2');
    await new Promise((r) => setTimeout(r, 100));
    left.close();
    await until(() => left.closed, 'the close');
    assert.equal(left.failed, undefined);
  } finally {
    await silent.close();
  }
});
