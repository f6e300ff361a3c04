import type { RelayError } from './relay-error.js';

/**
 * Where a pull connects next. A plan offers its candidates one by one, each once per round; `undefined` ends the
 * round, the pull waits its back-off, and the next call starts a new round. A configured pull has one URL; an
 * edge has its origins (and a directory's answer), tried in order with failover.
 */
export interface UpstreamPlan {
  /** The URL of the next connection, or undefined at the end of a round. */
  next(): Promise<string | undefined> | string | undefined;
  /** The connection to `url` delivered its first media. */
  connected?(url: string): void;
  /** The connection to `url` ended: `error` undefined after close(); `hadMedia` whether it ever delivered. */
  ended?(url: string, error: RelayError | undefined, hadMedia: boolean): void;
  /** The pull (re)starts: begin with a fresh round. */
  reset?(): void;
}

/** The plan of a configured pull: its one URL, once per round (so every reconnect waits the back-off). */
export class SingleUpstream implements UpstreamPlan {
  #offered = false;

  constructor(readonly url: string) {}

  next(): string | undefined {
    this.#offered = !this.#offered;
    return this.#offered ? this.url : undefined;
  }

  reset(): void {
    this.#offered = false;
  }
}
