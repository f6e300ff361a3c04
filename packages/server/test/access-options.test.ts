import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAccess, type AccessContext } from '@flvcast/access';
import Fastify from 'fastify';
import { resolveConfig } from '../src/index.js';
import { accessOptions } from '../src/access-options.js';

const ctx = (action: 'publish' | 'play', ip: string): AccessContext => ({ action, protocol: action === 'play' ? 'http-flv' : 'rtmp', clientId: 'c', ip, vhost: '', app: 'live', stream: 'cam1', query: {} });
const log = Fastify().log;

test('config → plugin options: IP lists per action, callback failure policy, signed URLs per action', async () => {
  const unreachable = 'http://127.0.0.1:1/hook';
  const options = accessOptions(
    resolveConfig({
      playAllow: ['10.0.0.0/8'],
      publishDeny: ['10.0.0.9'],
      onPublishUrl: [unreachable],
      callbackFailure: 'allow',
      callbackTimeoutMs: 200,
      signedUrlSecret: 'config-secret-0123456789',
      signedUrlActions: ['publish'],
      signedUrlKick: false,
    }),
    log,
  );
  const allowed = async (hook: typeof options.play.onPlay, c: AccessContext) => (await checkAccess(hook!, c, 2000)).allowed;
  assert.equal(await allowed(options.play.onPlay, ctx('play', '10.1.1.1')), true);
  assert.equal(await allowed(options.play.onPlay, ctx('play', '192.168.1.1')), false, 'play allow-list');
  assert.equal(await allowed(options.publish.onPublish, ctx('publish', '192.168.1.1')), true, 'unreachable callback, failure = allow');
  assert.equal(await allowed(options.publish.onPublish, ctx('publish', '10.0.0.9')), false, 'publish deny-list');
  assert.equal(options.play.signedUrls, undefined, 'play needs no signature');
  assert.deepEqual(options.publish.signedUrls, { secret: 'config-secret-0123456789', kickOnExpiry: false });

  // RTMP players get play's checks (the same hook, so the same IP lists and on_play), not publish's.
  assert.equal(options.rtmpPlay.onPlay, options.play.onPlay);
  assert.equal(await allowed(options.rtmpPlay.onPlay, { ...ctx('play', '192.168.1.1'), protocol: 'rtmp' }), false, 'play allow-list for RTMP players');
  assert.equal(options.rtmpPlay.playSignedUrls, undefined);
  const both = accessOptions(resolveConfig({ signedUrlSecret: 'config-secret-0123456789', signedUrlActions: ['play'] }), log);
  assert.deepEqual(both.rtmpPlay.playSignedUrls, { secret: 'config-secret-0123456789', kickOnExpiry: true });
  assert.equal(both.publish.signedUrls, undefined);

  const strict = accessOptions(resolveConfig({ onPlayUrl: [unreachable], callbackTimeoutMs: 200 }), log);
  assert.equal(await allowed(strict.play.onPlay, ctx('play', '10.1.1.1')), false, 'failure = deny by default');
  assert.equal(strict.publish.onPublish, undefined, 'nothing configured, no hook');
});
