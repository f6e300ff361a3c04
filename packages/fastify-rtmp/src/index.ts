export { fastifyRtmp, fastifyRtmp as default, type RtmpIngest } from './plugin.js';
export {
  rtmpOptionDescriptors,
  validateOptions,
  type DeprecatedRtmpOptions,
  type RtmpListen,
  type RtmpPluginOptions,
  type ResolvedRtmpListen,
  type ResolvedRtmpOptions,
} from './options.js';
export { FST_FLVCAST_RTMP_INVALID_OPTION } from './errors.js';
