#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildServer } from './build-server.js';
import { ConfigError, configAliases, configFromEnv, configFromFile, configKeys, envName, flagName, isBooleanKey, isListKey, resolveConfig } from './config.js';
import { flvcastOptionDescriptors } from './server-options.js';
import { urlHost } from './listen-address.js';
import { signCommand } from './sign-command.js';

/** How the ready banner names the formats beside FLV, and when they apply. */
const FORMAT_LABELS: Readonly<Record<string, readonly [string, string]>> = {
  ts: ['MPEG-TS', ''],
  aac: ['AAC', '  (audio only, AAC streams)'],
  mp3: ['MP3', '  (audio only, MP3 streams)'],
};

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
  const args = configFromArgs(process.argv.slice(2));
  if (args.help) return void console.log(usage());
  if (args.version) return void console.log(pkg.version);
  const file = args.file ?? process.env.FLVCAST_CONFIG;
  const config = resolveConfig(file === undefined ? {} : configFromFile(file), configFromEnv(process.env), args.config);
  const { app, listen, apiAddresses } = await buildServer(config);
  const bound = await listen();

  const scheme = config.httpsCert === '' ? 'http' : 'https';
  const http = bound.map((a) => `${scheme}://${urlHost(a.address)}:${a.port}`);
  const rtmp = app.rtmp.addresses().filter((a) => !a.tls).map((a) => `rtmp://${urlHost(a.address)}:${a.port}`);
  const rtmps = app.rtmp.addresses().filter((a) => a.tls).map((a) => `rtmps://${urlHost(a.address)}:${a.port}`);
  const lines = [`flvcast ${pkg.version} ready`];
  if (config.dashboard) lines.push(`  open:     ${http[0]}/  (web player and live stream list)`);
  lines.push(`  publish:  ffmpeg -re -i input.mp4 -c copy -f flv ${rtmp[0]}/live/cam1`, `            (OBS: server ${rtmp[0]}/live, stream key cam1)`);
  if (rtmps.length > 0) lines.push(`  RTMPS:    ${rtmps[0]}/live (OBS server URL; same stream keys)`);
  lines.push(`  play:     ffplay ${http[0]}/live/cam1.flv`);
  // The other formats the mount list serves, each on the same name (the audio ones where the codec fits).
  const extensions = new Set(config.mount.map((m) => /\.([a-z0-9]+)$/.exec(m)?.[1]).filter((e): e is string => e !== undefined && e !== 'flv'));
  for (const ext of extensions) {
    const [label, note] = FORMAT_LABELS[ext] ?? [`.${ext}`, ''];
    lines.push(`            ${label.padEnd(8)} ${http[0]}/live/cam1.${ext}${note}`);
  }
  if (http.length > 1) lines.push(`            (HTTP also on ${http.slice(1).join(', ')})`);
  if (config.websocket) lines.push(`            WS-FLV ${http[0]!.replace(/^http/, 'ws')}/live/cam1.flv (WS on every mount)`);
  const api = apiAddresses().map((a) => `http://${urlHost(a.address)}:${a.port}`);
  // The API has a listener of its own: a reverse proxy in front of the public port never reaches it.
  const apiAccess = config.apiToken === '' ? 'loopback only, no token' : 'loopback without a token, elsewhere with apiToken';
  if (api.length === 0) lines.push('  api:      off (apiListen)');
  else {
    if (config.api) lines.push(`  api:      ${api[0]}/api/v1/streams  (${apiAccess}; not on the public port)`);
    if (config.metrics) lines.push(`  metrics:  ${api[0]}/metrics`);
  }
  for (const spec of [...config.source.map((s) => s.split('=')[0]!), ...(config.demo ? ['live/demo'] : [])]) {
    lines.push(`  live now: ${http[0]}/${spec}.flv`);
  }
  // One record per line: readable as lines both pretty and as JSON (one message with \n escapes is not).
  for (const line of lines) app.log.info(line);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) {
      // A second signal (Ctrl-C twice): the operator doesn't want to wait.
      app.log.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    closing = true;
    const started = performance.now();
    app.log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
    // Never hang on shutdown: a hard limit behind the graceful close.
    setTimeout(() => {
      app.log.warn({ graceMs: config.shutdownGraceMs }, 'shutdown grace expired, forcing exit');
      process.exit(1);
    }, config.shutdownGraceMs).unref();
    app.close().then(
      () => {
        app.log.info({ ms: Math.round(performance.now() - started) }, 'shut down cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`flvcast: ${err.message}`);
    process.exit(2);
  }
  console.error('flvcast: failed to start:', err);
  process.exit(1);
});
