import { accessOption, resolveSignedUrls, type AccessEndHook, type AccessHook, type ResolvedSignedUrls } from '@flvcast/access';
import { Hub, hubOptionDescriptors, type DeprecatedHubOptions, type HubOptionsInput } from '@flvcast/hub';
import { defineOptions, omitOptions, option, resolveOptions, type AliasNames, type OptionInput } from '@flvcast/options';
import { FST_FLVCAST_INVALID_OPTION } from './errors.js';
import type { Format } from '@flvcast/media';
import { parseMount, type Mount } from './mount.js';
import { MOUNT_FORMATS, defaultMounts, mountFormat, type MountFormat } from './mount-format.js';

/** Containers an app adds, by the mount extension that selects them. */
export type ExtraFormats = Readonly<Record<string, { format: Format; contentType: string }>>;

const isFormatTable = (v: unknown): v is ExtraFormats =>
  v !== null &&
  typeof v === 'object' &&
  Object.entries(v as object).every(([ext, f]) => /^[a-z0-9]{1,8}$/.test(ext) && f !== null && typeof f === 'object' && typeof (f as { contentType?: unknown }).contentType === 'string' && typeof (f as { format?: { createMuxer?: unknown } }).format?.createMuxer === 'function');

const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i;

/** A template that does not parse, or two that make the same route. */
function mountProblem(templates: readonly string[]): string | undefined {
  const urls = new Set<string>();
  for (const t of templates) {
    const mount = parseMount(t);
    if (mount === undefined) return `expected templates such as "[app]/[stream].flv" or "[vhost]/[app]/[stream].flv", got ${JSON.stringify(t)}`;
    if (urls.has(mount.url)) return `expected each route once, got ${JSON.stringify(t)} twice`;
    urls.add(mount.url);
  }
  return undefined;
}

/** The plugin's own options, each declared once (docs/configuration.md is generated from them). */
export const httpFlvOwnOptionDescriptors = defineOptions({
  mount: option.list({
    default: defaultMounts(),
    defaultText: 'one `[app]/[stream].<ext>` per built-in format (`.flv`, `.aac`, `.mp3`…; docs/formats.md)',
    minItems: 1,
    server: true,
    check: mountProblem,
    doc: 'route templates, as SRS `mount` (a single string is taken as a list of one): `[app]/[stream].flv`, or `[vhost]/[app]/[stream].flv` to key streams by vhost too; the extension picks the container, and every stream is served in every format listed',
  }),
  formats: option.custom({
    typeName: '`{ [extension]: { format, contentType } }`',
    expected: 'an object mapping extensions (a-z, 0-9) to { format: a Format from @flvcast/media, contentType }',
    is: isFormatTable,
    doc: 'containers beyond the built-in ones (`flv`, `ts`, `aac`, `mp3`), by the mount extension that selects them: a `Format` (its muxer) and the content type',
  }),
  crossdomain: option.boolean({
    default: true,
    server: true,
    doc: 'CORS on the FLV routes through @fastify/cors (SRS `crossdomain`): `Access-Control-Allow-Origin: *`, a preflight is allowed the request headers it names (`Range`, `X-Auth-Token`, mpegts.js `headers`…), `Access-Control-Expose-Headers`',
  }),
  websocket: option.boolean({ default: true, server: true, doc: 'WebSocket-FLV on the same path through @fastify/websocket' }),
  highWaterMarkBytes: option.integer({
    min: 1024,
    default: 256 * 1024,
    unit: 'bytes',
    aliases: [{ name: 'highWaterMark' }],
    doc: "bytes a viewer's socket path buffers before the hub queues for it instead",
  }),
  hub: option.custom({
    typeName: '`Hub`',
    expected: 'a Hub from @flvcast/hub',
    is: (v): v is Hub => v instanceof Hub,
    doc: 'use this hub instead of creating one (the hub options are then ignored)',
  }),
  onPlay: accessOption.hook(
    'decides whether a viewer of any mount (HTTP or WS; .flv, .ts, .aac, .mp3) may watch, before any body byte is sent: refusals get HTTP 401/403 or WS close 4401/4403; a hook that throws or outlives `accessTimeoutMs` refuses',
  ),
  onStop: accessOption.endHook('told when an admitted viewer leaves (bytes sent, reason); errors are logged, never fatal'),
  signedUrls: accessOption.signedUrls('require HMAC-signed URLs (`?expires=&token=`, see @flvcast/access `signStream`) to play'),
  wsAllowedOrigins: option.list({
    server: { default: [] },
    check: (origins) => {
      const bad = origins.find((o) => !ORIGIN.test(o));
      return bad === undefined ? undefined : `expected origins such as "https://example.com" (scheme://host[:port], no path), got ${JSON.stringify(bad)}`;
    },
    doc: 'browser origins allowed to open WS-FLV (against cross-site WebSocket hijacking); requests without `Origin` (not browsers) pass; none = any',
  }),
  accessTimeoutMs: option.integer({ min: 1, max: 600_000, default: 5000, unit: 'ms', doc: 'longest an `onPlay` hook may take' }),
  internal: option.boolean({
    default: false,
    doc: "every subscriber of these routes is internal (another flvcast process relaying the stream, such as a worker's pull from its primary): it takes no viewer slot and is not counted as a viewer, but keeps an on-demand source running as one would",
  }),
});

/** The hub options the plugin passes on when it creates the hub (every one but the clock). */
export const hubPluginOptionDescriptors = omitOptions(hubOptionDescriptors, ['now']);

/** Everything the plugin takes: its own options and the hub's. */
export const httpFlvOptionDescriptors = defineOptions({ ...httpFlvOwnOptionDescriptors, ...hubPluginOptionDescriptors });

/** Old spellings, accepted (converted, with one deprecation warning line) until the next release. */
export interface DeprecatedHttpFlvOptions extends DeprecatedHubOptions {
  /** @deprecated Use `highWaterMarkBytes` (same value). Removed in the next release. */
  highWaterMark?: number;
}

export interface HttpFlvPluginOptions extends Omit<OptionInput<typeof httpFlvOptionDescriptors>, 'mount'>, DeprecatedHttpFlvOptions {
  /** Route templates; one string (the shape before the audio and TS mounts) is a list of one. */
  mount?: string | readonly string[];
}

/** One route template and the container its extension selects. */
export interface ServedMount {
  readonly mount: Mount;
  readonly output: MountFormat;
}

// Compile-time: the deprecated fields are exactly the old spellings the descriptors accept.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _deprecatedTyped: Same<keyof DeprecatedHttpFlvOptions, AliasNames<typeof httpFlvOptionDescriptors>> = true;

export interface ResolvedHttpFlvOptions {
  /** Every route, in the order given, each with its container. */
  mounts: readonly ServedMount[];
  crossdomain: boolean;
  websocket: boolean;
  highWaterMarkBytes: number;
  hub: Hub;
  onPlay: AccessHook | undefined;
  onStop: AccessEndHook | undefined;
  signedUrls: ResolvedSignedUrls | undefined;
  /** Lower-cased origins; undefined = any. */
  wsAllowedOrigins: ReadonlySet<string> | undefined;
  accessTimeoutMs: number;
  /** Subscribers are relays, not people: no viewer slot, not counted as viewers. */
  internal: boolean;
  /** One line per old option spelling used, for the plugin to log at registration. */
  deprecations: readonly string[];
}

/** Fastify's own registration options: not the plugin's. */
const FASTIFY_KEYS = ['prefix', 'logLevel', 'logSerializers'];

/** Pure: checks the options, applies defaults, builds the hub. Throws FST_FLVCAST_INVALID_OPTION naming the option. */
export function validateOptions(opts: HttpFlvPluginOptions = {}): ResolvedHttpFlvOptions {
  // With a hub passed in, the hub options (and anything unknown) are ignored, as they always were.
  const ownHub = opts.hub !== undefined;
  const table = ownHub ? httpFlvOwnOptionDescriptors : httpFlvOptionDescriptors;
  const input = typeof opts.mount === 'string' ? { ...opts, mount: [opts.mount] } : opts;
  const { values, problems, deprecations } = resolveOptions(table, input, { ignore: FASTIFY_KEYS, unknown: ownHub ? 'ignore' : 'problem' });
  const problem = problems[0];
  if (problem !== undefined) throw new FST_FLVCAST_INVALID_OPTION(problem.option, problem.message);
  const all = values as Partial<Record<string, unknown>>;
  const hubOptions = Object.fromEntries(Object.keys(hubPluginOptionDescriptors).map((k) => [k, all[k]])) as HubOptionsInput;
  const origins = values.wsAllowedOrigins;
  const mounts = values.mount.map((template): ServedMount => {
    const mount = parseMount(template)!;
    const output = mountFormat(mount.extension, values.formats);
    if (output === undefined) {
      const known = [...Object.keys(MOUNT_FORMATS), ...Object.keys(values.formats ?? {})].join(', ');
      throw new FST_FLVCAST_INVALID_OPTION('mount', `no container for ".${mount.extension}" (known: ${known}; add one with the formats option)`);
    }
    return { mount, output };
  });
  return {
    mounts,
    crossdomain: values.crossdomain,
    websocket: values.websocket,
    highWaterMarkBytes: values.highWaterMarkBytes,
    hub: values.hub ?? new Hub(hubOptions),
    onPlay: values.onPlay,
    onStop: values.onStop,
    signedUrls: resolveSignedUrls(values.signedUrls) as ResolvedSignedUrls | undefined,
    wsAllowedOrigins: origins === undefined || origins.length === 0 ? undefined : new Set(origins.map((o) => o.toLowerCase())),
    accessTimeoutMs: values.accessTimeoutMs,
    internal: values.internal,
    deprecations: deprecations.map((d) => `@flvcast/fastify-http-flv: ${d.message}`),
  };
}
