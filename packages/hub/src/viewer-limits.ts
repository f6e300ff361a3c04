import { KeyedCounter } from '@flvcast/limits';

export type ViewerLimit = 'maxViewers' | 'maxViewersPerIp' | 'maxViewersPerStream';

export interface ViewerLimitOptions {
  maxViewers: number;
  maxViewersPerIp: number;
  maxViewersPerStream: number;
}

/** A viewer slot held from the request's check until its connection closes. */
export interface ViewerSlot {
  /** Gives the slot back; calling it again does nothing. */
  release(): void;
}

/**
 * Counts viewers of every protocol (HTTP-FLV and WS-FLV of every mount, RTMP players; HEAD, 404s, refused
 * plays and internal subscribers are not viewers) in total, per client address and per stream, against the
 * hub's maxViewers, maxViewersPerIp and maxViewersPerStream. One per hub (`hub.viewers`), so every plugin
 * serving viewers counts in the same totals without knowing of the others. A slot is taken when the play is
 * checked, before any media byte, so concurrent requests cannot overshoot a limit between the check and the
 * subscription; it is held until the viewer's connection closes.
 */
export class ViewerLimits {
  #total = 0;
  readonly #perIp = new KeyedCounter();
  readonly #perStream = new KeyedCounter();

  constructor(private readonly max: ViewerLimitOptions) {}

  /** A slot, or the name of the limit in the way. */
  acquire(ip: string, stream: string): ViewerSlot | ViewerLimit {
    if (this.#total >= this.max.maxViewers) return 'maxViewers';
    if (this.#perStream.get(stream) >= this.max.maxViewersPerStream) return 'maxViewersPerStream';
    if (this.#perIp.get(ip) >= this.max.maxViewersPerIp) return 'maxViewersPerIp';
    this.#total++;
    this.#perIp.add(ip);
    this.#perStream.add(stream);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.#total--;
        this.#perIp.remove(ip);
        this.#perStream.remove(stream);
      },
    };
  }

  /** Viewer slots held. */
  get viewers(): number {
    return this.#total;
  }

  /** Client addresses and streams with at least one viewer (what the per-key counters remember). */
  get trackedKeys(): { clientAddresses: number; streams: number } {
    return { clientAddresses: this.#perIp.size, streams: this.#perStream.size };
  }
}
