import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { requireHub } from '@flvcast/fastify-hub';
import { KeyedCounter, LimitReporter } from '@flvcast/limits';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { RtmpConnection } from './rtmp-connection.js';
import { PlayerFormats } from './player-formats.js';
import { validateOptions, type RtmpPluginOptions } from './options.js';

export interface RtmpIngest {
  /** Addresses the RTMP server listens on (after `ready()`); useful with port 0. `tls` marks RTMPS. */
  addresses(): (AddressInfo & { tls: boolean })[];
  /** Open RTMP connections. */
  readonly connections: number;
  /** Client addresses with an open RTMP connection (what the per-IP limit tracks). */
  readonly clientAddresses: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    rtmp: RtmpIngest;
  }
}

async function rtmp(fastify: FastifyInstance, opts: RtmpPluginOptions): Promise<void> {
  const options = validateOptions(opts);
  for (const line of options.deprecations) fastify.log.warn(line);
  const hub = requireHub(fastify, '@flvcast/fastify-rtmp');
  const log = fastify.log.child({ plugin: 'rtmp' });
  const servers: Server[] = [];
  const secure = new WeakSet<Server>();
  const connections = new Set<RtmpConnection>();
  /** RTMPS peers' TCP sockets: those still in the TLS handshake have no RtmpConnection yet. */
  const tlsSockets = new Set<Socket>();
  let nextId = 0;

  // One reporter per server: limit hits become hub `limit` events and throttled warn lines.
  const reporter = new LimitReporter(hub.events);
  const perIp = new KeyedCounter();
  // Players with the same chunk size, stream id and tracks share a Format, and so every encoded packet.
  const shared = { formats: new PlayerFormats(options.chunkSizeBytes) };

  const onConnection = (socket: Socket): void => {
    const ip = socket.remoteAddress ?? '';
    const limit = connections.size >= options.maxConnections ? 'maxConnections' : perIp.get(ip) >= options.maxConnectionsPerIp ? 'maxConnectionsPerIp' : undefined;
    if (limit !== undefined) {
      // RTMP has no way to say why before the handshake: the connection is closed at once, unread.
      const code = limit === 'maxConnections' ? 'ERR_RTMP_TOO_MANY_CONNECTIONS' : 'ERR_RTMP_TOO_MANY_CONNECTIONS_PER_IP';
      reporter.limit(log, { limit, protocol: 'rtmp', remoteAddress: ip }, code, { max: options[limit] }, `rtmp: connection refused: ${limit} (${options[limit]}) reached`);
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    perIp.add(ip);
    const conn = new RtmpConnection(`rtmp-${(++nextId).toString(36)}`, socket, hub, options, log, reporter, shared);
    connections.add(conn);
    socket.once('close', () => {
      connections.delete(conn);
      perIp.remove(ip);
    });
  };

  fastify.decorate('rtmp', {
    addresses: () =>
      servers.flatMap((s) => {
        const a = s.address();
        return a !== null && typeof a === 'object' ? [{ ...a, tls: secure.has(s) }] : [];
      }),
    get connections() {
      return connections.size;
    },
    get clientAddresses() {
      return perIp.size;
    },
  });

  // Listening starts with the app (so inject()/ready() tests and listen() both work) …
  fastify.addHook('onReady', async () => {
    for (const { host, port, tls } of options.listen) {
      // RTMPS: the session starts once TLS is up; a peer stuck in the TLS handshake gets the RTMP handshake's timeout.
      const server =
        tls === undefined
          ? createServer({ noDelay: true }, onConnection)
          : createTlsServer({ handshakeTimeout: options.handshakeTimeoutMs, ...tls }, onConnection);
      if (tls !== undefined) {
        secure.add(server);
        server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'rtmps: TLS handshake failed'));
        server.on('connection', (socket: Socket) => {
          tlsSockets.add(socket);
          socket.once('close', () => tlsSockets.delete(socket));
        });
      }
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      servers.push(server);
      const a = server.address() as AddressInfo;
      log.info(`RTMP ingest listening on ${tls === undefined ? 'rtmp' : 'rtmps'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
    }
  });
  // … stops accepting and ends encoders gracefully (ReconnectRequest where supported, bounded) …
  fastify.addHook('preClose', async () => {
    for (const server of servers) server.close();
    await Promise.all([...connections].map((conn) => conn.shutdown()));
    // Whoever is still in the TLS handshake would otherwise hold its socket until the handshake timeout.
    for (const socket of tlsSockets) socket.destroy();
  });
  // … and is fully closed when the app is.
  fastify.addHook('onClose', async () => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  });
}

/** RTMP ingest into the hub of @flvcast/fastify-hub (register it, or @flvcast/fastify-http-flv, first). */
export const fastifyRtmp = fp(rtmp, {
  fastify: '5.x',
  name: '@flvcast/fastify-rtmp',
});
