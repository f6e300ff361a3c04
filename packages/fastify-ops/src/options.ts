import { isLoopback, type ResolvedAccess } from './access-guard.js';
import { FST_FLVCAST_OPS_INVALID_OPTION } from './errors.js';

/** Clients let in without a token: no one (default), loopback only, everyone, or your own rule. */
export type AllowWithoutToken = 'loopback' | 'any' | 'none' | ((ip: string) => boolean);

export interface OpsAccessOptions {
  /** Bearer token (`Authorization: Bearer <token>`); a client presenting it is allowed from anywhere. */
  token?: string;
  /**
   * Clients allowed without a token, by `request.ip`. Default 'none'. 'loopback' is safe only on a listener
   * that no reverse proxy reaches: through a proxy on the same host every request comes from 127.0.0.1,
   * and a plain `proxy_pass` adds no header that could tell it apart (the flvcast server uses it on its
   * own API listener only).
   */
  allowWithoutToken?: AllowWithoutToken;
}

export interface OpsApiOptions extends OpsAccessOptions {
  /** Where the API lives. Default '/api/v1'. */
  prefix?: string;
}

export interface OpsMetricsOptions extends OpsAccessOptions {
  /** Route of the Prometheus exposition. Default '/metrics'. */
  path?: string;
  /** prom-client's default process and Node.js metrics (CPU, memory, event loop, GC). Default true. */
  processMetrics?: boolean;
}

export interface ResolvedApiOptions {
  prefix: string;
  access: ResolvedAccess;
}

export interface ResolvedMetricsOptions {
  path: string;
  processMetrics: boolean;
  access: ResolvedAccess;
}

/** Pure: checks the API plugin's options and applies defaults. Throws FST_FLVCAST_OPS_INVALID_OPTION. */
export function validateApiOptions(opts: OpsApiOptions = {}): ResolvedApiOptions {
  const { prefix = '/api/v1' } = opts;
  if (typeof prefix !== 'string' || !/^(\/[A-Za-z0-9_.~-]+)*$/.test(prefix)) {
    throw new FST_FLVCAST_OPS_INVALID_OPTION('prefix', `expected "" or a path like "/api/v1" (no trailing slash), got ${JSON.stringify(prefix)}`);
  }
  return { prefix, access: validateAccess(opts) };
}

/** Pure: checks the metrics plugin's options and applies defaults. Throws FST_FLVCAST_OPS_INVALID_OPTION. */
export function validateMetricsOptions(opts: OpsMetricsOptions = {}): ResolvedMetricsOptions {
  const { path = '/metrics', processMetrics = true } = opts;
  if (typeof path !== 'string' || !/^(\/[A-Za-z0-9_.~-]+)+$/.test(path)) {
    throw new FST_FLVCAST_OPS_INVALID_OPTION('path', `expected a path like "/metrics", got ${JSON.stringify(path)}`);
  }
  if (typeof processMetrics !== 'boolean') throw new FST_FLVCAST_OPS_INVALID_OPTION('processMetrics', 'expected a boolean');
  return { path, processMetrics, access: validateAccess(opts) };
}

/** The 'none' rule (a named function, so a registration closed to everyone can be told). */
export const denyAll = (): boolean => false;

function validateAccess(opts: OpsAccessOptions): ResolvedAccess {
  const { token, allowWithoutToken = 'none' } = opts;
  if (token !== undefined && (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token))) {
    throw new FST_FLVCAST_OPS_INVALID_OPTION('token', 'expected a non-empty string of printable ASCII without spaces');
  }
  let allow: (ip: string) => boolean;
  if (typeof allowWithoutToken === 'function') allow = allowWithoutToken;
  else if (allowWithoutToken === 'loopback') allow = isLoopback;
  else if (allowWithoutToken === 'any') allow = () => true;
  else if (allowWithoutToken === 'none') allow = denyAll;
  else throw new FST_FLVCAST_OPS_INVALID_OPTION('allowWithoutToken', `expected 'loopback', 'any', 'none' or a function, got ${JSON.stringify(allowWithoutToken)}`);
  return { token, allowWithoutToken: allow };
}
