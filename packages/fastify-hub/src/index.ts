export { fastifyHub, fastifyHub as default, hubFromOptions, HUB_PLUGIN_NAME, type HubPluginOptions } from './plugin.js';
export { requireHub } from './require-hub.js';
export { FST_FLVCAST_HUB_INVALID_OPTION, FST_FLVCAST_NO_HUB } from './errors.js';
