import { createServer, type AddressInfo, type Server } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ListenAddress } from './listen-address.js';

/**
 * Every HTTP listen address of the server. Fastify listens on one address; each further one (say
 * 127.0.0.1 and ::1) gets a plain TCP listener that hands its connections to Fastify's server, which then
 * runs TLS, HTTP/2, WebSocket upgrades and connection tracking for them exactly as for its own.
 */
export class HttpListeners {
  readonly #extra: Server[] = [];

  constructor(
    private readonly app: FastifyInstance,
    readonly addresses: readonly ListenAddress[],
  ) {}

  /** Listens everywhere; resolves with the bound addresses (ports filled in for port 0). */
  async listen(): Promise<AddressInfo[]> {
    const [first, ...rest] = this.addresses;
    if (first === undefined) return [];
    await this.app.listen({ host: first.host, port: first.port });
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

  /** Stops accepting on every address (open connections are Fastify's to end). */
  close(): void {
    if (this.app.server.listening) this.app.server.close();
    for (const server of this.#extra) if (server.listening) server.close();
  }
}
