import type { FastifyInstance } from 'fastify';

/**
 * A recording as @flvcast/fastify-vod lists it (`fastify.vod.list()`), typed here by the one field the API
 * uses: the response schema (`recordingSchema`) names and serializes the rest.
 */
export interface RecordingLike {
  readonly id: string;
}

/** What the API reads from the `vod` decorator when the VOD plugin is registered (or shared). */
export interface RecordingsSource {
  list(): Promise<readonly RecordingLike[]>;
  remove(id: string): Promise<boolean>;
}

/** The app's recordings catalog, looked up when asked (so registration order does not matter); undefined without one. */
export function vodOf(fastify: FastifyInstance): RecordingsSource | undefined {
  const vod = (fastify as unknown as { vod?: unknown }).vod;
  return vod !== null && typeof vod === 'object' && typeof (vod as RecordingsSource).list === 'function' && typeof (vod as RecordingsSource).remove === 'function' ? (vod as RecordingsSource) : undefined;
}
