import { Hub, HubError, validateHubOptions, type HubOptions } from '@flvcast/hub';
import { FST_FLVCAST_INVALID_OPTION } from './errors.js';
import { parseMount, type Mount } from './mount.js';

export interface HttpFlvPluginOptions extends Partial<Omit<HubOptions, 'now'>> {
  /** Route template, as SRS's `mount`: `[app]/[stream].flv` (default) or `[vhost]/[app]/[stream].flv`. */
  mount?: string;
  /** CORS on the FLV routes, preflight included, through @fastify/cors (SRS `crossdomain`). Default true. */
  crossdomain?: boolean;
  /** Serve WebSocket-FLV on the same path through @fastify/websocket. Default true. */
  websocket?: boolean;
  /** Bytes a viewer's sink buffers before the hub queues for it instead. Default 256 KiB. */
  highWaterMark?: number;
  /** Use this hub instead of creating one (the hub options above are then ignored). */
  hub?: Hub;
  /** FLV viewers (HTTP and WS) at most; one more gets 503 (WS: close 4503). Default 10 000. */
  maxViewers?: number;
  /** FLV viewers per client address at most; one more gets 429 (WS: close 4429). Default 100. */
  maxViewersPerIp?: number;
  /** FLV viewers of one stream at most; one more gets 503 (WS: close 4503). Default 10 000. */
  maxViewersPerStream?: number;
}

export interface ResolvedHttpFlvOptions {
  mount: Mount;
  crossdomain: boolean;
  websocket: boolean;
  highWaterMark: number;
  hub: Hub;
  maxViewers: number;
  maxViewersPerIp: number;
  maxViewersPerStream: number;
}

const OWN = new Set(['mount', 'crossdomain', 'websocket', 'highWaterMark', 'hub', 'maxViewers', 'maxViewersPerIp', 'maxViewersPerStream']);

const VIEWER_LIMITS = { maxViewers: 10_000, maxViewersPerIp: 100, maxViewersPerStream: 10_000 } as const;

/** Pure: checks the options, applies defaults, builds the hub. Throws FST_FLVCAST_INVALID_OPTION. */
export function validateOptions(opts: HttpFlvPluginOptions = {}): ResolvedHttpFlvOptions {
  const { mount = '[app]/[stream].flv', crossdomain = true, websocket = true, highWaterMark = 256 * 1024, hub } = opts;
  if (typeof mount !== 'string') throw new FST_FLVCAST_INVALID_OPTION('mount', 'expected a string');
  const parsed = parseMount(mount);
  if (parsed === undefined) {
    throw new FST_FLVCAST_INVALID_OPTION('mount', `expected "[app]/[stream].flv" or "[vhost]/[app]/[stream].flv", got ${JSON.stringify(mount)}`);
  }
  if (typeof crossdomain !== 'boolean') throw new FST_FLVCAST_INVALID_OPTION('crossdomain', 'expected a boolean');
  if (typeof websocket !== 'boolean') throw new FST_FLVCAST_INVALID_OPTION('websocket', 'expected a boolean');
  if (typeof highWaterMark !== 'number' || !Number.isInteger(highWaterMark) || highWaterMark < 1024) {
    throw new FST_FLVCAST_INVALID_OPTION('highWaterMark', 'expected an integer >= 1024 (bytes)');
  }
  if (hub !== undefined && !(hub instanceof Hub)) throw new FST_FLVCAST_INVALID_OPTION('hub', 'expected a Hub from @flvcast/hub');
  const hubOptions = Object.fromEntries(Object.entries(opts).filter(([k]) => !OWN.has(k) && !['prefix', 'logLevel', 'logSerializers'].includes(k)));
  if ('now' in hubOptions) throw new FST_FLVCAST_INVALID_OPTION('now', 'unknown option');
  let resolvedHub = hub;
  if (resolvedHub === undefined) {
    try {
      resolvedHub = new Hub(validateHubOptions(hubOptions as Partial<HubOptions>));
    } catch (err) {
      if (err instanceof HubError) throw new FST_FLVCAST_INVALID_OPTION(err.option ?? 'hub', err.message);
      throw err;
    }
  }
  const limits: Record<keyof typeof VIEWER_LIMITS, number> = { ...VIEWER_LIMITS };
  for (const name of Object.keys(VIEWER_LIMITS) as (keyof typeof VIEWER_LIMITS)[]) {
    const value = opts[name] ?? VIEWER_LIMITS[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1_000_000) {
      throw new FST_FLVCAST_INVALID_OPTION(name, `expected an integer from 1 to 1000000, got ${JSON.stringify(value)}`);
    }
    limits[name] = value;
  }
  return { mount: parsed, crossdomain, websocket, highWaterMark, hub: resolvedHub, ...limits };
}
