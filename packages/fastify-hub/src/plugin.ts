import { Hub, HubError, validateHubOptions, type HubOptions, type StreamResolver } from '@flvcast/hub';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { FST_FLVCAST_HUB_INVALID_OPTION } from './errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The stream registry shared by the RTMP ingest, the HTTP-live routes and the ops plugins. */
    streams: Hub;
  }
}

export interface HubPluginOptions extends Partial<Omit<HubOptions, 'now'>> {
  /** Share this hub (say, with a second Fastify app on another port) instead of creating one. */
  hub?: Hub;
  /**
   * Asked for a stream nobody publishes before the routes answer 404 / StreamNotFound: start a pull,
   * ask an origin (see StreamResolver in @flvcast/hub).
   */
  resolve?: StreamResolver;
  /** Longest a request waits for `resolve` to bring its stream. Default 5000 ms. */
  resolveTimeoutMs?: number;
  /** Unknown names resolving at once; more get "not found" at once. Default 100. */
  maxResolving?: number;
}

/** The plugin's name: other flvcast plugins declare it as their dependency. */
export const HUB_PLUGIN_NAME = '@flvcast/fastify-hub';

/** Pure: the hub to decorate, made from the options or the one passed in. Throws FST_FLVCAST_HUB_INVALID_OPTION. */
export function hubFromOptions(opts: HubPluginOptions = {}): Hub {
  const { hub: given, resolve, resolveTimeoutMs, maxResolving, ...hubOptions } = opts;
  if (given !== undefined && !(given instanceof Hub)) throw new FST_FLVCAST_HUB_INVALID_OPTION('hub', 'expected a Hub from @flvcast/hub');
  if ('now' in hubOptions) throw new FST_FLVCAST_HUB_INVALID_OPTION('now', 'unknown option');
  if (resolve !== undefined && typeof resolve !== 'function') throw new FST_FLVCAST_HUB_INVALID_OPTION('resolve', 'expected a function (key, signal) => ...');
  try {
    const hub = given ?? new Hub(validateHubOptions(hubOptions as Partial<HubOptions>));
    if (resolve !== undefined) hub.setResolver(resolve, { timeoutMs: resolveTimeoutMs, maxPending: maxResolving });
    return hub;
  } catch (err) {
    if (err instanceof HubError) throw new FST_FLVCAST_HUB_INVALID_OPTION(err.option ?? 'hub', err.message);
    throw err;
  }
}

async function hubPlugin(fastify: FastifyInstance, opts: HubPluginOptions): Promise<void> {
  const hub = hubFromOptions(opts);
  fastify.decorate('streams', hub);
  // Long-lived viewers and publishers would keep close() waiting: end them before the servers stop.
  fastify.addHook('preClose', (done) => {
    hub.close();
    done();
  });
}

/**
 * Creates the stream hub and decorates it as `fastify.streams`. The RTMP, HTTP-live and ops plugins
 * depend on it (and `@flvcast/fastify-http-flv` registers it itself when no hub is decorated yet).
 */
export const fastifyHub = fp(hubPlugin, { fastify: '5.x', name: HUB_PLUGIN_NAME });
