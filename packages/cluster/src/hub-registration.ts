import { streamKeyToString, type Hub, type Publisher, type StreamKey } from '@flvcast/hub';
import type { ClusterLog } from './cluster-log.js';
import type { ClaimResult, OriginLoad } from './redis-directory.js';

/** The origin side of a directory, as a hub registration uses it (RedisDirectory is one). */
export interface StreamClaims {
  claim(key: StreamKey): Promise<ClaimResult>;
  release(key: StreamKey): Promise<boolean>;
  holds(key: StreamKey): boolean;
}

export interface HubRegistrationOptions {
  readonly log: ClusterLog;
  /** A claim whose publish has not appeared in the hub this long after admission is released. Default 2000. */
  readonly confirmMs?: number;
}

/** Pulled streams (an edge's, or an origin relaying another's) are their holders' streams, never claimed here. */
const isOrigins = (publisher: Publisher | undefined): publisher is Publisher => publisher !== undefined && publisher.info.protocol !== 'pull';

/** What a hub carries, for the directory's heartbeat: streams published here (not pulled) and every viewer. */
export function hubLoad(hub: Hub): OriginLoad {
  let streams = 0;
  for (const stream of hub.list()) if (isOrigins(stream.publisher)) streams++;
  return { streams, viewers: hub.viewers.viewers };
}

/**
 * Ties a directory to a hub: a publish is claimed at admission (`admitPublish`, composed into the RTMP
 * publish check) and released when its publisher ends. Publishes that pass no admission (file sources) are
 * claimed when they start; one that another origin holds is served here anyway, with a warning (it cannot be
 * refused any more).
 */
export class HubRegistration {
  readonly #hub: Hub;
  readonly #claims: StreamClaims;
  readonly #opts: HubRegistrationOptions;
  /** Claims made at admission whose publish has not shown up yet, by `vhost/app/stream`. */
  readonly #unconfirmed = new Map<string, NodeJS.Timeout>();
  readonly #off: (() => void)[];

  constructor(hub: Hub, claims: StreamClaims, opts: HubRegistrationOptions) {
    this.#hub = hub;
    this.#claims = claims;
    this.#opts = opts;
    this.#off = [
      hub.events.on('publish', ({ stream, publisher }) => {
        if (!isOrigins(publisher)) return;
        this.#confirm(stream.key);
        // No admission claimed it (a file source), or a takeover here released it a moment ago.
        if (!claims.holds(stream.key)) void this.#claimStarted(stream.key);
      }),
      hub.events.on('unpublish', ({ stream, publisher }) => {
        if (!isOrigins(publisher)) return;
        this.#confirm(stream.key);
        void claims.release(stream.key);
      }),
    ];
  }

  /**
   * The cluster's step of a publish admission: undefined lets it in (claimed, or Redis away: availability
   * first), otherwise the refusal's reason naming the holder.
   */
  async admitPublish(key: StreamKey): Promise<string | undefined> {
    const claim = await this.#claims.claim(key);
    if (claim.status === 'busy') return `stream held by origin ${claim.holder}`;
    const name = streamKeyToString(key);
    // The publish may still be refused after this (a hub limit, the encoder gone): then the claim goes.
    this.#confirm(key);
    const timer = setTimeout(() => {
      this.#unconfirmed.delete(name);
      if (!isOrigins(this.#hub.get(key)?.publisher)) void this.#claims.release(key);
    }, this.#opts.confirmMs ?? 2000);
    timer.unref();
    this.#unconfirmed.set(name, timer);
    return undefined;
  }

  /** Stops following the hub (the directory's own close releases what it holds). */
  close(): void {
    for (const off of this.#off) off();
    for (const timer of this.#unconfirmed.values()) clearTimeout(timer);
    this.#unconfirmed.clear();
  }

  #confirm(key: StreamKey): void {
    const name = streamKeyToString(key);
    clearTimeout(this.#unconfirmed.get(name));
    this.#unconfirmed.delete(name);
  }

  async #claimStarted(key: StreamKey): Promise<void> {
    const claim = await this.#claims.claim(key);
    if (claim.status === 'busy') {
      this.#opts.log.warn({ stream: streamKeyToString(key), holder: claim.holder }, 'cluster: published here while another origin holds the stream in the directory; served here, not advertised');
    }
  }
}
