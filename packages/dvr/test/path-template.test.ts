import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { dvrRoot, dvrTemplate, renderDvrPath } from '../src/index.js';

// 2026-03-04 05:06:07.089 in the server's local time zone (the calendar variables are local, as SRS's).
const at = new Date(2026, 2, 4, 5, 6, 7, 89).getTime();
const key = { vhost: 'cdn.example', app: 'live', stream: 'cam1' };

test('renderDvrPath: every SRS variable', () => {
  assert.equal(
    renderDvrPath('rec/[vhost]/[app]/[stream]/[2006]-[01]-[02]_[15].[04].[05].[999]_[timestamp].flv', { ...key, at }),
    join('rec', 'cdn.example', 'live', 'cam1', `2026-03-04_05.06.07.089_${at}.flv`),
  );
  assert.equal(renderDvrPath('rec/[vhost]/[stream].flv', { ...key, vhost: '', at }), join('rec', '__defaultVhost__', 'cam1.flv'), 'no vhost: SRS\'s name for it');
  assert.equal(renderDvrPath('rec/[stream]-[unknown].flv', { ...key, at }), join('rec', 'cam1-[unknown].flv'), 'an unknown variable stays');
});

test('a directory alone means <dir>/[stream].[timestamp].flv; the root is the static prefix', () => {
  assert.equal(dvrTemplate('./recordings'), join('recordings', '[stream].[timestamp].flv'));
  assert.equal(renderDvrPath('/var/rec/', { ...key, at }), join('/var/rec', `cam1.${at}.flv`));
  assert.equal(dvrRoot('./recordings/[app]/[stream].[timestamp].flv'), 'recordings');
  assert.equal(dvrRoot('/data/dvr/[app]/x/[stream].flv'), '/data/dvr');
  assert.equal(dvrRoot('/data/[2006]/[stream].flv'), '/data');
  assert.equal(dvrRoot('[app]/[stream].flv'), '.');
  assert.equal(dvrRoot('/[app].flv'), '/');
  assert.equal(dvrRoot('/data/dvr'), '/data/dvr');
});

test('a stream name can never leave the template directory', () => {
  const tpl = 'rec/[app]/[stream].flv';
  for (const stream of ['..', '.', '../../etc/passwd', '..\\..\\x', '/abs', 'a/../../b', '', '%2e%2e', 'a\0b']) {
    const path = renderDvrPath(tpl, { ...key, stream, at });
    assert.ok(path.startsWith(join('rec', 'live') + '/'), `${JSON.stringify(stream)} -> ${path}`);
    assert.equal(path.split('/').length, 3, `${JSON.stringify(stream)} stays one path segment: ${path}`);
  }
  assert.equal(renderDvrPath(tpl, { ...key, app: '..', at }).startsWith('rec/'), true, 'nor an app name');
  assert.equal(renderDvrPath('rec/[stream]', { ...key, stream: '..', at }), join('rec', '___', `___.${at}.flv`), 'a dots-only name is replaced (and a template without .flv is a directory)');
});
