import type { Hub } from '@flvcast/hub';
import type { FastifyInstance } from 'fastify';
import { FST_FLVCAST_NO_HUB } from './errors.js';
import type {} from './plugin.js';

/**
 * The hub a plugin works on, checked at registration. By decorator rather than by plugin name, so an app
 * that shares another app's hub (`decorate('streams', hub)`) works too; a missing hub fails at boot.
 */
export function requireHub(fastify: FastifyInstance, plugin: string): Hub {
  if (!fastify.hasDecorator('streams')) throw new FST_FLVCAST_NO_HUB(plugin);
  return fastify.streams;
}
