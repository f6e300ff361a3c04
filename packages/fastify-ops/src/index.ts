export { fastifyOpsApi } from './api-plugin.js';
export { fastifyOpsMetrics } from './metrics-plugin.js';
export { FlvcastMetrics, type FlvcastMetricsOptions } from './flvcast-metrics.js';
export {
  opsAccessOptionDescriptors,
  opsApiOptionDescriptors,
  opsMetricsOptionDescriptors,
  validateApiOptions,
  validateMetricsOptions,
  type AllowWithoutToken,
  type OpsAccessOptions,
  type OpsApiOptions,
  type OpsMetricsOptions,
  type ResolvedApiOptions,
  type ResolvedMetricsOptions,
} from './options.js';
export { accessGuard, isLoopback, type ResolvedAccess } from './access-guard.js';
export * from './api-schemas.js';
export { summarizePublisher, summarizeViewer, type ClientSummary } from './client-summary.js';
export { ProcessUsage, type ProcessSample } from './process-usage.js';
export { TrafficTotals, type TrafficSnapshot } from './traffic-totals.js';
export { FST_FLVCAST_OPS_INVALID_OPTION } from './errors.js';
export { destinationLabel, relayOf, safeUrl, summarizeForward, summarizePull, type ForwardStatusLike, type PullStatusLike, type RelayStatusSource } from './relay-status.js';
export { addGroups, withRemoteViewers, type ClusterView, type RemoteTraffic, type RemoteViewers, type ViewerGroup, type WorkerSummary } from './cluster-view.js';
export { vodOf, type RecordingLike, type RecordingsSource } from './recordings-source.js';
