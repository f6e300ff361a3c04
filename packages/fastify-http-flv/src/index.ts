export { fastifyHttpFlv, fastifyHttpFlv as default } from './plugin.js';
export {
  httpFlvOptionDescriptors,
  httpFlvOwnOptionDescriptors,
  hubPluginOptionDescriptors,
  validateOptions,
  type DeprecatedHttpFlvOptions,
  type HttpFlvPluginOptions,
  type ResolvedHttpFlvOptions,
  type ServedMount,
} from './options.js';
export { FST_FLVCAST_INVALID_OPTION } from './errors.js';
export { parseMount, type Mount } from './mount.js';
export { MOUNT_FORMATS, defaultMounts, mountFormat, type MountFormat } from './mount-format.js';
// The hub plugin and its `fastify.streams` typing, for apps that imported them from here.
export { fastifyHub } from '@flvcast/fastify-hub';
