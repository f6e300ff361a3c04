import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Registry } from 'prom-client';
import { accessGuard } from './access-guard.js';
import { metricsRouteSchema } from './api-schemas.js';
import { FlvcastMetrics, type DvrTotalsSource } from './flvcast-metrics.js';
import { relayOf } from './relay-status.js';
import { validateMetricsOptions, type OpsMetricsOptions } from './options.js';
import { requireHub } from '@flvcast/fastify-hub';
import { warnIfClosedToAll } from './warn-if-closed.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry: add your own metrics to it and they are exposed with flvcast's. */
    flvcastMetrics: Registry;
  }
}

async function opsMetrics(fastify: FastifyInstance, opts: OpsMetricsOptions): Promise<void> {
  const options = validateMetricsOptions(opts);
  const hub = requireHub(fastify, '@flvcast/fastify-ops-metrics');
  warnIfClosedToAll(fastify, '@flvcast/fastify-ops-metrics', options.access);
  const metrics = new FlvcastMetrics(hub, { processMetrics: options.processMetrics, relay: () => relayOf(fastify), cluster: options.cluster, dvr: () => dvrOf(fastify) });
  fastify.decorate('flvcastMetrics', metrics.registry);
  fastify.addHook('onClose', (_instance, done) => {
    metrics.close();
    done();
  });

  // Own context: the access guard applies to this route only.
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', accessGuard(options.access));
    scope.get(options.path, { schema: metricsRouteSchema }, async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(body);
    });
  });
}

/** The app's recorder, looked up at scrape time (so registration order does not matter); undefined without one. */
function dvrOf(fastify: FastifyInstance): DvrTotalsSource | undefined {
  const dvr = (fastify as unknown as { dvr?: unknown }).dvr;
  return dvr !== null && typeof dvr === 'object' && typeof (dvr as DvrTotalsSource).totals === 'function' ? (dvr as DvrTotalsSource) : undefined;
}

/** Prometheus metrics on `/metrics` for the hub of @flvcast/fastify-hub (`fastify.streams`), through prom-client. */
export const fastifyOpsMetrics = fp(opsMetrics, {
  fastify: '5.x',
  name: '@flvcast/fastify-ops-metrics',
});
