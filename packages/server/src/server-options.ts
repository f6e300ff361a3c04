import { MIN_SECRET_LENGTH, invalidIpRule } from '@flvcast/access';
import { httpFlvOptionDescriptors } from '@flvcast/fastify-http-flv';
import { relayOptionDescriptors } from '@flvcast/fastify-relay';
import { vodOptionDescriptors } from '@flvcast/fastify-vod';
import { dvrOptionDescriptors } from '@flvcast/fastify-dvr';
import { rtmpOptionDescriptors } from '@flvcast/fastify-rtmp';
import { clusterOptionDescriptors } from './cluster-settings.js';
import { forwardRuleProblem, pullRuleProblem } from './relay-settings.js';
import { defineOptions, option, serverOptions, type OptionTable, type OptionValue, type ServerKeys } from '@flvcast/options';
import { parseListenAddress } from './listen-address.js';

/** Every listed address parses (`off` alone allowed where there may be no listener). */
const addresses =
  (allowOff: boolean) =>
  (list: string[]): string | undefined => {
    if (allowOff && list.includes('off')) return list.length > 1 ? '"off" cannot be combined with addresses' : undefined;
    for (const text of list) {
      const parsed = parseListenAddress(text);
      if (typeof parsed === 'string') return parsed;
    }
    return undefined;
  };

const ipRules = (list: string[]): string | undefined => list.map(invalidIpRule).find((p) => p !== undefined);

const httpUrls = (list: string[]): string | undefined => {
  const bad = list.find((url) => !/^https?:\/\/[^\s]+$/.test(url));
  return bad === undefined ? undefined : `expected an http:// or https:// URL, got ${JSON.stringify(bad)}`;
};

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

/** The server's own settings (listeners, TLS, API, logs, access services); the plugins' come from their packages. */
const listenOptions = defineOptions({
  httpListen: option.list({ minItems: 1, default: ['0.0.0.0:8080'], check: addresses(false), doc: 'HTTP listen addresses (`host:port`; `[::]:port` for dual stack)' }),
  rtmpListen: option.list({ minItems: 1, default: ['0.0.0.0:1935'], check: addresses(false), doc: 'RTMP listen addresses' }),
});

const serverOwnOptions = defineOptions({
  httpHeadersTimeoutMs: option.integer({ min: 100, max: 600_000, default: 10_000, unit: 'ms', doc: 'HTTP request headers must arrive within this (slowloris); at most httpRequestTimeoutMs' }),
  httpRequestTimeoutMs: option.integer({ min: 100, max: 3_600_000, default: 30_000, unit: 'ms', doc: 'a whole HTTP request must arrive within this (not the streamed response)' }),
  httpKeepAliveTimeoutMs: option.integer({
    min: 100,
    max: 3_600_000,
    default: 10_000,
    unit: 'ms',
    doc: "idle keep-alive HTTP connections are closed after this (raise it above a load balancer's idle timeout)",
  }),
  source: option.list({ pattern: '^[^=]+/[^=]+=.+$', default: [], doc: '`app/stream=file.flv`: publish a file as a live stream, looping' }),
  demo: option.boolean({ default: false, doc: 'publish the bundled demo clip as live/demo (`pnpm start` turns it on)' }),
  forward: option.list({
    default: [],
    check: (list) => list.map(forwardRuleProblem).find((p) => p !== undefined),
    doc: '`pattern=rtmp[s]://host[:port]/app[/stream]`: push every publish matching the pattern (`live/*`) there; no stream part = the source name. Reconnects with back-off; see docs/rtmp.md',
  }),
  onForwardUrl: option.list({ default: [], check: httpUrls, doc: 'SRS-style on_forward HTTP callback URLs, asked at each publish for more destinations (answer `{"urls": [...]}` or `{"code":0,"data":{"urls":[...]}}`)' }),
  pull: option.list({
    default: [],
    check: (list) => list.map(pullRuleProblem).find((p) => p !== undefined),
    doc: '`app/stream=rtmp[s]://…/app/stream` or `=http(s)://…/x.flv`: publish that stream from the upstream, from startup on, reconnecting with back-off',
  }),
  pullOnDemand: option.list({
    default: [],
    check: (list) => list.map(pullRuleProblem).find((p) => p !== undefined),
    doc: 'the same, started by the first viewer (who waits up to pullWaitMs) and stopped pullIdleMs after the last one',
  }),
  pullIdleMs: option.integer({ min: 100, max: 3_600_000, default: 10_000, unit: 'ms', doc: 'an on-demand pull stops this long after its last viewer left (a viewer meanwhile keeps it); at least 100 ms, so the viewer that started it has time to attach' }),
  apiListen: option.list({
    minItems: 1,
    default: ['127.0.0.1:8081'],
    check: addresses(true),
    doc: 'listen addresses of the HTTP API and /metrics, never served on httpListen (`off` = none; a bare port binds loopback); its loopback clients need no token',
  }),
  api: option.boolean({ default: true, doc: 'HTTP API on /api/v1 of apiListen (loopback without a token, elsewhere with apiToken)' }),
  apiToken: option.string({ default: '', doc: 'bearer token for the API (and /metrics unless metricsToken is set); prefer the environment to a flag' }),
  metrics: option.boolean({ default: true, doc: 'Prometheus metrics on /metrics of apiListen (loopback without a token)' }),
  metricsToken: option.string({ default: '', doc: 'bearer token for /metrics only (default: apiToken); it does not open the API' }),
  httpsCert: option.string({ default: '', doc: 'PEM certificate (chain) file: the HTTP listeners serve HTTPS/WSS' }),
  httpsKey: option.string({ default: '', doc: 'PEM private key file for httpsCert' }),
  http2: option.boolean({ default: false, doc: 'HTTP/2 over TLS (needs httpsCert/httpsKey); HTTP/1.1 clients still work' }),
  rtmpsListen: option.list({ default: [], check: addresses(false), doc: 'RTMPS (RTMP over TLS) listen addresses, e.g. `0.0.0.0:1936`' }),
  rtmpsCert: option.string({ default: '', doc: 'PEM certificate file for RTMPS (default: httpsCert)' }),
  rtmpsKey: option.string({ default: '', doc: 'PEM private key file for RTMPS (default: httpsKey)' }),
  workers: option.integer({
    min: 1,
    max: 64,
    default: 1,
    doc: 'processes serving the HTTP port: above 1, a primary keeps RTMP ingest, relays and the API, and this many workers share httpListen, each pulling the streams its viewers ask for from the primary over loopback; see docs/cluster.md#workers',
  }),
  shutdownGraceMs: option.integer({ min: 100, max: 600_000, default: 5000, unit: 'ms', doc: 'on SIGTERM/SIGINT, connections get this long to end cleanly before the exit is forced' }),
  dashboard: option.boolean({ default: true, doc: 'web player and stream list at / (public: lists stream names)' }),
  logLevel: option.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info', doc: 'log level' }),
  logFormat: option.oneOf(['auto', 'pretty', 'json'], {
    default: 'auto',
    doc: 'log lines: pretty (one readable line each), json (one JSON object each), auto = pretty on a terminal, else json',
  }),
  trustProxy: option.string({
    default: '',
    check: (v) => {
      const trust = trustProxySetting(v);
      return typeof trust === 'object' && 'problem' in trust ? trust.problem : undefined;
    },
    doc: 'trust X-Forwarded-For from these proxies: their addresses/CIDRs (comma-separated), a hop count, or "true" (any; unsafe with nginx\'s $proxy_add_x_forwarded_for); "" = off. Client address for limits, IP rules, signed URLs, logs',
  }),
  signedUrlSecret: option.string({
    default: '',
    check: (v) => (v !== '' && v.length < MIN_SECRET_LENGTH ? `must be at least ${MIN_SECRET_LENGTH} characters` : undefined),
    doc: `require HMAC-signed URLs made with this secret (${MIN_SECRET_LENGTH}+ chars; prefer the env var); "" = off`,
  }),
  signedUrlActions: option.listOf(['publish', 'play'], { default: ['publish', 'play'], doc: 'what needs a signed URL when a secret is set' }),
  signedUrlKick: option.boolean({ default: true, doc: 'disconnect clients when their signed URL expires' }),
  onPublishUrl: option.list({ default: [], check: httpUrls, doc: 'SRS-style on_publish HTTP callback URLs (all must answer 200 {"code":0})' }),
  onPlayUrl: option.list({ default: [], check: httpUrls, doc: 'SRS-style on_play HTTP callback URLs' }),
  onUnpublishUrl: option.list({ default: [], check: httpUrls, doc: 'on_unpublish notification URLs' }),
  onStopUrl: option.list({ default: [], check: httpUrls, doc: 'on_stop (viewer left) notification URLs' }),
  callbackTimeoutMs: option.integer({ min: 100, max: 60_000, default: 3000, unit: 'ms', doc: 'HTTP callback timeout' }),
  callbackFailure: option.oneOf(['deny', 'allow'], { default: 'deny', doc: 'what an unreachable/failing on_publish/on_play callback means' }),
  publishAllow: option.list({ default: [], check: ipRules, doc: 'IPs/CIDRs that may publish (empty = any)' }),
  publishDeny: option.list({ default: [], check: ipRules, doc: 'IPs/CIDRs that may not publish' }),
  playAllow: option.list({ default: [], check: ipRules, doc: 'IPs/CIDRs that may play (empty = any)' }),
  playDeny: option.list({ default: [], check: ipRules, doc: 'IPs/CIDRs that may not play' }),
});

/**
 * Every setting of the flvcast server: its own, and the plugin and hub options marked `server` in their
 * packages (with the server's defaults and ranges). Each is a config-file key, a flag (`--kebab-case`) and
 * an environment variable (`FLVCAST_SNAKE_CASE`); the schema, `--help` and the docs table come from here.
 */
export const flvcastOptionDescriptors = defineOptions({
  ...listenOptions,
  ...serverOptions(httpFlvOptionDescriptors),
  ...serverOptions(rtmpOptionDescriptors),
  ...serverOptions(relayOptionDescriptors),
  ...serverOptions(vodOptionDescriptors),
  // Recording (DVR): off while dvrApply is empty.
  ...serverOptions(dvrOptionDescriptors),
  ...serverOwnOptions,
  ...clusterOptionDescriptors,
});

/** The resolved server configuration: every setting has a value. */
export type FlvcastConfig = { -readonly [K in keyof typeof flvcastOptionDescriptors]: OptionValue<(typeof flvcastOptionDescriptors)[K]> };

/** A plugin's options as the server sets them: the settings it exposes, from the config. */
export function pluginSettings<T extends OptionTable>(table: T, config: FlvcastConfig): Pick<FlvcastConfig, ServerKeys<T> & keyof FlvcastConfig> {
  const values = config as unknown as Record<string, unknown>;
  return Object.fromEntries(Object.keys(serverOptions(table)).map((k) => [k, values[k]])) as Pick<FlvcastConfig, ServerKeys<T> & keyof FlvcastConfig>;
}
