import type { Hub } from '@flvcast/hub';
import { TrafficTotals, type RemoteViewers, type ViewerGroup } from '@flvcast/fastify-ops';
import { MAX_STREAMS_PER_MESSAGE, type WorkerReport } from './worker-messages.js';

export interface WorkerReporterOptions {
  /** The worker's pulls from the primary (the relay plugin's status). */
  pulls: () => ReadonlyArray<{ stream: string; state: string }>;
  send: (report: WorkerReport) => void;
  /** A report at least this often (the primary's figures are at most this old). */
  everyMs: number;
  /** After a viewer joins or leaves, a report this soon (several changes make one report). */
  changeMs: number;
}

/**
 * A worker's side of the cluster-wide figures: what its hub serves, sent to the primary every `everyMs`
 * and shortly after each change. Traffic and session counts are running totals, so the primary can keep
 * them going up when this process dies.
 */
export class WorkerReporter {
  readonly #hub: Hub;
  readonly #opts: WorkerReporterOptions;
  readonly #totals: TrafficTotals;
  readonly #sessions: Record<string, number> = {};
  readonly #off: (() => void)[];
  #timer: ReturnType<typeof setInterval> | undefined;
  #soon: ReturnType<typeof setTimeout> | undefined;

  constructor(hub: Hub, opts: WorkerReporterOptions) {
    this.#hub = hub;
    this.#opts = opts;
    this.#totals = new TrafficTotals(hub);
    const changed = () => this.#reportSoon();
    this.#off = [
      hub.events.on('play', ({ subscriber }) => {
        if (subscriber.info.internal === true) return;
        this.#sessions[subscriber.info.protocol] = (this.#sessions[subscriber.info.protocol] ?? 0) + 1;
        changed();
      }),
      hub.events.on('stop', changed),
    ];
  }

  start(): void {
    this.#timer ??= setInterval(() => this.report(), this.#opts.everyMs);
    this.#timer.unref();
    this.report();
  }

  /** Sends the state now. */
  report(): void {
    this.#opts.send(this.collect());
  }

  /** The state as the primary gets it: the busiest streams first, bounded. */
  collect(): WorkerReport {
    const streams: Array<[string, RemoteViewers]> = [];
    let viewers = 0;
    for (const stream of this.#hub.list()) {
      const groups = new Map<string, ViewerGroup>();
      let droppedTags = 0;
      for (const sub of stream.subscribers) {
        if (sub.info.internal === true) continue;
        droppedTags += sub.droppedTags;
        const key = `${sub.info.protocol} ${sub.format}`;
        const group = groups.get(key);
        if (group === undefined) groups.set(key, { protocol: sub.info.protocol, format: sub.format, count: 1 });
        else group.count++;
      }
      viewers += stream.viewerCount;
      if (stream.viewerCount > 0) streams.push([stream.name, { total: stream.viewerCount, groups: [...groups.values()], droppedTags }]);
    }
    streams.sort((a, b) => b[1].total - a[1].total);
    const { bytesOut, droppedTags } = this.#totals.snapshot();
    const cpu = process.cpuUsage();
    return {
      streams: streams.slice(0, MAX_STREAMS_PER_MESSAGE),
      viewers,
      pulls: this.#opts.pulls().slice(0, MAX_STREAMS_PER_MESSAGE).map((p) => ({ stream: p.stream, state: p.state })),
      traffic: { bytesOut, droppedTags, sessions: { ...this.#sessions } },
      cpu: { userSeconds: cpu.user / 1e6, systemSeconds: cpu.system / 1e6 },
      rssBytes: process.memoryUsage.rss(),
    };
  }

  close(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#soon);
    for (const off of this.#off) off();
    this.#off.length = 0;
    this.#totals.close();
  }

  #reportSoon(): void {
    if (this.#soon !== undefined) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      this.report();
    }, this.#opts.changeMs);
    this.#soon.unref();
  }
}
