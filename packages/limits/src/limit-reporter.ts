import type { LimitEvents, LimitHit } from './limit-hit.js';
import type { LogCode } from './log-codes.js';
import { LogThrottle, type LogThrottleOptions } from './log-throttle.js';

/** The one logger call the reporter makes (a Fastify/pino logger fits). */
export interface WarnLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * How the plugins report a client that hit a limit or misbehaved: one warn line with the code and the
 * client's address (throttled per client and code, see LogThrottle), and for limits a `limit` event that
 * metrics count (never throttled). One per plugin instance, so throttling state is per server.
 *
 * Codes come from the registry (LOG_CODES); `Code` is widened only by the deprecated alias that
 * `@flvcast/hub` still exports.
 */
export class LimitReporter<Code extends string = LogCode> {
  readonly #throttle: LogThrottle;

  constructor(
    private readonly events: LimitEvents,
    throttle: LogThrottleOptions = {},
  ) {
    this.#throttle = new LogThrottle(throttle);
  }

  /** A limit was hit: count it, and log it unless this client already filled its log window. */
  limit(log: WarnLogger, hit: LimitHit, code: Code, fields: Record<string, unknown>, message: string): void {
    this.events.emit('limit', hit);
    this.warn(log, code, hit.remoteAddress, { limit: hit.limit, ...fields }, message);
  }

  /** A warn line about one client, throttled per client and code. */
  warn(log: WarnLogger, code: Code, remoteAddress: string | undefined, fields: Record<string, unknown>, message: string): void {
    const suppressed = this.#throttle.take(`${code}|${remoteAddress ?? ''}`);
    if (suppressed === undefined) return;
    log.warn({ code, ip: remoteAddress, ...fields, ...(suppressed > 0 ? { suppressed } : {}) }, suppressed > 0 ? `${message} (${suppressed} similar lines suppressed)` : message);
  }
}
