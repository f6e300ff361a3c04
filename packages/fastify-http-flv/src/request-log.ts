import type { FastifyBaseLogger, FastifyRequest, LogLevel } from 'fastify';

const ORDER: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * The log level of the FLV routes. Fastify logs two info lines per request ("incoming request" when a
 * viewer arrives, "request completed" hours later, or never for a hijacked response); the routes run at
 * warn (or the app's level, if that is higher) and log one line of their own when a request ends.
 * Undefined when the app's logger has no level (logging off): nothing to quieten.
 */
export function quietRouteLevel(log: FastifyBaseLogger): LogLevel | undefined {
  const level = (log as { level?: unknown }).level;
  if (typeof level !== 'string' || !ORDER.includes(level)) return undefined;
  return (ORDER.indexOf(level) >= ORDER.indexOf('warn') ? level : 'warn') as LogLevel;
}

/**
 * A logger for an FLV request's own lines: the plugin's logger (at the app's level, unlike the quietened
 * request logger) bound to the request id, so the lines still join up with Fastify's.
 */
export function flvRequestLog(base: FastifyBaseLogger, request: FastifyRequest, bindings: Record<string, unknown> = {}): FastifyBaseLogger {
  return base.child({ reqId: request.id, ...bindings });
}
