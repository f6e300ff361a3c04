import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AccessHook } from '@flvcast/access';
import { holderLocation, HubRegistration, hubLoad, RedisDirectory } from '@flvcast/cluster';
import { parseMount, type Mount } from '@flvcast/fastify-http-flv';
import type { RelayPluginOptions } from '@flvcast/fastify-relay';
import { originProblem } from '@flvcast/relay';
import { invalidKeyPart } from '@flvcast/hub';
import { defineOptions, option } from '@flvcast/options';
import type { FastifyInstance } from 'fastify';
import { parseListenAddress, type ListenAddress } from './listen-address.js';
import type { FlvcastConfig } from './server-options.js';

/** The cluster's settings (docs/cluster.md); nothing changes without redisUrl. */
export const clusterOptionDescriptors = defineOptions({
  redisUrl: option.string({
    default: '',
    check: (v) => (v === '' || /^rediss?:\/\/\S+$/i.test(v) ? undefined : `expected redis://[user:password@]host:port[/db] or rediss://…, got ${JSON.stringify(v)}`),
    doc: 'the cluster stream directory (`redis://host:6379`): publishes are claimed cluster-wide, unknown streams looked up there before `origin`; "" = off. See docs/cluster.md',
  }),
  clusterId: option.string({
    default: '',
    check: (v) => (/\s/.test(v) ? 'expected a name without spaces' : undefined),
    doc: "this server's id in the directory, unique in the cluster; \"\" = `<hostname>-<pid>-<random>`",
  }),
  clusterAdvertise: option.string({
    default: '',
    check: (v) => (v === '' ? undefined : originProblem(v)),
    doc: 'the base URL other servers pull this one\'s streams from (`http://10.0.0.5:8080` or `rtmp://10.0.0.5:1935`); "" = the first httpListen address, 0.0.0.0 as 127.0.0.1: a real cluster must set it',
  }),
  clusterTtlMs: option.integer({
    min: 1000,
    max: 600_000,
    default: 10_000,
    unit: 'ms',
    doc: 'directory entries outlive the last heartbeat (every third of this) by this long: how long a SIGKILLed origin still holds its names',
  }),
  clusterRedirect: option.boolean({
    default: false,
    doc: 'an HTTP viewer of a stream another origin holds gets `302` to it instead of a relay here (WebSocket and RTMP viewers are still relayed)',
  }),
  clusterKeyPrefix: option.string({
    default: 'flvcast:',
    check: (v) => (v === '' || /\s/.test(v) ? 'expected a non-empty prefix without spaces' : undefined),
    doc: 'what every directory key starts with: clusters sharing one Redis need one each',
  }),
});

type ClusterConfig = Pick<
  FlvcastConfig,
  'redisUrl' | 'clusterId' | 'clusterAdvertise' | 'clusterTtlMs' | 'clusterRedirect' | 'clusterKeyPrefix' | 'httpListen' | 'httpsCert' | 'mount' | 'publishTakeover'
>;

/** The cluster parts of a server with redisUrl. */
export interface ClusterSettings {
  readonly directory: RedisDirectory;
  /** The claim step of a publish admission: composed last into the RTMP plugin's onPublish (after IP rules and callbacks). */
  readonly claim: AccessHook;
}

/** Unique per process: two origins with one id would each take the other's entries for their own. */
const defaultClusterId = (): string => `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

/** The advertised base when none is set: the first HTTP listener (its bound port, for port 0), any-address as loopback. */
function derivedAdvertise(config: ClusterConfig, app: FastifyInstance): string {
  const first = parseListenAddress(config.httpListen[0] ?? '') as ListenAddress;
  const host = first.host === '0.0.0.0' ? '127.0.0.1' : first.host === '::' ? '[::1]' : first.host.includes(':') ? `[${first.host}]` : first.host;
  const bound = app.addresses()[0];
  const port = first.port !== 0 ? first.port : typeof bound === 'object' ? bound.port : 0;
  return `${config.httpsCert === '' ? 'http' : 'https'}://${host}:${port}`;
}

/**
 * The Redis stream directory of a server with `redisUrl` (undefined without): it claims publishes (`claim`),
 * follows the hub's publishers, and closes (releasing what it holds) with the app. With clusterRedirect,
 * HTTP viewers of a stream held elsewhere get 302 to the holder. Call before the media plugins are
 * registered: the redirect is a hook their routes must inherit.
 */
export function clusterSettings(config: ClusterConfig, app: FastifyInstance): ClusterSettings | undefined {
  if (config.redisUrl === '') return undefined;
  const log = app.log.child({ plugin: 'cluster' });
  const mounts = new Map(config.mount.map((t) => parseMount(t)).filter((m): m is Mount => m !== undefined).map((m) => [m.url, m]));
  if (config.clusterAdvertise === '') log.warn('cluster: clusterAdvertise is not set: other servers are told to pull from this one on the first httpListen address (0.0.0.0 as 127.0.0.1)');
  const directory = new RedisDirectory({
    url: config.redisUrl,
    id: config.clusterId || defaultClusterId(),
    advertise: config.clusterAdvertise || (() => derivedAdvertise(config, app)),
    vhostInPath: [...mounts.values()].some((m) => m.hasVhost && m.extension === 'flv'),
    ttlMs: config.clusterTtlMs,
    prefix: config.clusterKeyPrefix,
    takeover: config.publishTakeover,
    load: () => (app.hasDecorator('streams') ? hubLoad(app.streams) : { streams: 0, viewers: 0 }),
    log,
  });
  // The hub exists once the media plugins are registered: tied to it at the first claim or at ready,
  // whichever comes first (file sources publish at ready, after this hook).
  let registration: HubRegistration | undefined;
  const registered = (): HubRegistration => (registration ??= new HubRegistration(app.streams, directory, { log }));
  app.addHook('onReady', async () => void registered());
  // After the plugins' preClose (publishers ended, their names released): the rest goes, then the connection.
  app.addHook('onClose', async () => {
    registration?.close();
    await directory.close();
  });
  if (config.clusterRedirect) {
    app.addHook('preHandler', async (request, reply) => {
      const mount = mounts.get(request.routeOptions.url ?? '');
      // WebSocket clients cannot follow a redirect: they are relayed.
      if (mount === undefined || request.headers.upgrade?.toLowerCase() === 'websocket') return;
      const key = mount.key(request.params as Record<string, string>);
      if (invalidKeyPart(key) !== undefined || app.streams.get(key) !== undefined) return;
      const [holder] = await directory.lookup(key, AbortSignal.timeout(1000));
      const url = request.raw.url ?? '';
      const location = holder === undefined ? undefined : holderLocation(holder, mount.extension, url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
      if (location !== undefined) return reply.code(302).header('location', location).header('cache-control', 'no-store').send();
      return undefined;
    });
  }
  return {
    directory,
    claim: async (ctx) => {
      if (ctx.action !== 'publish') return undefined;
      const reason = await registered().admitPublish({ vhost: ctx.vhost, app: ctx.app, stream: ctx.stream });
      return reason === undefined ? undefined : { status: 409, reason };
    },
  };
}

/**
 * The relay plugin's edge option from the cluster: streams this server does not have are looked up in the
 * directory (then the static `origin` list) and pulled from their holder.
 */
export function clusterRelayOptions(cluster: ClusterSettings | undefined): Pick<RelayPluginOptions, 'originDirectory'> {
  return cluster === undefined ? {} : { originDirectory: cluster.directory };
}
