import createError from '@fastify/error';

/** Raised at registration when an option has the wrong type or value; the message names the option. */
export const FST_FLVCAST_HUB_INVALID_OPTION = createError<[string, string]>(
  'FST_FLVCAST_HUB_INVALID_OPTION',
  'Invalid @flvcast/fastify-hub option "%s": %s',
  500,
  TypeError,
);

/** Raised at boot by a plugin that needs the hub when the app has none (`fastify.streams`). */
export const FST_FLVCAST_NO_HUB = createError<[string]>(
  'FST_FLVCAST_NO_HUB',
  '%s needs the stream hub: register @flvcast/fastify-hub (or @flvcast/fastify-http-flv, which registers it) first, or decorate `streams` with a Hub shared from another app',
  500,
);
