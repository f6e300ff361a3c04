import { PublisherEndReason, SubscriberEndReason, summarizeStream, type Hub, type LiveStream, type Publisher, type Subscriber } from '@flvcast/hub';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { accessGuard } from './access-guard.js';
import { apiRouteSchemas as schemas } from './api-schemas.js';
import { summarizePublisher, summarizeViewer, type ClientSummary } from './client-summary.js';
import { validateApiOptions, type OpsApiOptions } from './options.js';
import { ProcessUsage } from './process-usage.js';
import { requireHub } from '@flvcast/fastify-hub';
import { warnIfClosedToAll } from './warn-if-closed.js';
import { TrafficTotals } from './traffic-totals.js';
import { relayOf, summarizeForward, summarizePull } from './relay-status.js';
import { addGroups, withRemoteViewers } from './cluster-view.js';
import { vodOf } from './recordings-source.js';

interface StreamParams {
  vhost?: string;
  app: string;
  stream: string;
}

type Client = { stream: LiveStream; publisher: Publisher; subscriber?: undefined } | { stream: LiveStream; subscriber: Subscriber; publisher?: undefined };

async function opsApi(fastify: FastifyInstance, opts: OpsApiOptions): Promise<void> {
  const options = validateApiOptions(opts);
  const hub = requireHub(fastify, '@flvcast/fastify-ops-api');
  warnIfClosedToAll(fastify, '@flvcast/fastify-ops-api', options.access);
  const totals = new TrafficTotals(hub);
  const usage = new ProcessUsage();
  const cluster = options.cluster;
  // This hub's summary plus the stream's viewers on other processes (the server's workers), if any.
  const summarize = (stream: LiveStream, now: number, remote = cluster?.viewers()) => withRemoteViewers(summarizeStream(stream, now), remote?.get(stream.name));
  fastify.addHook('onClose', (_instance, done) => {
    totals.close();
    done();
  });

  // Own context: the access guard applies to these routes only, not to the app around them.
  await fastify.register(
    async (scope) => {
      scope.addHook('onRequest', accessGuard(options.access));

      scope.get('/streams', { schema: schemas.listStreams }, async () => {
        const now = hub.options.now();
        const remote = cluster?.viewers();
        return { streams: [...hub.list()].map((s) => summarize(s, now, remote)) };
      });

      // A stream's path under /streams/ is its name: app/stream, or vhost/app/stream.
      for (const url of ['/streams/:app/:stream', '/streams/:vhost/:app/:stream']) {
        scope.get<{ Params: StreamParams }>(url, { schema: schemas.getStream }, async (request, reply) => {
          const stream = findStream(hub, request.params);
          if (stream === undefined) return notFound(reply, `no stream ${nameOf(request.params)}`);
          return summarize(stream, hub.options.now());
        });
        scope.delete<{ Params: StreamParams }>(url, { schema: schemas.stopStream }, async (request, reply) => {
          const stream = findStream(hub, request.params);
          if (stream === undefined) return notFound(reply, `no stream ${nameOf(request.params)}`);
          const stopped = { name: stream.name, publisher: stream.publisher?.id ?? null, viewers: stream.viewerCount };
          // Viewers end now rather than wait out the reconnect grace: the stop is meant.
          stream.close(SubscriberEndReason.kicked);
          request.log.info({ stream: stopped.name, publisher: stopped.publisher, viewers: stopped.viewers }, 'ops: stream stopped');
          return stopped;
        });
      }

      scope.get<{ Querystring: { stream?: string } }>('/clients', { schema: schemas.listClients }, async (request) => {
        const now = hub.options.now();
        const wallNow = Date.now();
        const clients: ClientSummary[] = [];
        for (const stream of hub.list()) {
          if (request.query.stream !== undefined && stream.name !== request.query.stream) continue;
          if (stream.publisher !== undefined) clients.push(summarizePublisher(stream, stream.publisher, now, wallNow));
          for (const sub of stream.subscribers) clients.push(summarizeViewer(stream, sub, now, wallNow));
        }
        return { clients };
      });

      scope.get<{ Params: { id: string } }>('/clients/:id', { schema: schemas.getClient }, async (request, reply) => {
        const client = findClient(hub, request.params.id);
        if (client === undefined) return notFound(reply, `no client ${request.params.id}`);
        const now = hub.options.now();
        return client.publisher !== undefined
          ? summarizePublisher(client.stream, client.publisher, now, Date.now())
          : summarizeViewer(client.stream, client.subscriber, now, Date.now());
      });

      scope.delete<{ Params: { id: string } }>('/clients/:id', { schema: schemas.kickClient }, async (request, reply) => {
        const client = findClient(hub, request.params.id);
        if (client === undefined) return notFound(reply, `no client ${request.params.id}`);
        // The owner of the connection (RTMP ingest, HTTP/WS sink) closes it when the hub ends its client.
        if (client.publisher !== undefined) client.publisher.evict(PublisherEndReason.kicked);
        else client.subscriber.end(SubscriberEndReason.kicked);
        const kicked = { id: request.params.id, role: client.publisher !== undefined ? 'publisher' : 'viewer', stream: client.stream.name } as const;
        request.log.info({ stream: kicked.stream, client: kicked.id, role: kicked.role }, 'ops: client kicked');
        return kicked;
      });

      // The relay plugin's forwards and pulls, when it is there (decorated as `relay`, shared like `streams`).
      scope.get('/forwards', { schema: schemas.listForwards }, async () => ({ forwards: (relayOf(fastify)?.forwards() ?? []).map(summarizeForward) }));
      scope.get('/pulls', { schema: schemas.listPulls }, async () => ({ pulls: (relayOf(fastify)?.pulls() ?? []).map(summarizePull) }));

      scope.get('/summary', { schema: schemas.summary }, async () => {
        let streams = 0;
        let publishers = 0;
        let viewers = 0;
        const viewersByProtocol: Record<string, number> = {};
        const viewersByFormat: Record<string, number> = {};
        for (const stream of hub.list()) {
          streams++;
          if (stream.publisher !== undefined) publishers++;
          for (const sub of stream.subscribers) {
            if (sub.info.internal === true) continue;
            viewers++;
            viewersByProtocol[sub.info.protocol] = (viewersByProtocol[sub.info.protocol] ?? 0) + 1;
            viewersByFormat[sub.format] = (viewersByFormat[sub.format] ?? 0) + 1;
          }
        }
        const traffic = totals.snapshot();
        if (cluster !== undefined) {
          for (const remote of cluster.viewers().values()) {
            viewers += remote.total;
            addGroups(viewersByProtocol, viewersByFormat, remote.groups);
          }
          const elsewhere = cluster.traffic();
          traffic.bytesOut += elsewhere.bytesOut;
          traffic.droppedTags += elsewhere.droppedTags;
        }
        return { process: usage.sample(), totals: { streams, publishers, viewers, viewersByProtocol, viewersByFormat, ...traffic } };
      });

      // The VOD plugin's recordings, when it is there (decorated as `vod`, shared like `streams`).
      scope.get('/recordings', { schema: schemas.listRecordings }, async () => ({ recordings: (await vodOf(fastify)?.list()) ?? [] }));
      scope.delete<{ Params: { id: string } }>('/recordings/:id', { schema: schemas.deleteRecording }, async (request, reply) => {
        const removed = (await vodOf(fastify)?.remove(request.params.id)) ?? false;
        if (!removed) return notFound(reply, `no recording ${request.params.id}`);
        request.log.info({ recording: request.params.id }, 'ops: recording deleted');
        return reply.code(204).send();
      });

      // Worker processes (the server's --workers); empty for a single process.
      scope.get('/workers', { schema: schemas.listWorkers }, async () => ({ workers: cluster?.workers() ?? [] }));
    },
    { prefix: options.prefix },
  );
}

function findStream(hub: Hub, params: StreamParams): LiveStream | undefined {
  return hub.get({ vhost: params.vhost ?? '', app: params.app, stream: params.stream });
}

const nameOf = (params: StreamParams): string => [params.vhost, params.app, params.stream].filter((p) => p !== undefined).join('/');

/** Publishers and viewers share the hub's id space, so one id names one connection. */
function findClient(hub: Hub, id: string): Client | undefined {
  for (const stream of hub.list()) {
    if (stream.publisher?.id === id) return { stream, publisher: stream.publisher };
    for (const subscriber of stream.subscribers) if (subscriber.id === id) return { stream, subscriber };
  }
  return undefined;
}

async function notFound(reply: FastifyReply, message: string): Promise<FastifyReply> {
  return reply.code(404).send({ statusCode: 404, error: 'Not Found', message });
}

/** HTTP API under `/api/v1` (streams, clients, kick, stop, summary, forwards, pulls, recordings, workers) over the hub of @flvcast/fastify-hub (`fastify.streams`). */
export const fastifyOpsApi = fp(opsApi, {
  fastify: '5.x',
  name: '@flvcast/fastify-ops-api',
});
