import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeScriptData, indexFlv, inspectVideo } from '@flvcast/flv';
import { demoClipPath } from '../src/build-server.js';
import { indexCommand, indexedName } from '../src/index-command.js';
import { cli } from './running-cli.js';

const run = (args: string[]) => spawnSync(process.execPath, [cli, 'index', ...args], { encoding: 'utf8', timeout: 20_000 });

/** The keyframes index of a file: present, and each position a video keyframe tag. */
function checkIndexed(path: string): { times: number[]; filepositions: number[] } {
  const bytes = new Uint8Array(readFileSync(path));
  const index = indexFlv(bytes);
  const meta = decodeScriptData(bytes.subarray(24, index.metadata!.end - 4)).value as unknown as { filesize: number; keyframes: { times: number[]; filepositions: number[] } };
  assert.equal(index.metadata!.offset, 13, 'onMetaData first');
  assert.equal(meta.filesize, bytes.length);
  assert.ok(meta.keyframes.times.length >= 4, `keyframes ${meta.keyframes.times.join(',')}`);
  for (const pos of meta.keyframes.filepositions) assert.equal(bytes[pos] === 9 && inspectVideo(bytes.subarray(pos + 11, pos + 40)).isKeyframe, true);
  return meta.keyframes;
}

test('flvcast index on an ffmpeg FLV (the demo clip): NAME.indexed.flv beside it, or in place; -o; exit codes', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flvcast-index-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clip = join(dir, 'clip.flv');
  copyFileSync(demoClipPath, clip);
  const original = readFileSync(clip);

  const a = run([clip]);
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /clip\.indexed\.flv: \d+\.\d+ s, \d+ keyframes indexed/);
  assert.deepEqual(readFileSync(clip), original, 'the input untouched');
  const kf = checkIndexed(join(dir, 'clip.indexed.flv'));

  const b = run(['--in-place', clip]);
  assert.equal(b.status, 0, b.stderr);
  assert.deepEqual(checkIndexed(clip), kf);
  assert.deepEqual(readFileSync(clip), readFileSync(join(dir, 'clip.indexed.flv')), 'in place: the same bytes');

  const c = run(['-o', join(dir, 'out.flv'), clip]);
  assert.equal(c.status, 0, c.stderr);
  checkIndexed(join(dir, 'out.flv'));

  writeFileSync(join(dir, 'notes.txt'), 'not a video');
  const d = run([join(dir, 'notes.txt'), join(dir, 'missing.flv'), clip]);
  assert.equal(d.status, 1, 'some file failed');
  assert.match(d.stderr, /notes\.txt: not an FLV file/);
  assert.match(d.stderr, /missing\.flv: no such file/);
  assert.match(d.stdout, /clip\.indexed\.flv/, 'the good file still done');
  assert.equal(readdirSync(dir).some((f) => f.includes('reindex')), false, 'no temporary file left');

  for (const args of [[], ['--bogus', clip], ['-o', 'x.flv', clip, clip]]) assert.equal(run(args).status, 2, args.join(' '));
});

test('indexCommand: help, and the default output name', async () => {
  assert.equal(indexedName('/a/b.flv'), '/a/b.indexed.flv');
  assert.equal(indexedName('rec'), 'rec.indexed.flv');
  const help = await indexCommand(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out[0]!, /--in-place/);
});
