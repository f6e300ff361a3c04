import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OPTION_DOC_FILES, REGENERATE_OPTION_DOCS, optionDocSections, renderOptionDocs } from '../src/index.js';

const root = new URL('../../../../', import.meta.url);
const read = (file: string): string => readFileSync(new URL(file, root), 'utf8');

test('the committed option tables are what the descriptors generate', () => {
  for (const file of OPTION_DOC_FILES) {
    const committed = read(file);
    const generated = renderOptionDocs(committed);
    if (generated === committed) continue;
    const a = committed.split('\n');
    const b = generated.split('\n');
    const line = a.findIndex((l, i) => l !== b[i]);
    assert.fail(`${file} is stale (from line ${line + 1}: ${JSON.stringify(a[line])}, expected ${JSON.stringify(b[line])}); regenerate with: ${REGENERATE_OPTION_DOCS}`);
  }
});

test('every generated section has its place in the docs', () => {
  const all = OPTION_DOC_FILES.map(read).join('\n');
  for (const name of Object.keys(optionDocSections())) {
    assert.ok(all.includes(`<!-- generated:${name} -->`) && all.includes(`<!-- /generated:${name} -->`), `no markers for ${name}`);
  }
});

test('the server table names every setting with its flag and variable; the migration table every old spelling', () => {
  const { 'options:server': server, 'options:renamed': renamed } = optionDocSections();
  assert.match(server!, /^\| `fastCacheMs` \| `--fast-cache-ms` \| `FLVCAST_FAST_CACHE_MS` \| integer 0–60000 \(ms\) \| `0` \|/m);
  assert.match(server!, /^\| `mergeWriteMs` \| `--merge-write-ms` \| `FLVCAST_MERGE_WRITE_MS` \| integer 0–5000 \(ms\) \| `10` \|/m, "the server's default and range");
  for (const old of ['fastCache', 'highWaterMark', 'chunkSize', 'maxChunkSize', 'maxMessageSize', 'windowAckSize']) assert.match(renamed!, new RegExp(`^\\| \`${old}\` \\| \`${old}(Ms|Bytes)\` \\|`, 'm'));
});
