import { defineOptions, option, resolveOptions, type OptionInput, type OptionTable, type OptionValues } from '@flvcast/options';
import { isLoopback, type ResolvedAccess } from './access-guard.js';
import type { ClusterView } from './cluster-view.js';
import { FST_FLVCAST_OPS_INVALID_OPTION } from './errors.js';

/** Clients let in without a token: no one (default), loopback only, everyone, or your own rule. */
export type AllowWithoutToken = 'loopback' | 'any' | 'none' | ((ip: string) => boolean);

/** The token options both ops plugins take, each declared once (docs/configuration.md is generated from them). */
export const opsAccessOptionDescriptors = defineOptions({
  token: option.string({
    check: (v) => (/^[\x21-\x7e]+$/.test(v) ? undefined : 'expected a non-empty string of printable ASCII without spaces'),
    doc: 'bearer token (`Authorization: Bearer <token>`); a client presenting it is allowed from anywhere',
  }),
  allowWithoutToken: option.custom({
    typeName: '`"none"` | `"loopback"` | `"any"` | function',
    expected: "'loopback', 'any', 'none' or a function",
    default: 'none',
    is: (v): v is AllowWithoutToken => v === 'loopback' || v === 'any' || v === 'none' || typeof v === 'function',
    doc: "clients allowed without a token, by `request.ip`: no one, loopback only, everyone, or your own rule. 'loopback' is safe only on a listener no reverse proxy reaches: through a proxy on the same host every request comes from 127.0.0.1 (the flvcast server uses it on its own API listener only)",
  }),
});

/** Viewers served by other processes (the flvcast server's workers), added to the hub's figures. */
const clusterOption = option.custom({
  typeName: 'ClusterView',
  expected: 'an object with viewers(), traffic() and workers()',
  is: (v): v is ClusterView =>
    v !== null && typeof v === 'object' && ['viewers', 'traffic', 'workers'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
  doc: 'viewers served by other processes (worker processes pulling from this hub): added to the streams, totals and metrics, and listed by `/workers`',
});

/** The API plugin's options. */
export const opsApiOptionDescriptors = defineOptions({
  prefix: option.string({
    default: '/api/v1',
    check: (v) => (/^(\/[A-Za-z0-9_.~-]+)*$/.test(v) ? undefined : `expected "" or a path like "/api/v1" (no trailing slash), got ${JSON.stringify(v)}`),
    doc: 'where the API lives',
  }),
  cluster: clusterOption,
  ...opsAccessOptionDescriptors,
});

/** The metrics plugin's options. */
export const opsMetricsOptionDescriptors = defineOptions({
  path: option.string({
    default: '/metrics',
    check: (v) => (/^(\/[A-Za-z0-9_.~-]+)+$/.test(v) ? undefined : `expected a path like "/metrics", got ${JSON.stringify(v)}`),
    doc: 'route of the Prometheus exposition',
  }),
  processMetrics: option.boolean({ default: true, doc: "prom-client's default process and Node.js metrics (CPU, memory, event loop, GC)" }),
  cluster: clusterOption,
  ...opsAccessOptionDescriptors,
});

export type OpsAccessOptions = OptionInput<typeof opsAccessOptionDescriptors>;
export type OpsApiOptions = OptionInput<typeof opsApiOptionDescriptors>;
export type OpsMetricsOptions = OptionInput<typeof opsMetricsOptionDescriptors>;

export interface ResolvedApiOptions {
  prefix: string;
  cluster: ClusterView | undefined;
  access: ResolvedAccess;
}

export interface ResolvedMetricsOptions {
  path: string;
  processMetrics: boolean;
  cluster: ClusterView | undefined;
  access: ResolvedAccess;
}

/** The first problem as the plugins' error; unknown names are not checked (they never were). */
function resolve<T extends OptionTable>(table: T, opts: object): OptionValues<T> {
  const { values, problems } = resolveOptions(table, opts, { unknown: 'ignore' });
  const problem = problems[0];
  if (problem !== undefined) throw new FST_FLVCAST_OPS_INVALID_OPTION(problem.option, problem.message);
  return values;
}

/** Pure: checks the API plugin's options and applies defaults. Throws FST_FLVCAST_OPS_INVALID_OPTION. */
export function validateApiOptions(opts: OpsApiOptions = {}): ResolvedApiOptions {
  const values = resolve(opsApiOptionDescriptors, opts);
  return { prefix: values.prefix, cluster: values.cluster, access: access(values) };
}

/** Pure: checks the metrics plugin's options and applies defaults. Throws FST_FLVCAST_OPS_INVALID_OPTION. */
export function validateMetricsOptions(opts: OpsMetricsOptions = {}): ResolvedMetricsOptions {
  const values = resolve(opsMetricsOptionDescriptors, opts);
  return { path: values.path, processMetrics: values.processMetrics, cluster: values.cluster, access: access(values) };
}

/** The 'none' rule (a named function, so a registration closed to everyone can be told). */
export const denyAll = (): boolean => false;

function access({ token, allowWithoutToken }: OptionValues<typeof opsAccessOptionDescriptors>): ResolvedAccess {
  const allow =
    typeof allowWithoutToken === 'function' ? allowWithoutToken : allowWithoutToken === 'loopback' ? isLoopback : allowWithoutToken === 'any' ? () => true : denyAll;
  return { token, allowWithoutToken: allow };
}
