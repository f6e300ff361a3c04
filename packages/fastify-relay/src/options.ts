import type { ConnectionOptions } from 'node:tls';
import { invalidKeyPart } from '@flvcast/hub';
import { defineOptions, option, resolveOptions, type OptionInput, type OptionValues } from '@flvcast/options';
import { invalidStreamPattern, originProblem, parseRtmpUrl, parseStreamName, type ForwardLookup, type ForwardRule, type OriginDirectory, type PullRule } from '@flvcast/relay';
import { FST_FLVCAST_RELAY_INVALID_OPTION } from './errors.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function forwardProblem(rules: ForwardRule[]): string | undefined {
  for (const rule of rules) {
    if (!isObject(rule)) return 'expected [{ match, url }]';
    const pattern = invalidStreamPattern(rule.match);
    if (pattern !== undefined) return `match: ${pattern}`;
    const url = rtmpUrlProblem(rule.url);
    if (url !== undefined) return url;
  }
  return undefined;
}

function rtmpUrlProblem(url: unknown): string | undefined {
  try {
    parseRtmpUrl(String(url));
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function pullProblem(rules: PullRule[]): string | undefined {
  const seen = new Set<string>();
  for (const rule of rules) {
    if (!isObject(rule)) return 'expected [{ stream, url, onDemand?, idleMs? }]';
    const key = typeof rule.stream === 'string' ? parseStreamName(rule.stream) : undefined;
    if (key === undefined || invalidKeyPart(key) !== undefined) return `stream: expected app/stream or vhost/app/stream (letters, digits, _ - .), got ${JSON.stringify(rule.stream)}`;
    if (seen.has(rule.stream)) return `stream ${rule.stream} is listed twice`;
    seen.add(rule.stream);
    if (typeof rule.url !== 'string') return `url: expected a string, got ${JSON.stringify(rule.url)}`;
    if (!/^https?:\/\//i.test(rule.url)) {
      const problem = rtmpUrlProblem(rule.url);
      if (problem !== undefined) return `url: ${problem} (or an http(s):// FLV URL)`;
      if (parseRtmpUrl(rule.url).stream === undefined) return `url: ${rule.url} names no stream to play`;
    }
    if (rule.onDemand !== undefined && typeof rule.onDemand !== 'boolean') return 'onDemand: expected a boolean';
    if (rule.idleMs !== undefined && (!Number.isInteger(rule.idleMs) || rule.idleMs < 100 || rule.idleMs > 3_600_000)) return 'idleMs: expected an integer from 100 to 3600000 (the viewer that started the pull needs time to attach)';
  }
  return undefined;
}

/** The plugin's options, each declared once (docs/configuration.md is generated from the server's share of them). */
export const relayOptionDescriptors = defineOptions({
  forward: option.custom({
    typeName: '`[{ match, url }]`',
    expected: '[{ match, url }]',
    default: [] as ForwardRule[],
    is: (v): v is ForwardRule[] => Array.isArray(v),
    check: forwardProblem,
    doc: 'push every publish whose name matches `match` (`live/*`) to `url` (`rtmp[s]://host[:port]/app[/stream]`; no stream part: the source name)',
  }),
  pull: option.custom({
    typeName: '`[{ stream, url, onDemand?, idleMs? }]`',
    expected: '[{ stream, url, onDemand?, idleMs? }]',
    default: [] as PullRule[],
    is: (v): v is PullRule[] => Array.isArray(v),
    check: pullProblem,
    doc: 'publish `stream` from an upstream (`rtmp[s]://…/app/stream` played, or an `http(s)://…/x.flv`): always, or `onDemand` with the first viewer until `idleMs` (10000) after the last',
  }),
  onForward: option.callback<ForwardLookup>('asked at each publish for more forward URLs (`{ vhost, app, stream, query, protocol, remoteAddress, hops }` → URLs); errors mean none'),
  onForwardTimeoutMs: option.integer({ min: 100, max: 60_000, default: 3000, unit: 'ms', server: true, doc: 'longest an `onForward` lookup (the on_forward callback) may take; later, no dynamic destinations' }),
  relayReconnectMinMs: option.integer({ min: 10, max: 600_000, default: 1000, unit: 'ms', server: true, doc: 'first wait before a forward or pull reconnects; it doubles at each failure' }),
  relayReconnectMaxMs: option.integer({ min: 10, max: 3_600_000, default: 30_000, unit: 'ms', server: true, doc: 'longest wait between reconnects of a forward or pull' }),
  relayConnectTimeoutMs: option.integer({ min: 100, max: 600_000, default: 10_000, unit: 'ms', server: true, doc: 'TCP/TLS connect, then the RTMP handshake and connect (or the HTTP response), each within this' }),
  relayStartTimeoutMs: option.integer({ min: 100, max: 600_000, default: 10_000, unit: 'ms', server: true, doc: 'a forward must get NetStream.Publish.Start, a pull its first media, within this' }),
  relayIdleTimeoutMs: option.integer({ min: 100, max: 3_600_000, default: 20_000, unit: 'ms', server: true, doc: 'a pulled upstream that sends nothing for this long is dropped and reconnected' }),
  forwardHighWaterBytes: option.integer({
    min: 4096,
    max: 256 * 1024 * 1024,
    default: 1024 * 1024,
    unit: 'bytes',
    server: true,
    doc: "bytes a forward's socket may hold unsent; beyond, the forward waits (its hub queue fills instead)",
  }),
  forwardMaxQueueBytes: option.integer({ min: 65_536, max: 1024 * 1024 * 1024, default: 8 * 1024 * 1024, unit: 'bytes', server: true, doc: "a forward's backlog in the hub; beyond it the backlog is dropped (counted) and it resumes at a keyframe" }),
  forwardMaxQueueMs: option.integer({ min: 100, max: 600_000, default: 10_000, unit: 'ms', server: true, doc: "a forward's backlog in media time; beyond it, the same" }),
  forwardStallTimeoutMs: option.integer({ min: 1000, max: 3_600_000, default: 30_000, unit: 'ms', server: true, doc: 'a destination that takes no byte for this long is disconnected and reconnected' }),
  pullMaxTagBytes: option.integer({ min: 1024, max: 0xffffff, default: 8 * 1024 * 1024, unit: 'bytes', server: true, doc: 'largest FLV tag or RTMP message a pulled upstream may send (the most a pull buffers)' }),
  pullMaxRedirects: option.integer({ min: 0, max: 10, default: 3, server: true, doc: 'HTTP redirects an HTTP-FLV pull follows' }),
  pullWaitMs: option.integer({ min: 100, max: 600_000, default: 10_000, unit: 'ms', server: true, doc: 'longest the first viewer of an on-demand pull waits for it to publish (then 404)' }),
  origin: option.list({
    default: [],
    server: true,
    check: (list) => list.map(originProblem).find((p) => p !== undefined),
    doc: 'edge mode: a stream this server does not have is pulled from these origins when a viewer asks for it (`http(s)://host:port` pulls HTTP-FLV, `rtmp(s)://host:port` plays RTMP), in order with failover; see docs/cluster.md',
  }),
  originDirectory: option.custom({
    typeName: 'OriginDirectory',
    expected: 'an object with lookup(key, signal)',
    is: (v): v is OriginDirectory => isObject(v) && typeof v.lookup === 'function',
    doc: 'edge mode: asked for a stream before the static origins (a cluster stream directory); its pull URLs come first',
  }),
  edgeWaitMs: option.integer({ min: 100, max: 60_000, default: 3000, unit: 'ms', server: true, doc: 'edge mode: longest a viewer waits for the first media from an origin; then 404 (at once when every origin said no)' }),
  edgeIdleMs: option.integer({ min: 100, max: 3_600_000, default: 10_000, unit: 'ms', server: true, doc: 'edge mode: an origin pull stops this long after its last viewer left; a viewer meanwhile reuses it' }),
  edgeOriginBackoffMs: option.integer({
    min: 100,
    max: 600_000,
    default: 10_000,
    unit: 'ms',
    server: true,
    doc: 'edge mode: an origin that could not be reached is tried after the others for this long (doubling while it stays down)',
  }),
  tls: option.custom({
    typeName: 'TLS options',
    expected: 'Node TLS connection options',
    is: (v): v is ConnectionOptions => isObject(v),
    doc: 'TLS options of rtmps:// and https:// connections (`ca` for a private CA, `rejectUnauthorized`)',
  }),
});

export type RelayPluginOptions = OptionInput<typeof relayOptionDescriptors>;
export type ResolvedRelayOptions = OptionValues<typeof relayOptionDescriptors>;

/** Fastify's own registration options: not the plugin's. */
const FASTIFY_KEYS = ['prefix', 'logLevel', 'logSerializers'];

/** Pure: checks the options and applies defaults. Throws FST_FLVCAST_RELAY_INVALID_OPTION naming the option. */
export function validateRelayOptions(opts: RelayPluginOptions = {}): ResolvedRelayOptions {
  const { values, problems } = resolveOptions(relayOptionDescriptors, opts, { ignore: FASTIFY_KEYS });
  const problem = problems[0];
  if (problem !== undefined) throw new FST_FLVCAST_RELAY_INVALID_OPTION(problem.option, problem.message);
  if (values.relayReconnectMaxMs < values.relayReconnectMinMs) throw new FST_FLVCAST_RELAY_INVALID_OPTION('relayReconnectMaxMs', 'must be at least relayReconnectMinMs');
  return values;
}
