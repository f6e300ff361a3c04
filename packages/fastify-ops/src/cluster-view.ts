import type { StreamSummary } from '@flvcast/hub';

/** Viewers of one protocol and container format. */
export interface ViewerGroup {
  protocol: string;
  format: string;
  count: number;
}

/** Viewers of one stream somewhere else (worker processes), as the API and metrics add them to the hub's. */
export interface RemoteViewers {
  total: number;
  /** By protocol and format together (`http-flv`/`flv`, `ws-aac`/`adts`…), as the viewer gauge is labelled. */
  groups: readonly ViewerGroup[];
  /** Tags dropped for those viewers (current viewers). */
  droppedTags: number;
}

/** One worker process as `/api/v1/workers` lists it. JSON-safe. */
export interface WorkerSummary {
  /** Its slot, 1…workers: stable across restarts (the metrics label). */
  id: number;
  /** The current process; null while it is being restarted. */
  pid: number | null;
  state: 'starting' | 'up' | 'restarting' | 'stopping';
  /** Viewers it serves now (every stream, every protocol). */
  viewers: number;
  /** The streams it pulls from the primary now: one upstream connection each. */
  pulls: { stream: string; state: string }[];
  /** Since the current process started (0 while restarting). */
  uptimeMs: number;
  /** Times it was started again after dying. */
  restarts: number;
  cpu: { userSeconds: number; systemSeconds: number };
  rssBytes: number;
  /** Age of its last report (it reports every second and on change). */
  reportAgeMs: number | null;
}

/** Traffic of other processes since the server started, never going down (workers that died included). */
export interface RemoteTraffic {
  bytesOut: number;
  droppedTags: number;
  /** Viewers that subscribed, by protocol. */
  sessions: Readonly<Record<string, number>>;
}

/**
 * What the ops plugins add to the hub's own figures when viewers are served by other processes (the
 * server's workers): each stream's viewers there, their traffic, and the processes themselves.
 */
export interface ClusterView {
  /** Viewers elsewhere, by stream name (`app/stream` or `vhost/app/stream`). */
  viewers(): ReadonlyMap<string, RemoteViewers>;
  traffic(): RemoteTraffic;
  workers(): WorkerSummary[];
}

/** Adds viewer groups into counts by protocol and by format. */
export function addGroups(byProtocol: Record<string, number>, byFormat: Record<string, number>, groups: readonly ViewerGroup[]): void {
  for (const g of groups) {
    byProtocol[g.protocol] = (byProtocol[g.protocol] ?? 0) + g.count;
    byFormat[g.format] = (byFormat[g.format] ?? 0) + g.count;
  }
}

/** A stream summary with the viewers elsewhere added (the summary itself is left alone). */
export function withRemoteViewers(summary: StreamSummary, remote: RemoteViewers | undefined): StreamSummary {
  if (remote === undefined) return summary;
  const byProtocol = { ...summary.viewers.byProtocol };
  const byFormat = { ...summary.viewers.byFormat };
  addGroups(byProtocol, byFormat, remote.groups);
  return { ...summary, viewers: { total: summary.viewers.total + remote.total, byProtocol, byFormat }, droppedTags: summary.droppedTags + remote.droppedTags };
}
