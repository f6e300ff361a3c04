import { readFileSync } from 'node:fs';
import { aliasIndex, convertAlias, deprecationText, jsonSchema, valueProblem, type OptionDescriptor } from '@flvcast/options';
import { Ajv, type ErrorObject } from 'ajv';
import { flvcastOptionDescriptors, type FlvcastConfig } from './server-options.js';

export { trustProxySetting, type FlvcastConfig } from './server-options.js';

/**
 * The server's configuration: one flat schema, generated from the option descriptors (server-options.ts,
 * and the plugin and hub options marked `server` in their packages). Each key is also a CLI flag
 * (kebab-case: `--http-listen`) and an environment variable (`FLVCAST_HTTP_LISTEN`); precedence:
 * defaults < file < environment < flags.
 */
export const configSchema = jsonSchema(flvcastOptionDescriptors);

export type ConfigKey = keyof FlvcastConfig;
export const configKeys = Object.keys(flvcastOptionDescriptors) as ConfigKey[];
const descriptors: Readonly<Record<string, OptionDescriptor>> = flvcastOptionDescriptors;

/** Old spellings (config key, flag and variable) still accepted until the next release, with one warning. */
export const configAliases = aliasIndex(flvcastOptionDescriptors);

export const flagName = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const envName = (key: string): string => `FLVCAST_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
/** A setting (or an old spelling of one) that takes a list: repeatable flag, comma-separated variable. */
export const isListKey = (key: string): boolean => (descriptors[key] ?? configAliases.get(key)?.descriptor)?.kind === 'list';
/** A setting (or an old spelling of one) that is a boolean: `--x`, `--x=false`, `--no-x`. */
export const isBooleanKey = (key: string): boolean => (descriptors[key] ?? configAliases.get(key)?.descriptor)?.kind === 'boolean';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'ERR_FLVCAST_CONFIG';
}

/** Environment variables → partial config. Arrays are comma-separated (`FLVCAST_HTTP_LISTEN=a:1,b:2`). */
export function configFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of [...configKeys, ...configAliases.keys()]) {
    const value = env[envName(key)];
    if (value === undefined || value === '') continue;
    out[key] = isListKey(key) ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : value;
  }
  return out;
}

/** Reads a JSON config file; its keys are the schema's (camelCase). */
export function configFromFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid: ${(err as Error).message}`);
  }
}

const ajv = () => new Ajv({ allErrors: true, useDefaults: true, coerceTypes: 'array' });

/** Deprecation lines of the configs resolveConfig() returned (the server logs them once at startup). */
const deprecationsOf = new WeakMap<object, readonly string[]>();

/** The one-line notices for the old spellings this config was given with (empty for none). */
export function configDeprecations(config: FlvcastConfig): readonly string[] {
  return deprecationsOf.get(config) ?? [];
}

/**
 * Merges the layers (later wins), applies defaults, coerces strings from env/flags, validates everything.
 * An old spelling counts in its layer like the new one (a flag in either spelling beats the environment);
 * both spellings in one layer are refused.
 */
export function resolveConfig(...layers: Record<string, unknown>[]): FlvcastConfig {
  const merged: Record<string, unknown> = {};
  /** Setting → the old spelling its value came from, to name what the operator wrote in errors. */
  const spelledAs = new Map<string, string>();
  const deprecations = new Map<string, string>();
  const problems: string[] = [];
  for (const layer of layers) {
    const seen = new Map<string, string>();
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      const target = configAliases.get(k);
      const key = target?.option ?? k;
      const other = seen.get(key);
      if (other !== undefined) {
        problems.push(`  ${where(target === undefined ? other : k)}: the old spelling of ${key}, which is set too: set only ${key}`);
        continue;
      }
      seen.set(key, k);
      if (target === undefined) {
        merged[k] = v;
        spelledAs.delete(k);
        continue;
      }
      const converted = convertAlias(target, v);
      if ('problem' in converted) {
        problems.push(`  ${where(k)}: ${converted.problem}`);
        continue;
      }
      merged[key] = converted.value;
      spelledAs.set(key, k);
      deprecations.set(k, deprecationText(target, where));
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  const label = (key: string): string => {
    const alias = spelledAs.get(key);
    return alias === undefined ? where(key) : `${where(alias)} [old spelling of ${key}]`;
  };
  const validate = ajv().compile(configSchema);
  if (!validate(merged)) throw new ConfigError(`invalid configuration:\n${(validate.errors ?? []).map((e) => describe(e, label)).join('\n')}`);
  const config = merged as unknown as FlvcastConfig;
  // Each setting's own rule (addresses, IP rules, URLs…), then the rules between settings.
  for (const key of configKeys) {
    const problem = valueProblem(descriptors[key]!, config[key]);
    if (problem !== undefined) problems.push(`  ${label(key)}: ${problem.message}`);
  }
  // TLS settings come in pairs, and HTTP/2 means TLS: browsers never speak cleartext HTTP/2.
  for (const [a, b] of [['httpsCert', 'httpsKey'], ['rtmpsCert', 'rtmpsKey']] as const) {
    if ((config[a] === '') !== (config[b] === '')) problems.push(`  ${where(config[a] === '' ? a : b)}: needed with ${config[a] === '' ? b : a}`);
  }
  if (config.http2 && config.httpsCert === '') problems.push(`  ${where('http2')}: needs httpsCert and httpsKey (HTTP/2 is served over TLS)`);
  if (config.rtmpsListen.length > 0 && config.rtmpsCert === '' && config.httpsCert === '') {
    problems.push(`  ${where('rtmpsListen')}: needs rtmpsCert/rtmpsKey (or httpsCert/httpsKey)`);
  }
  if (config.httpHeadersTimeoutMs > config.httpRequestTimeoutMs) {
    problems.push(`  ${where('httpHeadersTimeoutMs')}: must not exceed httpRequestTimeoutMs (${config.httpRequestTimeoutMs})`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  deprecationsOf.set(config, [...deprecations.values()]);
  return config;
}

/** How an option is named to the operator: key, flag and environment variable. */
export function where(key: string): string {
  return `${key} (--${flagName(key)}, ${envName(key)})`;
}

function describe(e: ErrorObject, label: (key: string) => string): string {
  const key = e.instancePath.split('/')[1];
  if (e.keyword === 'additionalProperties') return `  unknown option "${String(e.params.additionalProperty)}"`;
  if (key === undefined) return `  ${e.message ?? 'invalid'}`;
  const allowed = e.keyword === 'enum' ? `: ${(e.params.allowedValues as string[]).join(', ')}` : '';
  return `  ${label(key)}: ${e.message ?? 'invalid'}${allowed}`;
}
