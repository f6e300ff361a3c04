import { hostname } from 'node:os';
import Fastify, { type FastifyInstance } from 'fastify';
import { configDeprecations, trustProxySetting, type FlvcastConfig } from './config.js';
import { HttpListeners } from './http-listeners.js';
import type { ListenAddress } from './listen-address.js';
import { loggerOptions } from './log-output.js';
import { transportOptions, type PemPair } from './transport-options.js';

export interface HttpAppOptions {
  tls: PemPair | undefined;
  listen: readonly ListenAddress[];
  /** Fields on every log line of this process (a worker's slot). */
  logBindings?: Record<string, unknown>;
  /** Cut out of every log line's top-level strings (the feed's secret, in a worker's pull URLs). */
  logSecret?: string;
  /** Rewrites each request's URL before routing (the workers' feed checks its secret there). */
  rewriteUrl?: (url: string) => string;
  /** The "listening" log line, for a listener that is not the public one. */
  listenText?: (address: string) => string;
  /** Log the old option spellings in use (once per server: workers leave it to the primary). */
  deprecations?: boolean;
}

/**
 * The Fastify app of one HTTP side of the server and its listeners: the public one (a single server, or
 * each worker), or the primary's loopback feed for its workers. Shutdown stops accepting first.
 */
export function createHttpApp(config: FlvcastConfig, opts: HttpAppOptions): { app: FastifyInstance; listeners: HttpListeners } {
  const logger = { ...loggerOptions(config), ...(opts.logSecret === undefined ? {} : { formatters: { log: hideSecret(opts.logSecret) } }) };
  const rewrite = opts.rewriteUrl;
  const app = Fastify({
    ...transportOptions(config, opts.tls),
    logger: opts.logBindings === undefined ? logger : { ...logger, base: { pid: process.pid, hostname: hostname(), ...opts.logBindings } },
    ...(rewrite === undefined ? {} : { rewriteUrl: (req: { url?: string }) => rewrite(req.url ?? '/') }),
    // Behind a reverse proxy: the client's address from X-Forwarded-For, but only from proxies trusted here.
    // (A hop count is valid at runtime; Fastify's typings leave numbers out, hence the plain object.)
    ...({ trustProxy: trustProxySetting(config.trustProxy) } as object),
    // Receiving a request (not streaming the response) is bounded: slow-header clients can't hold sockets.
    requestTimeout: config.httpRequestTimeoutMs,
    keepAliveTimeout: config.httpKeepAliveTimeoutMs,
    http: {
      // Slowloris: headers trickled a byte at a time (or never sent) are cut at this deadline with a 408.
      headersTimeout: config.httpHeadersTimeoutMs,
      requestTimeout: config.httpRequestTimeoutMs,
      // Node checks those deadlines on this period (30 s by default, which would triple a 10 s timeout).
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(config.httpHeadersTimeoutMs / 2)),
    },
    // Viewers hold responses open for hours: no idle-socket timeout; close() ends them all.
    connectionTimeout: 0,
    forceCloseConnections: true,
  });
  // Old option spellings: one warning line each, once, at startup.
  if (opts.deprecations !== false) for (const line of configDeprecations(config)) app.log.warn(line);
  const listeners = new HttpListeners(app, opts.listen, opts.listenText);
  // Shutdown stops accepting first: later preClose hooks may take a moment (encoders asked to reconnect).
  app.addHook('preClose', (done) => {
    listeners.close();
    done();
  });
  return { app, listeners };
}

/** A pino log formatter that replaces `secret` in the record's top-level strings (URLs, error messages). */
function hideSecret(secret: string): (record: Record<string, unknown>) => Record<string, unknown> {
  return (record) => {
    let out = record;
    for (const [key, value] of Object.entries(record)) {
      if (typeof value !== 'string' || !value.includes(secret)) continue;
      if (out === record) out = { ...record };
      out[key] = value.replaceAll(secret, '[secret]');
    }
    return out;
  };
}
