import type {} from '@flvcast/fastify-http-flv';
import type { Hub } from '@flvcast/hub';
import type { FastifyInstance } from 'fastify';
import { FST_FLVCAST_OPS_NO_HUB } from './errors.js';
import type { ResolvedAccess } from './access-guard.js';
import { denyAll } from './options.js';

/**
 * The hub the ops plugins read. Checked by decorator, not by plugin name, so a second app (the server's
 * API listener) can share the hub of the app that streams.
 */
export function requireHub(fastify: FastifyInstance, plugin: string): Hub {
  if (!fastify.hasDecorator('streams')) throw new FST_FLVCAST_OPS_NO_HUB(plugin);
  return fastify.streams;
}

/** A registration that no request can pass is almost certainly a mistake: say so once. */
export function warnIfClosedToAll(fastify: FastifyInstance, plugin: string, access: ResolvedAccess): void {
  if (access.token === undefined && access.allowWithoutToken === denyAll) {
    fastify.log.warn({ plugin }, `${plugin}: no token and allowWithoutToken 'none': every request will be refused (403)`);
  }
}
