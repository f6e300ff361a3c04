import { requireHub } from '@flvcast/fastify-hub';
import { Edge, Forwarder, Puller, type ForwardStatus, type PullStatus } from '@flvcast/relay';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { validateRelayOptions, type RelayPluginOptions } from './options.js';

/** What the relay plugin decorates as `fastify.relay`: the status of every forward and pull. */
export interface RelayStatus {
  /** Every forward (stream × destination), running or waiting to reconnect. */
  forwards(): ForwardStatus[];
  /** Every configured pull, then the edge's pulls from its origins. */
  pulls(): PullStatus[];
}

declare module 'fastify' {
  interface FastifyInstance {
    relay: RelayStatus;
  }
}

async function relay(fastify: FastifyInstance, opts: RelayPluginOptions): Promise<void> {
  const options = validateRelayOptions(opts);
  const hub = requireHub(fastify, '@flvcast/fastify-relay');
  const log = fastify.log.child({ plugin: 'relay' });
  const client = {
    connectTimeoutMs: options.relayConnectTimeoutMs,
    handshakeTimeoutMs: options.relayConnectTimeoutMs,
    startTimeoutMs: options.relayStartTimeoutMs,
    highWaterBytes: options.forwardHighWaterBytes,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  };
  const forwarder = new Forwarder(hub, {
    rules: options.forward,
    lookup: options.onForward,
    lookupTimeoutMs: options.onForwardTimeoutMs,
    limits: { maxQueueBytes: options.forwardMaxQueueBytes, maxQueueMs: options.forwardMaxQueueMs, stallTimeoutMs: options.forwardStallTimeoutMs },
    reconnectMinMs: options.relayReconnectMinMs,
    reconnectMaxMs: options.relayReconnectMaxMs,
    client,
    log,
  });
  const pullClient = {
    reconnectMinMs: options.relayReconnectMinMs,
    reconnectMaxMs: options.relayReconnectMaxMs,
    connectTimeoutMs: options.relayConnectTimeoutMs,
    startTimeoutMs: options.relayStartTimeoutMs,
    idleTimeoutMs: options.relayIdleTimeoutMs,
    maxTagBytes: options.pullMaxTagBytes,
    maxRedirects: options.pullMaxRedirects,
    tls: options.tls,
    log,
  };
  const puller = new Puller(hub, options.pull, pullClient);
  const edge =
    options.origin.length === 0 && options.originDirectory === undefined
      ? undefined
      : new Edge(hub, {
          ...pullClient,
          origins: options.origin,
          directory: options.originDirectory,
          waitMs: options.edgeWaitMs,
          idleMs: options.edgeIdleMs,
          originBackoffMs: options.edgeOriginBackoffMs,
        });
  // On-demand pulls answer the hub's resolver first, then the edge's origins, then a resolver set before.
  if (puller.hasOnDemand || edge !== undefined) {
    const before = hub.resolver;
    const fallback = edge?.resolver ?? before?.resolve;
    hub.setResolver(puller.hasOnDemand ? puller.resolverWith(fallback) : fallback, {
      timeoutMs: Math.max(puller.hasOnDemand ? options.pullWaitMs : 0, edge === undefined ? 0 : options.edgeWaitMs, before?.timeoutMs ?? 0),
      ...(before === undefined ? {} : { maxPending: before.maxPending }),
    });
  }

  fastify.decorate('relay', {
    forwards: () => forwarder.list(),
    pulls: () => [...puller.list(), ...(edge?.list() ?? [])],
  } satisfies RelayStatus);

  // Pulls start with the app; forwards follow publishes, which start with it too.
  fastify.addHook('onReady', async () => {
    puller.start();
  });
  // Destinations and upstreams are left politely (unpublish / deleteStream, then FIN) before the close.
  fastify.addHook('preClose', async () => {
    await Promise.all([forwarder.close(), puller.close(), edge?.close()]);
  });
}

/**
 * Forwards (pushes) published streams to RTMP servers and pulls streams from RTMP or HTTP-FLV upstreams,
 * on the hub of @flvcast/fastify-hub. Status is decorated as `fastify.relay`.
 */
export const fastifyRelay = fp(relay, { fastify: '5.x', name: '@flvcast/fastify-relay' });
