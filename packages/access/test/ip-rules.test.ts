import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAccess, invalidIpRule, ipRulesHook, type AccessContext } from '../src/index.js';

const ctx = (ip: string): AccessContext => ({ action: 'play', protocol: 'http-flv', clientId: 'c1', ip, vhost: '', app: 'live', stream: 'cam1', query: {} });

test('deny lists win, allow lists admit only their members; CIDR for IPv4 and IPv6, mapped IPv6 as IPv4', async () => {
  const hook = ipRulesHook({ allow: ['10.0.0.0/8', '2001:db8::/32', '192.168.1.7'], deny: ['10.9.0.0/16'] })!;
  const status = async (ip: string) => {
    const d = await checkAccess(hook, ctx(ip), 1000);
    return d.allowed ? 'allow' : d.status;
  };
  assert.equal(await status('10.1.2.3'), 'allow');
  assert.equal(await status('::ffff:10.1.2.3'), 'allow');
  assert.equal(await status('10.9.1.1'), 403, 'in the deny block');
  assert.equal(await status('::ffff:10.9.1.1'), 403, 'mapped address in the deny block');
  assert.equal(await status('11.0.0.1'), 403, 'outside the allow list');
  assert.equal(await status('192.168.1.7'), 'allow');
  assert.equal(await status('192.168.1.8'), 403);
  assert.equal(await status('2001:db8:1::5'), 'allow');
  assert.equal(await status('2001:db9::5'), 403);
});

test('a deny list alone refuses only its members; no rules means no hook', async () => {
  const hook = ipRulesHook({ deny: ['127.0.0.1', '::1'] })!;
  assert.equal((await checkAccess(hook, ctx('127.0.0.1'), 1000)).allowed, false);
  assert.equal((await checkAccess(hook, ctx('::1'), 1000)).allowed, false);
  assert.equal((await checkAccess(hook, ctx('127.0.0.2'), 1000)).allowed, true);
  assert.equal(ipRulesHook({}), undefined);
});

test('bad rules are named', () => {
  assert.equal(invalidIpRule('10.0.0.0/8'), undefined);
  assert.equal(invalidIpRule('::/0'), undefined);
  assert.match(invalidIpRule('10.0.0.0/33')!, /prefix/);
  assert.match(invalidIpRule('example.com')!, /expected an IP/);
  assert.throws(() => ipRulesHook({ allow: ['1.2.3.4/x'] }), /1\.2\.3\.4\/x/);
});
