import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOG_CODES, isLogCode, logCodeOf } from '../src/index.js';

/** packages/, from packages/limits/dist/test. */
const PACKAGES = fileURLToPath(new URL('../../../', import.meta.url));
/** Where the plugins (and the server, which reports HTTP timeouts) log about clients. */
const PLUGIN_SOURCES = ['fastify-http-flv/src', 'fastify-rtmp/src', 'fastify-ops/src', 'server/src'];
/** `ERR_*` strings in those sources that are not log lines about a client, and why. */
const NOT_LOG_CODES: Record<string, string> = {
  ERR_FLVCAST_CONFIG: "the code of the server's config error, thrown at startup",
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

test('every ERR_*/WS_ERR_* code quoted in the plugins\' source is in the registry', () => {
  const unregistered: string[] = [];
  let seen = 0;
  for (const dir of PLUGIN_SOURCES) {
    for (const file of tsFiles(join(PACKAGES, dir))) {
      for (const [, code] of readFileSync(file, 'utf8').matchAll(/['"`]((?:WS_)?ERR_[A-Z0-9_]*[A-Z0-9])['"`]/g)) {
        seen++;
        if (!Object.hasOwn(LOG_CODES, code!) && !Object.hasOwn(NOT_LOG_CODES, code!)) unregistered.push(`${code} (${file.slice(PACKAGES.length)})`);
      }
    }
  }
  assert.ok(seen >= 10, `the scan found the codes (${seen}): did the sources move?`);
  assert.deepEqual(unregistered, []);
});

test('each registered code has a one-line meaning and is spelled as a code', () => {
  for (const [code, meaning] of Object.entries(LOG_CODES)) {
    assert.match(code, /^(?:WS_)?ERR_[A-Z0-9_]+$/);
    assert.ok(meaning.length > 10 && !meaning.includes('\n'), code);
  }
});

test('isLogCode and logCodeOf: registered codes pass; unknown ws codes pass as ws codes; anything else is ERR_UNEXPECTED', () => {
  assert.equal(isLogCode('ERR_FLV_TOO_MANY_VIEWERS'), true);
  assert.equal(isLogCode('WS_ERR_SOMETHING_NEW'), true, 'ws adds codes between releases');
  assert.equal(isLogCode('ERR_NOT_A_CODE'), false);
  assert.equal(isLogCode('toString'), false, 'own keys only');
  assert.equal(isLogCode(undefined), false);
  assert.equal(logCodeOf(Object.assign(new Error('x'), { code: 'ERR_RTMP_BAD_COMMAND' })), 'ERR_RTMP_BAD_COMMAND');
  assert.equal(logCodeOf(Object.assign(new Error('x'), { code: 'ERR_OUT_OF_RANGE' })), 'ERR_UNEXPECTED');
  assert.equal(logCodeOf(new Error('no code')), 'ERR_UNEXPECTED');
  assert.equal(logCodeOf('a string'), 'ERR_UNEXPECTED');
  assert.equal(logCodeOf(null), 'ERR_UNEXPECTED');
});
