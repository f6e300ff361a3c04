export { fastifyDvr, fastifyDvr as default, type DvrStatus } from './plugin.js';
export { dvrOptionDescriptors, validateDvrOptions, type DvrPluginOptions, type ResolvedDvrOptions } from './options.js';
export { onDvrCallback } from './on-dvr-callback.js';
export { FST_FLVCAST_DVR_INVALID_OPTION } from './errors.js';
