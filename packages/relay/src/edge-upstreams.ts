import type { StreamKey } from '@flvcast/hub';
import type { OriginDirectory } from './origin-directory.js';
import type { OriginHealth } from './origin-health.js';
import { originStreamUrl } from './origin-url.js';
import { RelayErrorCode, type RelayError } from './relay-error.js';
import type { UpstreamPlan } from './upstream-plan.js';

/** Errors that say the origin itself is unreachable (not that it lacks the stream): it is marked down. */
const UNREACHABLE = new Set<string>([RelayErrorCode.socket, RelayErrorCode.connectTimeout, RelayErrorCode.handshakeTimeout]);

export interface EdgeUpstreamsOptions {
  /** Static origins, in the order given (`http(s)://host:port`, `rtmp(s)://host:port`). */
  origins: readonly string[];
  health: OriginHealth;
  directory?: OriginDirectory | undefined;
  /** Longest a directory lookup may take before the static origins are tried. */
  lookupTimeoutMs: number;
}

interface Candidate {
  readonly url: string;
  /** The origin it belongs to, for the health memory: scheme://host:port. */
  readonly origin: string;
  readonly fromDirectory: boolean;
}

/**
 * One stream's upstreams on an edge. Each round: what the directory knows, then the static origins, healthy
 * ones first; each candidate once. An unreachable origin is marked down (tried last for a while, for every
 * stream); one that answers "no such stream" is not. A round that ends with no media since the pull started
 * settles `firstMedia` as not found, so the viewer gets its 404 at once instead of after a timeout
 * (an SRS edge asked for a stream no origin has never answers, ossrs/srs#1134).
 */
export class EdgeUpstreams implements UpstreamPlan {
  readonly #opts: EdgeUpstreamsOptions;
  #round: Candidate[] | undefined;
  #index = 0;
  readonly #query: string;
  #everMedia = false;
  #waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  #lastError: RelayError | undefined;
  /** The candidates of the latest round, kept after it ends (a connection may end after its round was dropped). */
  #last: Candidate[] = [];

  constructor(
    readonly key: StreamKey,
    query: string,
    opts: EdgeUpstreamsOptions,
  ) {
    this.#query = query;
    this.#opts = opts;
  }

  async next(): Promise<string | undefined> {
    if (this.#round === undefined) {
      this.#round = await this.#candidates();
      this.#index = 0;
    }
    const candidate = this.#round[this.#index++];
    if (candidate !== undefined) return candidate.url;
    this.#round = undefined;
    if (!this.#everMedia) this.#settle(new Error(this.#lastError === undefined ? 'no origin to pull from' : `no origin has the stream (last: ${this.#lastError.message})`));
    return undefined;
  }

  connected(url: string): void {
    const c = this.#find(url);
    if (c !== undefined) this.#opts.health.ok(c.origin);
    this.#everMedia = true;
    // The next break starts a fresh round, from the best origin.
    this.#round = undefined;
    this.#settle(undefined);
  }

  ended(url: string, error: RelayError | undefined, hadMedia: boolean): void {
    if (error === undefined) return;
    this.#lastError = error;
    const c = this.#find(url);
    if (c === undefined) return;
    if (!hadMedia && UNREACHABLE.has(error.code)) this.#opts.health.failed(c.origin);
    if (!hadMedia && c.fromDirectory) this.#opts.directory?.failed?.(this.key, url);
  }

  reset(): void {
    this.#round = undefined;
    this.#everMedia = false;
    this.#lastError = undefined;
  }

  /** Resolves at the first media since the last reset; rejects when a whole round found nothing, or on abort. */
  firstMedia(signal: AbortSignal): Promise<void> {
    if (this.#everMedia) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = { resolve, reject };
      this.#waiters.push(waiter);
      signal.addEventListener(
        'abort',
        () => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(new Error('the wait for the origin was cut short'));
        },
        { once: true },
      );
    });
  }

  #settle(err: Error | undefined): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      if (err === undefined) w.resolve();
      else w.reject(err);
    }
  }

  #find(url: string): Candidate | undefined {
    return this.#round?.find((c) => c.url === url) ?? this.#last.find((c) => c.url === url);
  }

  async #candidates(): Promise<Candidate[]> {
    const { directory, origins, health, lookupTimeoutMs } = this.#opts;
    const found: Candidate[] = [];
    if (directory !== undefined) {
      const urls = await directory.lookup(this.key, AbortSignal.timeout(lookupTimeoutMs)).catch(() => []);
      for (const url of urls) found.push({ url: withQuery(url, this.#query), origin: originOf(url), fromDirectory: true });
    }
    const byOrigin = new Map(origins.map((o) => [originOf(o), o]));
    for (const origin of health.order([...byOrigin.keys()])) {
      found.push({ url: originStreamUrl(byOrigin.get(origin)!, this.key, this.#query), origin, fromDirectory: false });
    }
    this.#last = found;
    return found;
  }
}

/** scheme://host:port of a URL: the unit of the health memory. */
function originOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return url;
  }
}

/** A directory URL with the viewer's query added (its own parameters win). */
function withQuery(url: string, query: string): string {
  if (query === '') return url;
  const at = url.indexOf('?');
  const base = at < 0 ? url : url.slice(0, at);
  const params = new URLSearchParams(query);
  for (const [k, v] of new URLSearchParams(at < 0 ? '' : url.slice(at + 1))) params.set(k, v);
  return `${base}?${params.toString()}`;
}
