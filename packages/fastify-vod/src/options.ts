import { accessOption, resolveSignedUrls, type AccessEndHook, type AccessHook, type ResolvedSignedUrls } from '@flvcast/access';
import { defineOptions, option, resolveOptions, type OptionInput } from '@flvcast/options';
import { FST_FLVCAST_VOD_INVALID_OPTION } from './errors.js';

/** The plugin's options, each declared once (docs/configuration.md is generated from the server's share of them). */
export const vodOptionDescriptors = defineOptions({
  vodDir: option.string({
    default: '',
    server: true,
    doc: 'serve the `*.flv` files below this directory (recordings: point it at the DVR root, `./recordings` by default) at `<vodMount>/<path>.flv`, with Range, `?start=` and `?starttime=`; "" = off (docs/vod.md)',
  }),
  vodMount: option.string({
    default: '/vod',
    server: true,
    check: (v) => (/^(\/[A-Za-z0-9_.~-]+)+$/.test(v) && !v.split('/').some((p) => p === '.' || p === '..') ? undefined : `expected a path like "/vod" (no trailing slash), got ${JSON.stringify(v)}`),
    doc: 'URL prefix of the VOD files; the recordings list is at `<vodMount>.json`',
  }),
  vodFeed: option.boolean({
    default: true,
    server: true,
    doc: 'the public, read-only recordings list at `<vodMount>.json` (for the dashboard); off when the names of recordings are private',
  }),
  vodIndexCacheEntries: option.integer({
    min: 1,
    max: 100_000,
    default: 256,
    doc: 'seek indexes (and file heads) kept in memory, least recently used first out; an entry is a few KB per hour of recording',
  }),
  crossdomain: option.boolean({
    default: true,
    doc: 'CORS as on the live routes: `Access-Control-Allow-Origin: *`, preflights allowed (`Range`), and `Content-Range`, `Accept-Ranges`, `Content-Length` exposed so players in a page can seek',
  }),
  onPlay: accessOption.hook('decides whether a client may fetch a VOD file (every request, Range ones included), before any file byte: the context has `protocol: "http-vod"`, `app` = the first directory, `stream` = the rest of the path without `.flv`'),
  onStop: accessOption.endHook('told when an admitted VOD response ends (bytes sent, reason); errors are logged, never fatal'),
  signedUrls: accessOption.signedUrls('require HMAC-signed URLs to fetch VOD files, signed for `app/stream` as `onPlay` sees them (`live/cam.1700000000` for `<vodMount>/live/cam.1700000000.flv`)'),
  accessTimeoutMs: option.integer({ min: 1, max: 600_000, default: 5000, unit: 'ms', doc: 'longest an `onPlay` hook may take' }),
  onDeny: option.callback<(denial: VodDenial) => void>(
    'told of each request the play checks refused (`{ action: "play", protocol: "http-vod", remoteAddress, stream, reason }`, the hub `deny` event\'s shape: the server forwards it there, so metrics count VOD refusals); must not throw',
  ),
});

/** A refused VOD request, as the hub's `deny` event carries an access refusal. */
export interface VodDenial {
  readonly action: 'play';
  readonly protocol: string;
  readonly remoteAddress: string;
  readonly stream: string;
  readonly reason: string;
}

export type VodPluginOptions = OptionInput<typeof vodOptionDescriptors>;

export interface ResolvedVodOptions {
  /** '' = off: no routes; the catalog is empty. */
  vodDir: string;
  vodMount: string;
  vodFeed: boolean;
  vodIndexCacheEntries: number;
  crossdomain: boolean;
  onPlay: AccessHook | undefined;
  onStop: AccessEndHook | undefined;
  signedUrls: ResolvedSignedUrls | undefined;
  accessTimeoutMs: number;
  onDeny: ((denial: VodDenial) => void) | undefined;
}

/** Fastify's own registration options: not the plugin's. */
const FASTIFY_KEYS = ['prefix', 'logLevel', 'logSerializers'];

/** Pure: checks the options and applies defaults. Throws FST_FLVCAST_VOD_INVALID_OPTION naming the option. */
export function validateVodOptions(opts: VodPluginOptions = {}): ResolvedVodOptions {
  const { values, problems } = resolveOptions(vodOptionDescriptors, opts, { ignore: FASTIFY_KEYS });
  const problem = problems[0];
  if (problem !== undefined) throw new FST_FLVCAST_VOD_INVALID_OPTION(problem.option, problem.message);
  return { ...values, signedUrls: resolveSignedUrls(values.signedUrls) as ResolvedSignedUrls | undefined };
}
