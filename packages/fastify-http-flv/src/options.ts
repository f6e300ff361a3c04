import { resolveSignedUrls, type AccessEndHook, type AccessHook, type ResolvedSignedUrls, type SignedUrlsOptions } from '@flvcast/access';
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
  /**
   * Decides whether a viewer (HTTP-FLV or WS-FLV) may watch, before any FLV byte is sent. Refusals get
   * HTTP 401/403, or WS close 4401/4403; a hook that throws or outlives `accessTimeoutMs` refuses.
   */
  onPlay?: AccessHook;
  /** Told when an admitted viewer leaves (bytes sent, reason); errors are logged, never fatal. */
  onStop?: AccessEndHook;
  /** Require HMAC-signed URLs (`?expires=&token=`, see @flvcast/access `signStream`) to play. */
  signedUrls?: SignedUrlsOptions;
  /** Browser origins allowed to open WS-FLV (cross-site WebSocket hijacking); requests without Origin pass. Default: any. */
  wsAllowedOrigins?: string[];
  /** Longest an `onPlay` hook may take. Default 5000 ms. */
  accessTimeoutMs?: number;
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
  onPlay: AccessHook | undefined;
  onStop: AccessEndHook | undefined;
  signedUrls: ResolvedSignedUrls | undefined;
  /** Lower-cased origins; undefined = any. */
  wsAllowedOrigins: ReadonlySet<string> | undefined;
  accessTimeoutMs: number;
  maxViewers: number;
  maxViewersPerIp: number;
  maxViewersPerStream: number;
}

const OWN = new Set(['mount', 'crossdomain', 'websocket', 'highWaterMark', 'hub', 'onPlay', 'onStop', 'signedUrls', 'wsAllowedOrigins', 'accessTimeoutMs', 'maxViewers', 'maxViewersPerIp', 'maxViewersPerStream']);

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
  const access = validateAccessOptions(opts);
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
  return { mount: parsed, crossdomain, websocket, highWaterMark, hub: resolvedHub, ...access, ...limits };
}

function validateAccessOptions(opts: HttpFlvPluginOptions): Pick<ResolvedHttpFlvOptions, 'onPlay' | 'onStop' | 'signedUrls' | 'wsAllowedOrigins' | 'accessTimeoutMs'> {
  const { onPlay, onStop, wsAllowedOrigins, accessTimeoutMs = 5000 } = opts;
  if (onPlay !== undefined && typeof onPlay !== 'function') throw new FST_FLVCAST_INVALID_OPTION('onPlay', 'expected a function');
  if (onStop !== undefined && typeof onStop !== 'function') throw new FST_FLVCAST_INVALID_OPTION('onStop', 'expected a function');
  const signedUrls = resolveSignedUrls(opts.signedUrls);
  if (typeof signedUrls === 'string') throw new FST_FLVCAST_INVALID_OPTION('signedUrls', signedUrls);
  if (wsAllowedOrigins !== undefined && (!Array.isArray(wsAllowedOrigins) || !wsAllowedOrigins.every((o) => typeof o === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(o)))) {
    throw new FST_FLVCAST_INVALID_OPTION('wsAllowedOrigins', 'expected origins such as "https://example.com" (scheme://host[:port], no path)');
  }
  if (typeof accessTimeoutMs !== 'number' || !Number.isInteger(accessTimeoutMs) || accessTimeoutMs < 1 || accessTimeoutMs > 600_000) {
    throw new FST_FLVCAST_INVALID_OPTION('accessTimeoutMs', 'expected an integer from 1 to 600000 (ms)');
  }
  return {
    onPlay,
    onStop,
    signedUrls,
    wsAllowedOrigins: wsAllowedOrigins === undefined || wsAllowedOrigins.length === 0 ? undefined : new Set(wsAllowedOrigins.map((o) => o.toLowerCase())),
    accessTimeoutMs,
  };
}
