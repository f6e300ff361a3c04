import type { Socket } from 'node:net';
import { LimitReporter } from '@flvcast/limits';
import type { FastifyInstance } from 'fastify';

/**
 * Node cuts slow HTTP clients (slowloris) itself and Fastify answers them 408 with a trace line only; this
 * makes each cut a limit hit like the others: a `limit` event on the hub and a warn line (throttled per client).
 */
export function reportHttpTimeouts(app: FastifyInstance): void {
  const reporter = new LimitReporter(app.streams.events);
  const log = app.log.child({ plugin: 'http' });
  // Prepended: Fastify's own handler destroys the socket, after which its address may be unknown.
  app.server.prependListener('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code !== 'ERR_HTTP_REQUEST_TIMEOUT') return;
    // Node raises the same error for both deadlines; a request whose headers were parsed is past the first.
    const parser = (socket as Socket & { parser?: { incoming?: unknown } }).parser;
    const limit = parser?.incoming ? 'httpRequestTimeoutMs' : 'httpHeadersTimeoutMs';
    const what = limit === 'httpRequestTimeoutMs' ? 'request body' : 'request headers';
    reporter.limit(log, { limit, protocol: 'http', remoteAddress: socket.remoteAddress }, 'ERR_HTTP_REQUEST_TIMEOUT', {}, `http: ${what} not received in time (${limit}), closing connection`);
  });
}
