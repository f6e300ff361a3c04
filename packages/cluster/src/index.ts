export { ClusterError, ClusterErrorCode } from './cluster-error.js';
export type { ClusterLog } from './cluster-log.js';
export { DEFAULT_KEY_PREFIX, originKey, streamEntryKey } from './directory-keys.js';
export { HubRegistration, hubLoad, type HubRegistrationOptions, type StreamClaims } from './hub-registration.js';
export type { OriginDirectory } from './origin-directory.js';
export { decodeOriginRecord, encodeOriginRecord, type OriginRecord } from './origin-record.js';
export { advertiseProblem, pullUrl } from './pull-url.js';
export { RedisDirectory, type ClaimResult, type OriginLoad, type RedisDirectoryOptions } from './redis-directory.js';
export { decodeStreamEntry, encodeStreamEntry, type StreamEntry } from './stream-entry.js';
