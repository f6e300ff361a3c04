import type { FastifyInstance } from 'fastify';
import type { ResolvedAccess } from './access-guard.js';
import { denyAll } from './options.js';

/** A registration that no request can pass is almost certainly a mistake: say so once. */
export function warnIfClosedToAll(fastify: FastifyInstance, plugin: string, access: ResolvedAccess): void {
  if (access.token === undefined && access.allowWithoutToken === denyAll) {
    fastify.log.warn({ plugin }, `${plugin}: no token and allowWithoutToken 'none': every request will be refused (403)`);
  }
}
