export { fastifyRelay, fastifyRelay as default, type RelayStatus } from './plugin.js';
export { relayOptionDescriptors, validateRelayOptions, type RelayPluginOptions, type ResolvedRelayOptions } from './options.js';
export { FST_FLVCAST_RELAY_INVALID_OPTION } from './errors.js';
