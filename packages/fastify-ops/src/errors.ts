import createError from '@fastify/error';

/** Raised at registration when an option has the wrong type or value; the message names the option. */
export const FST_FLVCAST_OPS_INVALID_OPTION = createError<[string, string]>(
  'FST_FLVCAST_OPS_INVALID_OPTION',
  'Invalid @flvcast/fastify-ops option "%s": %s',
  500,
  TypeError,
);

/** Raised at registration when the app has no hub (`fastify.streams`) to read. */
export const FST_FLVCAST_OPS_NO_HUB = createError<[string]>(
  'FST_FLVCAST_OPS_NO_HUB',
  '%s needs the stream hub: register @flvcast/fastify-http-flv first (or decorate `streams` with a Hub shared from another app)',
  500,
);
