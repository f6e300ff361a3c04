import { requireHub } from '@flvcast/fastify-hub';
import { Forwarder, Puller, type ForwardStatus, type PullStatus } from '@flvcast/relay';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { validateRelayOptions, type RelayPluginOptions } from './options.js';

/** What the relay plugin decorates as `fastify.relay`: the status of every forward and pull. */
export interface RelayStatus {
  /** Every forward (stream × destination), running or waiting to reconnect. */
  forwards(): ForwardStatus[];
  /** Every configured pull. */
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
  const puller = new Puller(hub, options.pull, {
    reconnectMinMs: options.relayReconnectMinMs,
    reconnectMaxMs: options.relayReconnectMaxMs,
    connectTimeoutMs: options.relayConnectTimeoutMs,
    startTimeoutMs: options.relayStartTimeoutMs,
    idleTimeoutMs: options.relayIdleTimeoutMs,
    maxTagBytes: options.pullMaxTagBytes,
    maxRedirects: options.pullMaxRedirects,
    tls: options.tls,
    log,
  });
  // On-demand pulls answer the hub's resolver first; other names go to the resolver set before (an edge's).
  if (puller.hasOnDemand) {
    const before = hub.resolver;
    hub.setResolver(puller.resolverWith(before?.resolve), {
      timeoutMs: Math.max(options.pullWaitMs, before?.timeoutMs ?? 0),
      ...(before === undefined ? {} : { maxPending: before.maxPending }),
    });
  }

  fastify.decorate('relay', {
    forwards: () => forwarder.list(),
    pulls: () => puller.list(),
  } satisfies RelayStatus);

  // Pulls start with the app; forwards follow publishes, which start with it too.
  fastify.addHook('onReady', async () => {
    puller.start();
  });
  // Destinations and upstreams are left politely (unpublish / deleteStream, then FIN) before the close.
  fastify.addHook('preClose', async () => {
    await Promise.all([forwarder.close(), puller.close()]);
  });
}

/**
 * Forwards (pushes) published streams to RTMP servers and pulls streams from RTMP or HTTP-FLV upstreams,
 * on the hub of @flvcast/fastify-hub. Status is decorated as `fastify.relay`.
 */
export const fastifyRelay = fp(relay, { fastify: '5.x', name: '@flvcast/fastify-relay' });
