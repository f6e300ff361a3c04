import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ListenAddress } from './listen-address.js';

/**
 * Every HTTP listen address of the server. Fastify listens on one address; each further one (say
 * 127.0.0.1 and ::1) gets a plain TCP listener that hands its connections to Fastify's server, which then
 * runs TLS, HTTP/2, WebSocket upgrades and connection tracking for them exactly as for its own.
 */
export class HttpListeners {
  readonly #extra: Server[] = [];
  /** Every TCP connection, TLS or not, including those Fastify can't see yet (still in the TLS handshake). */
  readonly #sockets = new Set<Socket>();

  constructor(
    private readonly app: FastifyInstance,
    readonly addresses: readonly ListenAddress[],
    /** Fastify's "listening" log line, for a listener that needs its own words. */
    private readonly listenText?: (address: string) => string,
  ) {}

  /** Listens everywhere; resolves with the bound addresses (ports filled in for port 0). */
  async listen(): Promise<AddressInfo[]> {
    const [first, ...rest] = this.addresses;
    if (first === undefined) return [];
    // Extra listeners emit 'connection' on Fastify's server too, so this sees them all.
    this.app.server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    await this.app.listen({ host: first.host, port: first.port, ...(this.listenText === undefined ? {} : { listenTextResolver: this.listenText }) });
    for (const { host, port } of rest) {
      const server = createServer((socket) => this.app.server.emit('connection', socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.#extra.push(server);
    }
    return this.bound();
  }

  bound(): AddressInfo[] {
    return [this.app.server, ...this.#extra].map((s) => s.address()).filter((a): a is AddressInfo => a !== null && typeof a === 'object');
  }

  /**
   * Stops accepting on every address. Open connections are Fastify's to end, but it only knows HTTP
   * connections: one stuck in the TLS handshake would hold close() for the server's handshake timeout
   * (2 min), so whatever is left after `lingerMs` is dropped.
   */
  close(lingerMs = 1000): void {
    if (this.app.server.listening) this.app.server.close();
    for (const server of this.#extra) if (server.listening) server.close();
    if (this.#sockets.size === 0) return;
    setTimeout(() => {
      for (const socket of this.#sockets) socket.destroy();
    }, lingerMs).unref();
  }
}
