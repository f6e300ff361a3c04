import PinoPretty from 'pino-pretty';
import { redactedRequest } from './access-options.js';
import type { FlvcastConfig } from './config.js';

/** Pretty lines for a person at a terminal; JSON for everything else (files, journald, log shippers). */
export function usePrettyLogs(format: FlvcastConfig['logFormat'], isTty: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && isTty);
}

/** Fastify's `logger` option: pino with the server's level and serializers, pretty-printed when asked. */
export function loggerOptions(config: Pick<FlvcastConfig, 'logLevel' | 'logFormat'>, isTty = process.stdout.isTTY === true): object {
  // Request lines are logged without signed-URL tokens (credentials until they expire).
  const base = { level: config.logLevel, serializers: { req: redactedRequest } };
  if (!usePrettyLogs(config.logFormat, isTty)) return base;
  // Synchronous, in this thread: a transport worker could lose the last lines when the process exits.
  const stream = PinoPretty({ sync: true, colorize: isTty, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  return { ...base, stream };
}
