import type { Hub, StreamKey } from '@flvcast/hub';
import { streamKeyToString } from '@flvcast/hub';

interface Watched {
  readonly key: StreamKey;
  readonly idleMs: number;
  readonly stop: () => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Stops an on-demand source `idleMs` after its stream's last viewer (or worker pull: `demandCount`) left (or after it published to nobody); a
 * viewer arriving meanwhile keeps it running. nginx-rtmp and SRS edges stop at once, and a quick re-play races
 * the teardown (ossrs/srs#1884); MediaMTX waits 10 s, as flvcast does by default.
 */
export class IdleStopper {
  readonly #watched = new Map<string, Watched>();
  readonly #off: (() => void)[];

  constructor(private readonly hub: Hub) {
    this.#off = [
      hub.events.on('play', ({ stream, subscriber }) => {
        if (subscriber.info.internal !== true || subscriber.info.demand === true) this.#cancel(stream.name);
      }),
      hub.events.on('stop', ({ stream }) => this.#maybeIdle(stream.name, stream.demandCount)),
      hub.events.on('publish', ({ stream }) => this.#maybeIdle(stream.name, stream.demandCount)),
    ];
  }

  /** Watches `key`: `stop` is called once it has had no viewer for `idleMs`. */
  watch(key: StreamKey, idleMs: number, stop: () => void): void {
    const name = streamKeyToString(key);
    this.unwatch(name);
    this.#watched.set(name, { key, idleMs, stop, timer: undefined });
  }

  unwatch(name: string): void {
    this.#cancel(name);
    this.#watched.delete(name);
  }

  close(): void {
    for (const off of this.#off) off();
    for (const name of [...this.#watched.keys()]) this.unwatch(name);
  }

  #cancel(name: string): void {
    const w = this.#watched.get(name);
    if (w?.timer === undefined) return;
    clearTimeout(w.timer);
    w.timer = undefined;
  }

  #maybeIdle(name: string, viewers: number): void {
    const w = this.#watched.get(name);
    if (w === undefined || viewers > 0 || w.timer !== undefined) return;
    w.timer = setTimeout(() => {
      w.timer = undefined;
      if ((this.hub.get(w.key)?.demandCount ?? 0) > 0) return;
      w.stop();
    }, w.idleMs);
  }
}
