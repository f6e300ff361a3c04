export { buildServer, demoClipPath, type BuiltServer } from './build-server.js';
export { ConfigError, configFromEnv, configFromFile, configSchema, envName, flagName, resolveConfig, type FlvcastConfig } from './config.js';
export { FileSource } from './file-source.js';
export { parseListenAddress, urlHost, type ListenAddress } from './listen-address.js';
export { signCommand, signUsage } from './sign-command.js';
