#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildServer } from './build-server.js';
import { ConfigError, configAliases, configFromEnv, configFromFile, configKeys, envName, flagName, isBooleanKey, isListKey, resolveConfig } from './config.js';
import { flvcastOptionDescriptors } from './server-options.js';
import { publicUrls, readyBanner } from './ready-banner.js';
import { gracefulShutdown } from './shutdown.js';
import { runPrimary } from './workers/primary.js';
import { runWorker } from './workers/worker.js';
import { workerHandoff } from './workers/worker-messages.js';
import { signCommand } from './sign-command.js';
import { indexCommand } from './index-command.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function usage(): string {
  const lines = ['Usage: flvcast [options]', '', 'Live streaming server: RTMP in; HTTP and WebSocket out in every format of the mount list (FLV, AAC, MP3…).', '', 'Options (each also as an environment variable):'];
  const value = (key: string): string => {
    const values = (flvcastOptionDescriptors as Record<string, { kind: string; values?: readonly string[] }>)[key]?.values;
    return isBooleanKey(key) ? '[=true|false]' : values === undefined ? ' <value>' : ` <${values.join('|')}>`;
  };
  const flag = (key: string): string => `--${flagName(key)}${value(key)}${isListKey(key) ? ' (repeatable)' : ''}`;
  for (const key of configKeys) {
    const d = flvcastOptionDescriptors[key];
    lines.push(`  ${flag(key).padEnd(40)} ${d.doc} [${JSON.stringify(d.default)}] ${envName(key)}`);
  }
  lines.push(`  ${'--config <file.json>'.padEnd(40)} JSON file with the same keys (camelCase) FLVCAST_CONFIG`);
  lines.push(`  ${'--help, --version'.padEnd(40)}`);
  if (configAliases.size > 0) {
    lines.push('', 'Old spellings, accepted with a warning until the next release (see docs/migration.md):');
    for (const [alias, { option, alias: spec }] of configAliases) {
      const factor = spec.factor === undefined || spec.factor === 1 ? 'same value' : `${spec.unit ?? 'old unit'}, ×${spec.factor}`;
      lines.push(`  ${flag(alias).padEnd(40)} use --${flagName(option)} (${factor}) ${envName(alias)}`);
    }
  }
  lines.push('', 'Commands:', '  flvcast sign --stream app/stream [--action play|publish] ...   print a signed URL (flvcast sign --help)');
  lines.push('  flvcast index FILE... [--in-place | -o OUT.flv]                 make FLV files seekable: keyframes index (flvcast index --help)');
  return lines.join('\n');
}

/** Flags → partial config. Booleans accept `--x`, `--x=false`, `--no-x`. Old spellings are flags too. */
function configFromArgs(argv: string[]): { config: Record<string, unknown>; file?: string; help: boolean; version: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
    config: { type: 'string' },
    help: { type: 'boolean' },
    version: { type: 'boolean' },
  };
  const keys = [...configKeys, ...configAliases.keys()];
  for (const key of keys) {
    options[flagName(key)] = { type: 'string', multiple: isListKey(key) };
    if (isBooleanKey(key)) options[`no-${flagName(key)}`] = { type: 'boolean' };
  }
  // A bare boolean flag (`--demo`) has no value for parseArgs' string type: give it one.
  const normalized = argv.map((arg) => {
    const key = keys.find((k) => `--${flagName(k)}` === arg && isBooleanKey(k));
    return key === undefined ? arg : `${arg}=true`;
  });
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: normalized, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${usage()}`);
  }
  const config: Record<string, unknown> = {};
  for (const key of keys) {
    const value = values[flagName(key)];
    if (value !== undefined) config[key] = value;
    if (values[`no-${flagName(key)}`] === true) config[key] = false;
  }
  return { config, file: values.config as string | undefined, help: values.help === true, version: values.version === true };
}

async function main(): Promise<void> {
  if (process.argv[2] === 'sign') {
    for (const line of signCommand(process.argv.slice(3), process.env)) console.log(line);
    return;
  }
  if (process.argv[2] === 'index') {
    const { out, err, code } = await indexCommand(process.argv.slice(3));
    for (const line of out) console.log(line);
    for (const line of err) console.error(line);
    process.exitCode = code;
    return;
  }
  const args = configFromArgs(process.argv.slice(2));
  if (args.help) return void console.log(usage());
  if (args.version) return void console.log(pkg.version);
  const file = args.file ?? process.env.FLVCAST_CONFIG;
  const config = resolveConfig(file === undefined ? {} : configFromFile(file), configFromEnv(process.env), args.config);
  // A worker process of a primary started with --workers N; the primary itself; or one process (N = 1).
  const handoff = workerHandoff(process.env);
  if (handoff !== undefined) return runWorker(config, handoff);
  if (config.workers > 1) return runPrimary(config);
  const { app, listen, apiAddresses } = await buildServer(config);
  const bound = await listen();

  const lines = readyBanner(config, { http: publicUrls(config, bound), rtmp: app.rtmp.addresses(), api: apiAddresses() });
  // One record per line: readable as lines both pretty and as JSON (one message with \n escapes is not).
  for (const line of lines) app.log.info(line);

  gracefulShutdown({ log: app.log, graceMs: config.shutdownGraceMs, close: () => app.close() });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`flvcast: ${err.message}`);
    process.exit(2);
  }
  console.error('flvcast: failed to start:', err);
  process.exit(1);
});
