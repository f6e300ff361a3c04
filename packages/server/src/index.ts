export { buildServer, demoClipPath, type BuiltServer } from './build-server.js';
export { ConfigError, configFromEnv, configFromFile, configSchema, envName, flagName, resolveConfig, type FlvcastConfig } from './config.js';
/** @deprecated import it from @flvcast/relay. */
export { FileSource } from '@flvcast/relay';
export { parseListenAddress, urlHost, type ListenAddress } from './listen-address.js';
export { DASHBOARD_POLL_MS, dashboard, dashboardAssets, publicSummary, type DashboardAsset, type DashboardConfig, type DashboardOptions } from './dashboard.js';
export { signCommand, signUsage } from './sign-command.js';
