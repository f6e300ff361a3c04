export { buildServer, demoClipPath, type BuiltServer } from './build-server.js';
export { ConfigError, configDeprecations, configFromEnv, configFromFile, configSchema, envName, flagName, resolveConfig, type FlvcastConfig } from './config.js';
export { flvcastOptionDescriptors, pluginSettings } from './server-options.js';
/** @deprecated import it from @flvcast/relay. */
export { FileSource } from '@flvcast/relay';
export { parseListenAddress, urlHost, type ListenAddress } from './listen-address.js';
export { DASHBOARD_POLL_MS, dashboard, dashboardAssets, publicSummary, type DashboardAsset, type DashboardConfig, type DashboardOptions } from './dashboard.js';
export { signCommand, signUsage } from './sign-command.js';
export { OPTION_DOC_FILES, REGENERATE_OPTION_DOCS, optionDocSections, renderOptionDocs } from './option-docs.js';
