import { streamKeyToString, type Hub, type StreamKey, type StreamResolver } from '@flvcast/hub';
import { EdgeUpstreams } from './edge-upstreams.js';
import { IdleStopper } from './idle-stopper.js';
import type { OriginDirectory } from './origin-directory.js';
import { OriginHealth } from './origin-health.js';
import { PullSource, type PullSourceOptions, type PullStatus } from './pull-source.js';
import type { RelayLog } from './relay-log.js';

export interface EdgeOptions extends Omit<PullSourceOptions, 'url' | 'plan' | 'onDemand' | 'log'> {
  /** `http(s)://host:port` (HTTP-FLV) or `rtmp(s)://host:port` (RTMP play), tried in this order. */
  origins: readonly string[];
  /** Asked before the static origins (a Redis stream directory). */
  directory?: OriginDirectory | undefined;
  /** Longest a viewer waits for the first media from an origin; then 404 / StreamNotFound. */
  waitMs: number;
  /** The pull stops this long after the last viewer left. */
  idleMs: number;
  /** An unreachable origin is tried last for this long (doubling while it stays unreachable). */
  originBackoffMs: number;
  log: RelayLog;
}

interface Entry {
  readonly source: PullSource;
  readonly plan: EdgeUpstreams;
}

/**
 * Edge mode: a stream the hub does not have is pulled from an origin when a viewer asks for it (the hub's
 * resolver), once per stream for every viewer and format on this server. The viewer waits at most `waitMs`,
 * and gets its 404 at once when every origin said no. If the upstream breaks, viewers stay attached (the hub's
 * grace window) while the pull goes to the next origin; the last viewer gone, the pull stops after `idleMs`.
 */
export class Edge {
  readonly #hub: Hub;
  readonly #opts: EdgeOptions;
  readonly #health: OriginHealth;
  readonly #idle: IdleStopper;
  readonly #entries = new Map<string, Entry>();

  constructor(hub: Hub, opts: EdgeOptions) {
    this.#hub = hub;
    this.#opts = opts;
    this.#health = new OriginHealth(opts.originBackoffMs);
    this.#idle = new IdleStopper(hub);
  }

  /** The hub resolver; unknown names that no origin has are "not found". */
  readonly resolver: StreamResolver = async (key, signal, request) => {
    const name = streamKeyToString(key);
    let entry = this.#entries.get(name);
    if (entry === undefined) {
      entry = this.#create(key, request.query);
      this.#entries.set(name, entry);
      entry.source.start();
    }
    try {
      await entry.plan.firstMedia(AbortSignal.any([signal, AbortSignal.timeout(this.#opts.waitMs)]));
    } catch (err) {
      // Nothing for this viewer: unless others watch it by now, the pull goes.
      if (this.#entries.get(name) === entry && (this.#hub.get(key)?.demandCount ?? 0) === 0) this.#drop(name, entry);
      throw err;
    }
  };

  /** Every edge pull, as `/api/v1/pulls` shows them. */
  list(): PullStatus[] {
    return [...this.#entries.values()].map((e) => e.source.status());
  }

  /** Origins that could not be reached lately (tried last). */
  get originsDown(): string[] {
    return this.#health.down;
  }

  async close(): Promise<void> {
    this.#idle.close();
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((e) => e.source.close()));
  }

  #create(key: StreamKey, query: string): Entry {
    const o = this.#opts;
    const plan = new EdgeUpstreams(key, query, { origins: o.origins, health: this.#health, directory: o.directory, lookupTimeoutMs: Math.min(1000, o.waitMs) });
    const { origins: _origins, directory: _directory, waitMs: _waitMs, idleMs: _idleMs, originBackoffMs: _backoff, ...pull } = o;
    // Every origin gets its turn within the viewer's wait: one that accepts and never answers must not use
    // it all (it times out, is marked down, and the next one is asked).
    const candidates = o.origins.length + (o.directory === undefined ? 0 : 1);
    const connectTimeoutMs = Math.min(pull.connectTimeoutMs, Math.max(100, Math.floor(o.waitMs / Math.max(1, candidates))));
    const source = new PullSource(this.#hub, key, { ...pull, connectTimeoutMs, url: '', plan, onDemand: true });
    const entry = { source, plan };
    this.#idle.watch(key, o.idleMs, () => this.#drop(streamKeyToString(key), entry));
    return entry;
  }

  #drop(name: string, entry: Entry): void {
    if (this.#entries.get(name) !== entry) return;
    this.#entries.delete(name);
    this.#idle.unwatch(name);
    void entry.source.close();
  }
}
