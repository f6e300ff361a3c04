import { readFileSync } from 'node:fs';
import { MIN_SECRET_LENGTH, invalidIpRule } from '@flvcast/access';
import { Ajv, type ErrorObject } from 'ajv';
import { parseListenAddress } from './listen-address.js';

/**
 * The server's configuration: one flat schema. Each key is also a CLI flag (kebab-case: `--http-listen`)
 * and an environment variable (`FLVCAST_HTTP_LISTEN`); precedence: defaults < file < environment < flags.
 */
export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    httpListen: { type: 'array', items: { type: 'string' }, minItems: 1, default: ['0.0.0.0:8080'], description: 'HTTP listen addresses (host:port, [::]:port for dual stack)' },
    rtmpListen: { type: 'array', items: { type: 'string' }, minItems: 1, default: ['0.0.0.0:1935'], description: 'RTMP listen addresses' },
    mount: { type: 'string', default: '[app]/[stream].flv', description: 'FLV route template ([vhost]/ optional)' },
    crossdomain: { type: 'boolean', default: true, description: 'CORS on the FLV routes' },
    websocket: { type: 'boolean', default: true, description: 'WebSocket-FLV on the same path' },
    hasAudio: { type: 'boolean', default: true, description: 'FLV header audio flag when unknown' },
    hasVideo: { type: 'boolean', default: true, description: 'FLV header video flag when unknown' },
    guessHasAv: { type: 'boolean', default: true, description: 'decide header flags from the stream' },
    dropIfNotMatch: { type: 'boolean', default: true, description: "don't send tracks the header denied" },
    gopCache: { type: 'boolean', default: true, description: 'new viewers start with the last GOP' },
    fastCache: { type: 'number', minimum: 0, maximum: 60, default: 0, description: 'seconds of audio cached for audio-only streams' },
    mergeWriteMs: { type: 'integer', minimum: 0, maximum: 5000, default: 10, description: 'merge each viewer\'s writes for this long (10 ms halves the CPU of per-tag writes for ~10 ms latency; 0 = every tag at once; 200+ = throughput mode)' },
    reconnectGraceMs: { type: 'integer', minimum: 0, maximum: 600000, default: 5000, description: 'viewers wait this long for a dropped publisher' },
    publishTakeover: { type: 'boolean', default: false, description: 'a new publisher on a busy key takes over (else refused)' },
    maxQueueBytes: { type: 'integer', minimum: 65536, default: 8388608, description: 'per-viewer backlog before skipping to a keyframe' },
    maxQueueMs: { type: 'integer', minimum: 100, default: 10000, description: 'per-viewer backlog in media time' },
    stallTimeoutMs: { type: 'integer', minimum: 1000, default: 30000, description: 'a viewer accepting nothing this long is dropped' },
    handshakeTimeoutMs: { type: 'integer', minimum: 100, default: 5000, description: 'RTMP handshake timeout' },
    firstPacketTimeoutMs: { type: 'integer', minimum: 100, default: 20000, description: 'RTMP time to first media packet' },
    idleTimeoutMs: { type: 'integer', minimum: 100, default: 10000, description: 'RTMP idle publisher timeout' },
    chunkSize: { type: 'integer', minimum: 128, maximum: 16777215, default: 4096, description: 'outgoing RTMP chunk size' },
    maxMessageSize: { type: 'integer', minimum: 1024, maximum: 16777215, default: 8388608, description: 'largest RTMP message accepted' },
    maxChunkSize: { type: 'integer', minimum: 128, maximum: 2147483647, default: 65536, description: 'largest RTMP chunk size a peer may announce' },
    maxConnections: { type: 'integer', minimum: 1, maximum: 1000000, default: 1000, description: 'RTMP connections at most (more are closed at once)' },
    maxConnectionsPerIp: { type: 'integer', minimum: 1, maximum: 1000000, default: 50, description: 'RTMP connections per client address at most' },
    maxStreams: { type: 'integer', minimum: 1, maximum: 1000000, default: 1000, description: 'live streams at most (a new publish beyond it is rejected)' },
    maxViewers: { type: 'integer', minimum: 1, maximum: 1000000, default: 10000, description: 'HTTP-FLV + WS-FLV viewers at most (more get 503 / WS 4503)' },
    maxViewersPerIp: { type: 'integer', minimum: 1, maximum: 1000000, default: 100, description: 'FLV viewers per client address at most (more get 429 / WS 4429)' },
    maxViewersPerStream: { type: 'integer', minimum: 1, maximum: 1000000, default: 10000, description: 'FLV viewers of one stream at most (more get 503 / WS 4503)' },
    httpHeadersTimeoutMs: { type: 'integer', minimum: 100, maximum: 600000, default: 10000, description: 'HTTP request headers must arrive within this (slowloris)' },
    httpRequestTimeoutMs: { type: 'integer', minimum: 100, maximum: 3600000, default: 30000, description: 'a whole HTTP request must arrive within this (not the streamed response)' },
    httpKeepAliveTimeoutMs: { type: 'integer', minimum: 100, maximum: 3600000, default: 10000, description: 'idle keep-alive HTTP connections are closed after this' },
    source: { type: 'array', items: { type: 'string', pattern: '^[^=]+/[^=]+=.+$' }, default: [], description: 'app/stream=file.flv: publish a file as a live stream, looping' },
    demo: { type: 'boolean', default: false, description: 'publish the bundled demo clip as live/demo' },
    apiListen: { type: 'array', items: { type: 'string' }, minItems: 1, default: ['127.0.0.1:8081'], description: 'listen addresses of the HTTP API and /metrics, never served on httpListen ("off" = none); its loopback clients need no token' },
    api: { type: 'boolean', default: true, description: 'HTTP API on /api/v1 of apiListen (loopback without a token, elsewhere with apiToken)' },
    apiToken: { type: 'string', default: '', description: 'bearer token for the API (and /metrics unless metricsToken is set); prefer the environment to a flag' },
    metrics: { type: 'boolean', default: true, description: 'Prometheus metrics on /metrics of apiListen (loopback without a token)' },
    metricsToken: { type: 'string', default: '', description: 'bearer token for /metrics (default: apiToken)' },
    httpsCert: { type: 'string', default: '', description: 'PEM certificate (chain) file: the HTTP listeners serve HTTPS/WSS' },
    httpsKey: { type: 'string', default: '', description: 'PEM private key file for httpsCert' },
    http2: { type: 'boolean', default: false, description: 'HTTP/2 over TLS (needs httpsCert/httpsKey); HTTP/1.1 clients still work' },
    rtmpsListen: { type: 'array', items: { type: 'string' }, default: [], description: 'RTMPS (RTMP over TLS) listen addresses, e.g. 0.0.0.0:1936' },
    rtmpsCert: { type: 'string', default: '', description: 'PEM certificate file for RTMPS (default: httpsCert)' },
    rtmpsKey: { type: 'string', default: '', description: 'PEM private key file for RTMPS (default: httpsKey)' },
    shutdownGraceMs: { type: 'integer', minimum: 100, maximum: 600000, default: 5000, description: 'on SIGTERM/SIGINT, connections get this long to end cleanly before the exit is forced' },
    dashboard: { type: 'boolean', default: true, description: 'web player and stream list at / (public: lists stream names)' },
    logLevel: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', description: 'log level' },
    logFormat: { type: 'string', enum: ['auto', 'pretty', 'json'], default: 'auto', description: 'log lines: pretty (one readable line each), json (one JSON object each), auto = pretty on a terminal, else json' },
    trustProxy: { type: 'string', default: '', description: 'trust X-Forwarded-For from these proxies: their addresses/CIDRs (comma-separated), a hop count, or "true" (any; unsafe with nginx\'s $proxy_add_x_forwarded_for); "" = off. Client address for limits, IP rules, signed URLs, logs' },
    signedUrlSecret: { type: 'string', default: '', description: 'require HMAC-signed URLs made with this secret (16+ chars; prefer the env var); "" = off' },
    signedUrlActions: { type: 'array', items: { type: 'string', enum: ['publish', 'play'] }, default: ['publish', 'play'], description: 'what needs a signed URL when a secret is set' },
    signedUrlKick: { type: 'boolean', default: true, description: 'disconnect clients when their signed URL expires' },
    onPublishUrl: { type: 'array', items: { type: 'string' }, default: [], description: 'SRS-style on_publish HTTP callback URLs (all must answer 200 {"code":0})' },
    onPlayUrl: { type: 'array', items: { type: 'string' }, default: [], description: 'SRS-style on_play HTTP callback URLs' },
    onUnpublishUrl: { type: 'array', items: { type: 'string' }, default: [], description: 'on_unpublish notification URLs' },
    onStopUrl: { type: 'array', items: { type: 'string' }, default: [], description: 'on_stop (viewer left) notification URLs' },
    callbackTimeoutMs: { type: 'integer', minimum: 100, maximum: 60000, default: 3000, description: 'HTTP callback timeout' },
    callbackFailure: { type: 'string', enum: ['deny', 'allow'], default: 'deny', description: 'an unreachable/failing on_publish/on_play callback means' },
    publishAllow: { type: 'array', items: { type: 'string' }, default: [], description: 'IPs/CIDRs that may publish (empty = any)' },
    publishDeny: { type: 'array', items: { type: 'string' }, default: [], description: 'IPs/CIDRs that may not publish' },
    playAllow: { type: 'array', items: { type: 'string' }, default: [], description: 'IPs/CIDRs that may play (empty = any)' },
    playDeny: { type: 'array', items: { type: 'string' }, default: [], description: 'IPs/CIDRs that may not play' },
    wsAllowedOrigins: { type: 'array', items: { type: 'string' }, default: [], description: 'browser origins allowed to open WS-FLV (empty = any)' },
  },
} as const;

export interface FlvcastConfig {
  httpListen: string[];
  rtmpListen: string[];
  mount: string;
  crossdomain: boolean;
  websocket: boolean;
  hasAudio: boolean;
  hasVideo: boolean;
  guessHasAv: boolean;
  dropIfNotMatch: boolean;
  gopCache: boolean;
  fastCache: number;
  mergeWriteMs: number;
  reconnectGraceMs: number;
  publishTakeover: boolean;
  maxQueueBytes: number;
  maxQueueMs: number;
  stallTimeoutMs: number;
  handshakeTimeoutMs: number;
  firstPacketTimeoutMs: number;
  idleTimeoutMs: number;
  chunkSize: number;
  maxMessageSize: number;
  maxChunkSize: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  maxStreams: number;
  maxViewers: number;
  maxViewersPerIp: number;
  maxViewersPerStream: number;
  httpHeadersTimeoutMs: number;
  httpRequestTimeoutMs: number;
  httpKeepAliveTimeoutMs: number;
  source: string[];
  demo: boolean;
  /** ['off'] = no API listener. */
  apiListen: string[];
  api: boolean;
  /** '' = none. */
  apiToken: string;
  metrics: boolean;
  /** '' = apiToken. */
  metricsToken: string;
  httpsCert: string;
  httpsKey: string;
  http2: boolean;
  rtmpsListen: string[];
  rtmpsCert: string;
  rtmpsKey: string;
  shutdownGraceMs: number;
  dashboard: boolean;
  logLevel: string;
  logFormat: 'auto' | 'pretty' | 'json';
  /** '' = off; see trustProxySetting(). */
  trustProxy: string;
  signedUrlSecret: string;
  signedUrlActions: ('publish' | 'play')[];
  signedUrlKick: boolean;
  onPublishUrl: string[];
  onPlayUrl: string[];
  onUnpublishUrl: string[];
  onStopUrl: string[];
  callbackTimeoutMs: number;
  callbackFailure: 'deny' | 'allow';
  publishAllow: string[];
  publishDeny: string[];
  playAllow: string[];
  playDeny: string[];
  wsAllowedOrigins: string[];
}

export type ConfigKey = keyof typeof configSchema.properties;
export const configKeys = Object.keys(configSchema.properties) as ConfigKey[];

export const flagName = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const envName = (key: string): string => `FLVCAST_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
const isArrayKey = (key: ConfigKey): boolean => configSchema.properties[key].type === 'array';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'ERR_FLVCAST_CONFIG';
}

/** Environment variables → partial config. Arrays are comma-separated (`FLVCAST_HTTP_LISTEN=a:1,b:2`). */
export function configFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of configKeys) {
    const value = env[envName(key)];
    if (value === undefined || value === '') continue;
    out[key] = isArrayKey(key) ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : value;
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

/** Merges the layers (later wins), applies defaults, coerces strings from env/flags, validates everything. */
export function resolveConfig(...layers: Record<string, unknown>[]): FlvcastConfig {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) for (const [k, v] of Object.entries(layer)) if (v !== undefined) merged[k] = v;
  const validate = ajv().compile(configSchema);
  if (!validate(merged)) throw new ConfigError(`invalid configuration:\n${(validate.errors ?? []).map(describe).join('\n')}`);
  const config = merged as unknown as FlvcastConfig;
  const problems: string[] = [];
  if (config.apiListen.includes('off') && config.apiListen.length > 1) problems.push(`  ${where('apiListen')}: "off" cannot be combined with addresses`);
  for (const key of ['httpListen', 'rtmpListen', 'rtmpsListen', 'apiListen'] as const) {
    for (const text of config[key]) {
      if (key === 'apiListen' && text === 'off') continue;
      const parsed = parseListenAddress(text);
      if (typeof parsed === 'string') problems.push(`  ${where(key)}: ${parsed}`);
    }
  }
  // TLS settings come in pairs, and HTTP/2 means TLS: browsers never speak cleartext HTTP/2.
  for (const [a, b] of [['httpsCert', 'httpsKey'], ['rtmpsCert', 'rtmpsKey']] as const) {
    if ((config[a] === '') !== (config[b] === '')) problems.push(`  ${where(config[a] === '' ? a : b)}: needed with ${config[a] === '' ? b : a}`);
  }
  if (config.http2 && config.httpsCert === '') problems.push(`  ${where('http2')}: needs httpsCert and httpsKey (HTTP/2 is served over TLS)`);
  if (config.rtmpsListen.length > 0 && config.rtmpsCert === '' && config.httpsCert === '') {
    problems.push(`  ${where('rtmpsListen')}: needs rtmpsCert/rtmpsKey (or httpsCert/httpsKey)`);
  }
  problems.push(...accessProblems(config));
  const trust = trustProxySetting(config.trustProxy);
  if (typeof trust === 'object' && 'problem' in trust) problems.push(`  ${where('trustProxy')}: ${trust.problem}`);
  if (config.httpHeadersTimeoutMs > config.httpRequestTimeoutMs) {
    problems.push(`  ${where('httpHeadersTimeoutMs')}: must not exceed httpRequestTimeoutMs (${config.httpRequestTimeoutMs})`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  return config;
}

/** Access settings the schema can't express: secret strength, IP rules, callback and origin URLs. */
function accessProblems(config: FlvcastConfig): string[] {
  const problems: string[] = [];
  if (config.signedUrlSecret !== '' && config.signedUrlSecret.length < MIN_SECRET_LENGTH) {
    problems.push(`  ${where('signedUrlSecret')}: must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  for (const key of ['publishAllow', 'publishDeny', 'playAllow', 'playDeny'] as const) {
    for (const rule of config[key]) {
      const problem = invalidIpRule(rule);
      if (problem !== undefined) problems.push(`  ${where(key)}: ${problem}`);
    }
  }
  for (const key of ['onPublishUrl', 'onPlayUrl', 'onUnpublishUrl', 'onStopUrl'] as const) {
    for (const url of config[key]) {
      if (!/^https?:\/\/[^\s]+$/.test(url)) problems.push(`  ${where(key)}: expected an http:// or https:// URL, got ${JSON.stringify(url)}`);
    }
  }
  for (const origin of config.wsAllowedOrigins) {
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(origin)) problems.push(`  ${where('wsAllowedOrigins')}: expected scheme://host[:port], got ${JSON.stringify(origin)}`);
  }
  return problems;
}

/** Names proxy-addr (Fastify's trustProxy) knows for address ranges. */
const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * The trustProxy option as Fastify takes it: false, true (every hop), a list of proxy addresses/CIDRs (and
 * proxy-addr's names loopback, linklocal, uniquelocal), or for a hop count a function trusting the nearest
 * n hops (Fastify 5.12 refuses a bare number: it cannot tell who the nearest hop is, so that is safe only
 * when flvcast is reachable through the proxy alone, e.g. listening on loopback behind it).
 */
export function trustProxySetting(text: string): boolean | string[] | ((address: string, hop: number) => boolean) | { problem: string } {
  const value = text.trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 100) return { problem: `a hop count must be 1-100, got ${value}` };
    return (_address, hop) => hop < hops;
  }
  const list = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const item of list) {
    if (TRUST_PROXY_NAMES.has(item)) continue;
    const problem = invalidIpRule(item);
    if (problem !== undefined) return { problem: `expected "true", a hop count, or addresses/CIDRs (or loopback, linklocal, uniquelocal): ${problem}` };
  }
  return list;
}

/** How an option is named to the operator: key, flag and environment variable. */
export function where(key: string): string {
  return `${key} (--${flagName(key)}, ${envName(key)})`;
}

function describe(e: ErrorObject): string {
  const key = e.instancePath.split('/')[1];
  if (e.keyword === 'additionalProperties') return `  unknown option "${String(e.params.additionalProperty)}"`;
  if (key === undefined) return `  ${e.message ?? 'invalid'}`;
  const allowed = e.keyword === 'enum' ? `: ${(e.params.allowedValues as string[]).join(', ')}` : '';
  return `  ${where(key)}: ${e.message ?? 'invalid'}${allowed}`;
}
