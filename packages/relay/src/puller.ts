import { streamKeyToString, type Hub, type StreamKey, type StreamResolver } from '@flvcast/hub';
import { IdleStopper } from './idle-stopper.js';
import type { RelayLog } from './relay-log.js';
import { PullSource, type PullSourceOptions, type PullStatus } from './pull-source.js';

/** A configured pull: publish `stream` from `url`. */
export interface PullRule {
  /** `app/stream` or `vhost/app/stream`. */
  readonly stream: string;
  /** `rtmp[s]://host[:port]/app/stream` or `http(s)://…/x.flv`. */
  readonly url: string;
  /** Start with the first viewer (through the hub's resolver) instead of at startup. Default false. */
  readonly onDemand?: boolean;
  /** On demand: stop this long after the last viewer left. Default 10000 ms. */
  readonly idleMs?: number;
}

export interface PullerOptions extends Omit<PullSourceOptions, 'url' | 'onDemand' | 'log'> {
  log: RelayLog;
}

interface Entry {
  source: PullSource;
  rule: PullRule;
}

/** `app/stream` or `vhost/app/stream` as a StreamKey; undefined when it is neither. */
export function parseStreamName(name: string): StreamKey | undefined {
  const parts = name.split('/');
  if (parts.length === 2) return { vhost: '', app: parts[0]!, stream: parts[1]! };
  if (parts.length === 3) return { vhost: parts[0]!, app: parts[1]!, stream: parts[2]! };
  return undefined;
}

/**
 * Runs the configured pulls. Always-on ones start with `start()`. On-demand ones start from the hub's
 * resolver when a viewer asks for their stream (the viewer's request waits for it, bounded by the hub's
 * resolve timeout) and stop `idleMs` after the last viewer leaves; a viewer within that time keeps the
 * running pull (nginx-rtmp stops at once, and a quick re-play races the teardown).
 */
export class Puller {
  readonly #entries = new Map<string, Entry>();
  readonly #idle: IdleStopper;

  constructor(
    hub: Hub,
    rules: readonly PullRule[],
    opts: PullerOptions,
  ) {
    this.#idle = new IdleStopper(hub);
    for (const rule of rules) {
      const key = parseStreamName(rule.stream);
      if (key === undefined) throw new Error(`pull stream ${JSON.stringify(rule.stream)}: expected app/stream or vhost/app/stream`);
      const name = streamKeyToString(key);
      if (this.#entries.has(name)) throw new Error(`pull stream ${name} is listed twice`);
      const source = new PullSource(hub, key, { ...opts, url: rule.url, onDemand: rule.onDemand === true });
      this.#entries.set(name, { source, rule });
      if (rule.onDemand === true) this.#idle.watch(key, rule.idleMs ?? 10_000, () => void source.idle());
    }
  }

  /** True when some pull starts on demand (then `resolver` should be set on the hub). */
  get hasOnDemand(): boolean {
    return [...this.#entries.values()].some((e) => e.rule.onDemand === true);
  }

  /** Starts the always-on pulls. */
  start(): void {
    for (const e of this.#entries.values()) if (e.rule.onDemand !== true) e.source.start();
  }

  /**
   * The hub resolver of the on-demand pulls: starts the one for `key` (the hub waits for its publish); any
   * other name goes to `fallback` (the resolver the hub had before), or is not found.
   */
  resolverWith(fallback: StreamResolver | undefined): StreamResolver {
    return (key, signal, request) => {
      const entry = this.#entries.get(streamKeyToString(key));
      if (entry === undefined || entry.rule.onDemand !== true) {
        if (fallback !== undefined) return fallback(key, signal, request);
        throw new Error('no on-demand pull for this stream');
      }
      entry.source.start();
      return undefined;
    };
  }

  /** The resolver of the on-demand pulls alone (see resolverWith). */
  get resolver(): StreamResolver {
    return this.resolverWith(undefined);
  }

  list(): PullStatus[] {
    return [...this.#entries.values()].map((e) => e.source.status());
  }

  async close(): Promise<void> {
    this.#idle.close();
    await Promise.all([...this.#entries.values()].map((e) => e.source.close()));
  }
}
