import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defineOptions,
  jsonSchema,
  markdownTable,
  omitOptions,
  option,
  optionDefaults,
  pickOptions,
  replaceGenerated,
  resolveOptions,
  serverOptions,
  type AliasNames,
  type OptionInput,
  type OptionValues,
  type ServerKeys,
} from '../src/index.js';

const table = defineOptions({
  enabled: option.boolean({ default: true, doc: 'on or off', server: true }),
  chunkSizeBytes: option.integer({ min: 128, max: 65536, default: 4096, unit: 'bytes', doc: 'outgoing chunk size', aliases: [{ name: 'chunkSize' }], server: true }),
  cacheMs: option.integer({ min: 0, default: 0, unit: 'ms', doc: 'audio kept', aliases: [{ name: 'cache', unit: 'seconds', factor: 1000 }], server: { max: 60_000 } }),
  ratio: option.number({ min: 0, default: 0.5, doc: 'a share' }),
  name: option.string({ default: 'x', doc: 'a name', check: (v) => (v.includes('/') ? `expected no "/", got ${JSON.stringify(v)}` : undefined), server: true }),
  format: option.oneOf(['json', 'pretty'], { default: 'json', doc: 'log format', server: true }),
  origins: option.list({ doc: 'allowed origins', server: { default: [] } }),
  actions: option.listOf(['publish', 'play'], { default: ['publish', 'play'], doc: 'what needs a token' }),
  hook: option.callback<() => void>('called back'),
});

test('values: defaults applied, given values kept, types derived from the table', () => {
  const { values, problems, deprecations } = resolveOptions(table, { enabled: false, origins: ['https://a.example'] });
  assert.deepEqual(problems, []);
  assert.deepEqual(deprecations, []);
  assert.equal(values.enabled, false);
  assert.equal(values.chunkSizeBytes, 4096);
  assert.deepEqual(values.origins, ['https://a.example']);
  assert.equal(values.hook, undefined);
  // Compile-time: the value types follow the descriptors.
  const typed: OptionValues<typeof table> = values;
  const format: 'json' | 'pretty' = typed.format;
  const actions: ('publish' | 'play')[] = typed.actions;
  const origins: string[] | undefined = typed.origins;
  const input: OptionInput<typeof table> = { chunkSizeBytes: 1, hook: () => {} };
  const aliases: AliasNames<typeof table>[] = ['chunkSize', 'cache'];
  const exposed: ServerKeys<typeof table>[] = ['enabled', 'chunkSizeBytes', 'cacheMs', 'name', 'format', 'origins'];
  assert.ok(format && actions && input && aliases && exposed && origins);
  assert.deepEqual(optionDefaults(table).chunkSizeBytes, 4096);
});

test('problems name the option and say what was expected', () => {
  const { problems } = resolveOptions(table, { enabled: 'yes', chunkSizeBytes: 100, ratio: -1, name: 'a/b', format: 'xml', actions: ['watch'], hook: 3, bogus: 1 });
  assert.deepEqual(
    problems.map((p) => [p.option, p.message]),
    [
      ['bogus', 'unknown option'],
      ['enabled', 'expected a boolean, got "yes"'],
      ['chunkSizeBytes', 'expected an integer from 128 to 65536 (bytes), got 100'],
      ['ratio', 'expected a number >= 0, got -1'],
      ['name', 'expected no "/", got "a/b"'],
      ['format', 'expected one of "json", "pretty", got "xml"'],
      ['actions', 'expected a list of "publish", "play", got ["watch"]'],
      ['hook', 'expected a function, got 3'],
    ],
  );
  assert.equal(problems[1]!.expected, 'a boolean');
  assert.deepEqual(resolveOptions(table, { bogus: 1, prefix: '/x' }, { unknown: 'ignore' }).problems, []);
  assert.deepEqual(resolveOptions(table, { prefix: '/x' }, { ignore: ['prefix'] }).problems, []);
  assert.deepEqual(resolveOptions(table, { enabled: undefined }).problems, [], 'undefined is "not given"');
});

test('old spellings: converted, reported once as a deprecation, refused when both spellings are given', () => {
  const renamed = resolveOptions(table, { chunkSize: 8192, cache: 1.5 });
  assert.deepEqual(renamed.problems, []);
  assert.equal(renamed.values.chunkSizeBytes, 8192);
  assert.equal(renamed.values.cacheMs, 1500);
  assert.deepEqual(
    renamed.deprecations.map((d) => d.message),
    [
      'option "chunkSize" is deprecated and will be removed in the next release: use "chunkSizeBytes" (same value, in bytes)',
      'option "cache" is deprecated and will be removed in the next release: use "cacheMs" (milliseconds; cache was seconds, ×1000)',
    ],
  );
  assert.deepEqual(renamed.deprecations[1], { ...renamed.deprecations[1], alias: 'cache', option: 'cacheMs', factor: 1000, aliasUnit: 'seconds', optionUnit: 'ms' });
  const bad = resolveOptions(table, { chunkSize: 1, cache: 'soon' });
  assert.deepEqual(bad.problems.map((p) => p.option).sort(), ['cache', 'chunkSize'], 'a bad value under an old spelling names that spelling');
  assert.match(bad.problems.find((p) => p.option === 'cache')!.message, /expected a number \(seconds\), got "soon"/);
  assert.match(resolveOptions(table, { cache: -1 }).problems[0]!.message, /expected an integer >= 0 \(ms\), got -1000 \(as cacheMs = cache × 1000\)/);
  const both = resolveOptions(table, { chunkSizeBytes: 4096, chunkSize: 8192 });
  assert.deepEqual(both.problems.map((p) => p.option), ['chunkSize']);
  assert.match(both.problems[0]!.message, /pass only "chunkSizeBytes"/);
});

test('defineOptions enforces the naming rule: durations end in Ms, sizes in Bytes; aliases do not clash', () => {
  assert.throws(() => defineOptions({ timeout: option.integer({ unit: 'ms', doc: 'x' }) }), /"timeout" is in ms: its name must end in Ms/);
  assert.throws(() => defineOptions({ chunkSize: option.integer({ unit: 'bytes', doc: 'x' }) }), /must end in Bytes/);
  assert.throws(() => defineOptions({ aMs: option.integer({ unit: 'ms', doc: 'x', aliases: [{ name: 'bMs' }] }), bMs: option.integer({ unit: 'ms', doc: 'x' }) }), /already a name/);
  assert.throws(() => defineOptions({ n: option.integer({ min: 1, default: 0, doc: 'x' }) }), /breaks its own rule/);
  assert.doesNotThrow(() => defineOptions({ gopCacheMaxFrames: option.integer({ unit: 'frames', doc: 'x' }) }));
});

test('server view: only exposed options, with the server default and range; every one has a default', () => {
  const server = serverOptions(table);
  assert.deepEqual(Object.keys(server), ['enabled', 'chunkSizeBytes', 'cacheMs', 'name', 'format', 'origins']);
  assert.equal(server.cacheMs.max, 60_000);
  assert.equal(table.cacheMs.max, undefined, 'the library range stays');
  assert.deepEqual(server.origins.default, []);
  assert.throws(() => serverOptions({ x: option.integer({ doc: 'x', server: true }) }), /needs a default/);
  const hook = option.custom({ typeName: 'function', expected: 'a function', doc: 'x', is: (v): v is () => void => typeof v === 'function', default: () => {} });
  assert.throws(() => serverOptions({ x: { ...hook, server: true } }), /"x" is a function: a server setting must be/);
});

test('pick and omit keep the order they are given', () => {
  assert.deepEqual(Object.keys(pickOptions(table, ['format', 'enabled'])), ['format', 'enabled']);
  assert.deepEqual(Object.keys(omitOptions(table, ['hook', 'ratio'])), ['enabled', 'chunkSizeBytes', 'cacheMs', 'name', 'format', 'origins', 'actions']);
});

test('JSON schema: one property per option with type, range, default and doc', () => {
  const schema = jsonSchema(serverOptions(table));
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.properties.chunkSizeBytes, { type: 'integer', minimum: 128, maximum: 65536, default: 4096, description: 'outgoing chunk size' });
  assert.deepEqual(schema.properties.cacheMs, { type: 'integer', minimum: 0, maximum: 60_000, default: 0, description: 'audio kept' });
  assert.deepEqual(schema.properties.format, { type: 'string', enum: ['json', 'pretty'], default: 'json', description: 'log format' });
  assert.deepEqual(schema.properties.origins, { type: 'array', items: { type: 'string' }, default: [], description: 'allowed origins' });
  assert.throws(() => jsonSchema(table), /"hook" \(function\) has no JSON-schema form/);
});

test('markdown: a row per option; generated sections replaced between their markers only', () => {
  const md = markdownTable(pickOptions(table, ['chunkSizeBytes', 'format', 'hook']));
  assert.equal(
    md,
    [
      '| option | type | default | meaning |',
      '| --- | --- | --- | --- |',
      '| `chunkSizeBytes` | integer 128–65536 (bytes) | `4096` (4 KiB) | outgoing chunk size (old spelling, deprecated: `chunkSize`) |',
      '| `format` | `"json"` \\| `"pretty"` | `"json"` | log format |',
      '| `hook` | function | — | called back |',
    ].join('\n'),
  );
  const doc = 'intro\n<!-- generated:t -->\nold\n<!-- /generated:t -->\noutro\n';
  assert.equal(replaceGenerated(doc, 't', 'new'), 'intro\n<!-- generated:t -->\nnew\n<!-- /generated:t -->\noutro\n');
  assert.throws(() => replaceGenerated(doc, 'other', 'x'), /markers/);
});
