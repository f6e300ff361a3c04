import fc from 'fast-check';
import { parseMount } from '@flvcast/fastify-http-flv';
import { invalidKeyPart, isValidName, streamKeyToString } from '@flvcast/hub';
import Router from 'find-my-way';
import { check, defineTarget } from '../harness.js';

const TEMPLATES = ['[vhost]/[app]/[stream].flv', '[app]/[stream].flv', '/[app]/[stream].flv', '//[vhost]/[app]/[stream].flv', '[app]/[stream].ts', '[app]/[stream].jsonl'];
/** Pieces a hostile path is made of: dots, slashes and their escapes, bad escapes, NUL, non-ASCII. */
const PIECES = ['.', '..', '/', '%2F', '%2f', '%2e', '%2E%2E', '%', '%zz', '%00', '%C3%A9', '%E2%82%AC', '%FF', '\\', '?', '#', ';', ' ', '+', 'live', 'cam', '_-', 'a'.repeat(130), '.flv'];
const segment = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { minLength: 0, maxLength: 5 }).map((p) => p.join('')),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,10}$/),
);
const pathArb = fc.oneof(
  fc.tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.option(fc.string({ maxLength: 10 }), { nil: undefined })).map(
    ([segs, flv, query]) => `/${segs.join('/')}${flv ? '.flv' : ''}${query === undefined ? '' : `?${query}`}`,
  ),
  fc.string({ maxLength: 40 }).map((s) => `/${s}`),
);

export default defineTarget({
  name: 'mount',
  entry: '@flvcast/fastify-http-flv parseMount + the route (find-my-way, as Fastify routes) + @flvcast/hub invalidKeyPart',
  errorCodes: [],
  ciRuns: 10000,
  input: fc.record({
    template: fc.oneof(fc.constantFrom(...TEMPLATES), fc.string({ maxLength: 40 }), fc.constantFrom(...TEMPLATES).chain((t) => fc.nat(t.length).map((i) => t.slice(0, i) + t.slice(i + 1)))),
    paths: fc.array(pathArb, { minLength: 1, maxLength: 6 }),
    params: fc.dictionary(fc.constantFrom('vhost', 'app', 'stream', 'other'), fc.option(fc.string({ maxLength: 10 }), { nil: undefined })),
  }),
  run({ template, paths, params }) {
    const mount = parseMount(template);
    if (mount === undefined) return;
    // The extension picks the container (flv, or one an app adds): the route ends in the template's own.
    check(/^[a-z0-9]{1,8}$/.test(mount.extension), `extension ${JSON.stringify(mount.extension)}`);
    check(mount.url === `/:vhost/:app/:stream.${mount.extension}` || mount.url === `/:app/:stream.${mount.extension}`, `route ${mount.url}`);
    check(template.replace(/^\/+/, '').endsWith(`.${mount.extension}`), `route ${mount.url} for template ${template}`);
    checkKey(mount.key(params));
    // Fastify's default router options (maxParamLength 100).
    const router = Router({ maxParamLength: 100 });
    router.on('GET', mount.url, () => {});
    for (const path of paths) {
      const found = router.find('GET', path);
      if (found === null) continue;
      checkKey(mount.key(found.params as Record<string, string>));
    }
  },
});

/** A key either names its bad part, or every part is a safe name and the key's string splits back into exactly them. */
function checkKey(key: { vhost: string; app: string; stream: string }): void {
  check(typeof key.vhost === 'string' && typeof key.app === 'string' && typeof key.stream === 'string', 'a key part that is not a string');
  const bad = invalidKeyPart(key);
  if (bad !== undefined) {
    check(key[bad] === '' ? bad !== 'vhost' : !isValidName(key[bad]), `invalidKeyPart blamed the valid ${bad}`);
    return;
  }
  const parts = key.vhost === '' ? [key.app, key.stream] : [key.vhost, key.app, key.stream];
  for (const p of parts) check(/^[A-Za-z0-9_.-]{1,128}$/.test(p) && !p.includes('..') && p !== '.', () => `unsafe name ${JSON.stringify(p)} passed`);
  const s = streamKeyToString(key).split('/');
  check(s.length === parts.length && s.every((x, i) => x === parts[i]), 'the key string does not split back into its parts');
}
