import createError from '@fastify/error';

/** Raised at registration when an option has the wrong type or value; the message names the option. */
export const FST_FLVCAST_DVR_INVALID_OPTION = createError<[string, string]>('FST_FLVCAST_DVR_INVALID_OPTION', 'Invalid @flvcast/fastify-dvr option "%s": %s', 500, TypeError);
