import type { Hub, LiveStream } from '@flvcast/hub';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BoundedLabel } from './bounded-label.js';
import { destinationLabel, type ForwardStatusLike, type PullStatusLike, type RelayStatusSource } from './relay-status.js';
import { TrafficTotals, type TrafficSnapshot } from './traffic-totals.js';
import type { ClusterView, WorkerSummary } from './cluster-view.js';

/** Protocol and format pairs always exported (at 0 when idle), so their series exist before the first viewer. */
const VIEWER_SERIES = [
  ['http-flv', 'flv'],
  ['ws-flv', 'flv'],
  ['rtmp', 'rtmp'],
] as const;

export interface FlvcastMetricsOptions {
  /** prom-client's default process and Node.js metrics. */
  processMetrics: boolean;
  /** The relay's forwards and pulls (@flvcast/fastify-relay), read at scrape time; none without it. */
  relay?: () => RelayStatusSource | undefined;
  /** Viewers served by other processes (the server's workers): added to the viewer and traffic series. */
  cluster?: ClusterView | undefined;
  /** The recorder's totals (@flvcast/fastify-dvr's `fastify.dvr`), read at scrape time; 0 without it. */
  dvr?: () => DvrTotalsSource | undefined;
}

/** What the metrics read from the `dvr` decorator; typed here by shape only. */
export interface DvrTotalsSource {
  totals(): { readonly active: number; readonly bytesWritten: number; readonly filesFinished: number; readonly failures: number; readonly droppedBytes: number };
}

/**
 * The metrics of one hub in their own prom-client Registry (never the global one: two apps in one process
 * must not clash). Gauges are read from the hub at scrape time; counters are fed by its events, and byte
 * totals add departed clients to live ones so they never go down. Per-stream series exist only for the
 * streams that are live at scrape time.
 */
export class FlvcastMetrics {
  readonly registry = new Registry();
  #totals: TrafficTotals;
  #off: (() => void)[];

  constructor(hub: Hub, options: FlvcastMetricsOptions) {
    const registers = [this.registry];
    const cluster = options.cluster;
    const totals = (this.#totals = new TrafficTotals(hub));
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });

    new Gauge({
      name: 'flvcast_streams',
      help: 'Streams in the hub (published, or viewers waiting for their publisher to return)',
      registers,
      collect() {
        this.set(hub.size);
      },
    });
    new Gauge({
      name: 'flvcast_publishers',
      help: 'Streams with a publisher attached',
      registers,
      collect() {
        let n = 0;
        for (const s of hub.list()) if (s.publisher !== undefined) n++;
        this.set(n);
      },
    });
    // Formats come from the apps' mounts (one per container): bounded like every other free label.
    const formatLabel = new BoundedLabel(16);
    new Gauge({
      name: 'flvcast_viewers',
      help: 'Connected viewers by protocol and container format',
      labelNames: ['protocol', 'format'],
      registers,
      collect() {
        const by = new Map<string, { protocol: string; format: string; n: number }>(VIEWER_SERIES.map(([protocol, format]) => [`${protocol} ${format}`, { protocol, format, n: 0 }]));
        for (const s of hub.list()) {
          for (const sub of s.subscribers) {
            if (sub.info.internal === true) continue;
            const format = formatLabel.value(sub.format);
            const k = `${sub.info.protocol} ${format}`;
            const entry = by.get(k);
            if (entry === undefined) by.set(k, { protocol: sub.info.protocol, format, n: 1 });
            else entry.n++;
          }
        }
        for (const remote of cluster?.viewers().values() ?? []) {
          for (const g of remote.groups) {
            const format = formatLabel.value(g.format);
            const k = `${g.protocol} ${format}`;
            const entry = by.get(k);
            if (entry === undefined) by.set(k, { protocol: g.protocol, format, n: g.count });
            else entry.n += g.count;
          }
        }
        this.reset();
        for (const { protocol, format, n } of by.values()) this.set({ protocol, format }, n);
      },
    });

    // A counter fed from a running total read at scrape time: it goes up by what is new, never down.
    const growingCounter = (name: string, help: string, read: () => number): void => {
      let reported = 0;
      new Counter({
        name,
        help,
        registers,
        collect() {
          const value = read();
          if (value > reported) this.inc(value - reported);
          reported = Math.max(reported, value);
        },
      });
    };
    const totalCounter = (name: string, help: string, field: keyof TrafficSnapshot): void =>
      growingCounter(name, help, () => totals.snapshot()[field] + (field === 'bytesIn' || cluster === undefined ? 0 : cluster.traffic()[field]));
    totalCounter('flvcast_received_bytes_total', 'Media bytes received from publishers', 'bytesIn');
    totalCounter('flvcast_sent_bytes_total', 'Bytes sent to viewers', 'bytesOut');
    totalCounter('flvcast_dropped_tags_total', 'Tags dropped because a viewer fell behind', 'droppedTags');

    // Per live stream; reset first so streams that ended leave no series behind.
    const perStream = (name: string, help: string, value: (s: LiveStream) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['stream'],
        registers,
        collect() {
          this.reset();
          for (const s of hub.list()) this.set({ stream: s.name }, value(s));
        },
      });
    };
    perStream('flvcast_stream_ingest_bits_per_second', 'Ingest bitrate over the last couple of seconds', (s) => s.rate.kbps * 1000);
    perStream('flvcast_stream_frames_per_second', 'Ingest video frame rate', (s) => s.rate.fps);
    perStream('flvcast_stream_viewers', 'Viewers of the stream (on every worker process)', (s) => s.viewerCount + (cluster?.viewers().get(s.name)?.total ?? 0));
    perStream('flvcast_viewer_queued_bytes', "Bytes held back for the stream's viewers that are behind", (s) => {
      let n = 0;
      for (const sub of s.subscribers) n += sub.queuedBytes;
      return n;
    });
    perStream('flvcast_viewer_lag_seconds', 'Media time the furthest-behind viewer of the stream lags', (s) => {
      let ms = 0;
      for (const sub of s.subscribers) ms = Math.max(ms, sub.queuedMs);
      return ms / 1000;
    });

    // Forwards and pulls: one series per destination (per pull), gone when it goes, like the stream series.
    const perForward = (name: string, help: string, value: (f: ForwardStatusLike) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['stream', 'destination'],
        registers,
        collect() {
          this.reset();
          for (const f of options.relay?.()?.forwards() ?? []) this.set({ stream: f.stream, destination: destinationLabel(f.url) }, value(f));
        },
      });
    };
    perForward('flvcast_forward_up', '1 while the forward publishes at its destination, else 0 (connecting, waiting to reconnect)', (f) => (f.state === 'forwarding' ? 1 : 0));
    perForward('flvcast_forward_sent_bytes', 'Bytes written to the destination, every connection together', (f) => f.bytes);
    perForward('flvcast_forward_dropped_frames', 'Frames dropped from the queue because the destination fell behind while connected (not those published while it reconnects)', (f) => f.drops);
    perForward('flvcast_forward_reconnects', 'Connections to the destination after the first', (f) => f.reconnects);
    perForward('flvcast_forward_queued_bytes', 'Bytes waiting for the destination: hub backlog plus unsent socket bytes', (f) => f.queuedBytes + f.socketBufferedBytes);
    const perPull = (name: string, help: string, value: (p: PullStatusLike) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['stream'],
        registers,
        collect() {
          this.reset();
          for (const p of options.relay?.()?.pulls() ?? []) this.set({ stream: p.stream }, value(p));
        },
      });
    };
    perPull('flvcast_pull_up', '1 while the pull publishes media from its upstream, else 0 (connecting, waiting, idle)', (p) => (p.state === 'pulling' ? 1 : 0));
    perPull('flvcast_pull_received_bytes', 'Bytes read from the upstream, every connection together', (p) => p.bytes);
    perPull('flvcast_pull_reconnects', 'Connections to the upstream after the first (since an on-demand pull last started)', (p) => p.reconnects);

    // Recording (DVR): totals the recorder keeps, reported as counters that never go down.
    new Gauge({
      name: 'flvcast_dvr_recordings',
      help: 'Files being recorded now',
      registers,
      collect() {
        this.set(options.dvr?.()?.totals().active ?? 0);
      },
    });
    const dvrCounter = (name: string, help: string, field: 'bytesWritten' | 'filesFinished' | 'failures' | 'droppedBytes'): void =>
      growingCounter(name, help, () => options.dvr?.()?.totals()[field] ?? 0);
    dvrCounter('flvcast_dvr_written_bytes_total', 'Bytes the recorder wrote (or queued for the disk)', 'bytesWritten');
    dvrCounter('flvcast_dvr_files_total', 'Recording files finished (indexed and renamed)', 'filesFinished');
    dvrCounter('flvcast_dvr_failures_total', 'Recordings stopped by a write error (disk full, not writable) or that could not be finished', 'failures');
    dvrCounter('flvcast_dvr_dropped_bytes_total', 'Media bytes left out of recordings because the disk was behind (dvrMaxQueueBytes)', 'droppedBytes');

    const protocol = new BoundedLabel();
    const ttff = new Histogram({
      name: 'flvcast_time_to_first_frame_seconds',
      help: 'Time from a viewer subscribing to its first decodable frame',
      labelNames: ['protocol'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers,
    });
    if (cluster !== undefined) workerSeries(cluster, registers);
    const publishes = new Counter({ name: 'flvcast_publish_sessions_total', help: 'Publishers that started', registers });
    // Sessions on worker processes come as running totals: each scrape adds what is new since the last.
    const remoteSessions = new Map<string, number>();
    const plays = new Counter({
      name: 'flvcast_viewer_sessions_total',
      help: 'Viewers that subscribed, by protocol',
      labelNames: ['protocol'],
      registers,
      collect() {
        for (const [p, n] of Object.entries(cluster?.traffic().sessions ?? {})) {
          const before = remoteSessions.get(p) ?? 0;
          if (n > before) this.inc({ protocol: protocol.value(p) }, n - before);
          remoteSessions.set(p, Math.max(before, n));
        }
      },
    });
    const denials = new Counter({
      name: 'flvcast_access_denied_total',
      help: 'Clients refused by access control',
      labelNames: ['action', 'protocol', 'reason'],
      registers,
    });
    const limits = new Counter({ name: 'flvcast_limit_hits_total', help: 'Clients refused or cut by a configured limit', labelNames: ['limit', 'protocol'], registers });

    const reason = new BoundedLabel();
    const limit = new BoundedLabel();
    this.#off = [
      hub.events.on('firstFrame', (e) => ttff.observe({ protocol: protocol.value(e.subscriber.info.protocol) }, e.ms / 1000)),
      hub.events.on('publish', () => publishes.inc()),
      // Internal subscribers (forwards, a worker's pull) are not viewers: a worker counts its own viewers' sessions.
      hub.events.on('play', (e) => {
        if (e.subscriber.info.internal !== true) plays.inc({ protocol: protocol.value(e.subscriber.info.protocol) });
      }),
      hub.events.on('deny', (e) => denials.inc({ action: e.action, protocol: protocol.value(e.protocol), reason: reason.value(e.reason) })),
      hub.events.on('limit', (e) => limits.inc({ limit: limit.value(e.limit), protocol: protocol.value(e.protocol) })),
    ];
  }

  /** Stops listening to the hub. */
  close(): void {
    for (const off of this.#off) off();
    this.#off = [];
    this.#totals.close();
  }
}

/** One series per worker slot (at most 64, the workers limit): up, viewers, restarts. */
function workerSeries(cluster: ClusterView, registers: Registry[]): void {
  const perWorker = (name: string, help: string, value: (w: WorkerSummary) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['worker'],
      registers,
      collect() {
        this.reset();
        for (const w of cluster.workers()) this.set({ worker: String(w.id) }, value(w));
      },
    });
  };
  perWorker('flvcast_worker_up', '1 while the worker process serves (reports), else 0 (starting, restarting, stopping)', (w) => (w.state === 'up' ? 1 : 0));
  perWorker('flvcast_worker_viewers', 'Viewers the worker process serves', (w) => w.viewers);
  perWorker('flvcast_worker_pulls', 'Streams the worker pulls from the primary (one connection each)', (w) => w.pulls.length);
  perWorker('flvcast_worker_restarts', 'Times the worker was started again after dying', (w) => w.restarts);
}
