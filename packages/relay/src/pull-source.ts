import type { Amf0Value } from '@flvcast/amf0';
import { HubError, HubErrorCode, PublisherEndReason, streamKeyToString, type Hub, type Publisher, type Source, type StreamKey } from '@flvcast/hub';
import type { ConnectionOptions } from 'node:tls';
import { Backoff } from './backoff.js';
import { HttpFlvClient } from './http-flv-client.js';
import type { RelayError } from './relay-error.js';
import type { RelayLog } from './relay-log.js';
import { RtmpClient } from './rtmp-client.js';
import type { Upstream, UpstreamHandlers } from './upstream.js';
import { SingleUpstream, type UpstreamPlan } from './upstream-plan.js';

export type PullState = 'connecting' | 'pulling' | 'waiting' | 'idle' | 'stopped';

/** One pull, as the API and metrics show it. */
export interface PullStatus {
  readonly stream: string;
  readonly url: string;
  readonly onDemand: boolean;
  readonly state: PullState;
  /** Wall clock (ms) since the current upstream connection delivers media. */
  readonly connectedSince: number | undefined;
  /** Bytes read from upstreams, all connections together. */
  readonly bytes: number;
  /** Connections after the first (of this run, for on-demand pulls: since it last started). */
  readonly reconnects: number;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | undefined;
}

export interface PullSourceOptions {
  /** `rtmp[s]://host/app/stream` (played) or `http(s)://…/x.flv`; or, for an edge, the empty string and a `plan`. */
  url: string;
  /** Where each connection goes (an edge's origins with failover); default: `url`, once per round. */
  plan?: UpstreamPlan;
  onDemand: boolean;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  connectTimeoutMs: number;
  /** Until the first media of each connection. */
  startTimeoutMs: number;
  idleTimeoutMs: number;
  maxTagBytes: number;
  maxRedirects: number;
  tls?: ConnectionOptions | undefined;
  log: RelayLog;
  now?: () => number;
}

/**
 * Publishes what an upstream serves (an RTMP server played as a client, or an HTTP-FLV URL) as an ordinary
 * stream: `hub.publish(key, { protocol: 'pull' })` at the first media of each connection. When the upstream
 * drops, the publisher ends (viewers wait in the hub's reconnect grace window) and the pull reconnects
 * with capped exponential back-off; a connection back within the window continues the same stream for them.
 * Stops on `stop()`, when the hub closes, or when another publisher takes the stream over.
 */
export class PullSource implements Source {
  readonly #opts: PullSourceOptions;
  readonly #plan: UpstreamPlan;
  readonly #backoff: Backoff;
  readonly #now: () => number;
  #state: PullState = 'idle';
  #upstream: Upstream | undefined;
  /** The URL of the current (or last) connection. */
  #url: string;
  /** Bumped by every connect and stop: a plan's late answer for an older attempt is dropped. */
  #attempt = 0;
  #publisher: Publisher | undefined;
  /** onMetaData that came before the first media, published with it. */
  #metadata: Amf0Value | undefined;
  /** The current connection has delivered media. */
  #mediaSeen = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #connectedSince: number | undefined;
  #connections = 0;
  #bytesDone = 0;
  #lastError: PullStatus['lastError'];

  constructor(
    private readonly hub: Hub,
    readonly key: StreamKey,
    opts: PullSourceOptions,
  ) {
    this.#opts = opts;
    this.#plan = opts.plan ?? new SingleUpstream(opts.url);
    this.#url = opts.url;
    this.#backoff = new Backoff(opts.reconnectMinMs, opts.reconnectMaxMs);
    this.#now = opts.now ?? Date.now;
    // A bad URL fails here, at configuration, not at the first connection.
    if (opts.plan === undefined) this.#makeUpstream(opts.url, {});
  }

  get state(): PullState {
    return this.#state;
  }

  get url(): string {
    return this.#url;
  }

  status(): PullStatus {
    return {
      stream: streamKeyToString(this.key),
      url: this.#url,
      onDemand: this.#opts.onDemand,
      state: this.#state,
      connectedSince: this.#connectedSince,
      bytes: this.#bytesDone + (this.#upstream?.bytesReceived ?? 0),
      reconnects: Math.max(0, this.#connections - 1),
      lastError: this.#lastError,
    };
  }

  /** Begins (or, after stop(), begins again) pulling. */
  start(): void {
    if (this.#state !== 'idle' && this.#state !== 'stopped') return;
    this.#connections = 0;
    this.#backoff.reset();
    this.#plan.reset?.();
    this.#connect();
  }

  /** Stops pulling: the upstream is closed and the publisher ends. */
  stop(): void {
    void this.#stop('stopped');
  }

  /** stop(), resolved once the upstream connection is closed. */
  async close(): Promise<void> {
    await this.#stop('stopped');
  }

  async #stop(state: 'stopped' | 'idle'): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'idle') return;
    this.#state = state;
    this.#attempt++;
    this.#connectedSince = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#endPublisher();
    const upstream = this.#upstream;
    if (upstream !== undefined) await upstream.close();
  }

  #makeUpstream(url: string, handlers: UpstreamHandlers): Upstream {
    const o = this.#opts;
    if (/^https?:/i.test(url)) {
      return new HttpFlvClient(
        { url, connectTimeoutMs: o.connectTimeoutMs, startTimeoutMs: o.startTimeoutMs, idleTimeoutMs: o.idleTimeoutMs, maxTagBytes: o.maxTagBytes, maxRedirects: o.maxRedirects, ...(o.tls === undefined ? {} : { tls: o.tls }) },
        handlers,
      );
    }
    return new RtmpClient(
      {
        url,
        mode: 'play',
        connectTimeoutMs: o.connectTimeoutMs,
        handshakeTimeoutMs: o.connectTimeoutMs,
        startTimeoutMs: o.startTimeoutMs,
        idleTimeoutMs: o.idleTimeoutMs,
        maxMessageSizeBytes: o.maxTagBytes,
        ...(o.tls === undefined ? {} : { tls: o.tls }),
      },
      handlers,
    );
  }

  /** Asks the plan where to go: a URL is connected at once; the end of a round waits the back-off first. */
  #connect(): void {
    this.#state = 'connecting';
    const attempt = ++this.#attempt;
    Promise.resolve()
      .then(() => this.#plan.next())
      .then(
        (url) => {
          if (attempt !== this.#attempt || this.#state !== 'connecting') return;
          if (url === undefined) this.#wait();
          else this.#open(url);
        },
        (err: unknown) => {
          if (attempt !== this.#attempt || this.#state !== 'connecting') return;
          this.#opts.log.warn({ stream: streamKeyToString(this.key), err: (err as Error).message }, 'pull: choosing an upstream failed');
          this.#wait();
        },
      );
  }

  #wait(): void {
    if (this.hub.closed) {
      this.#state = 'stopped';
      return;
    }
    const wait = this.#backoff.next();
    this.#state = 'waiting';
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#state === 'waiting') this.#connect();
    }, wait);
  }

  #open(url: string): void {
    this.#url = url;
    this.#connections++;
    this.#metadata = undefined;
    let upstream: Upstream;
    try {
      upstream = this.#makeUpstream(url, {
        onMedia: (type, timestamp, payload) => this.#onMedia(upstream, type, timestamp, payload),
        onData: (name, data) => {
          if (this.#upstream !== upstream) return;
          if (this.#publisher !== undefined) this.#publisher.data(name, data);
          else if (name === 'onMetaData') this.#metadata = data;
        },
        onClose: (err) => this.#onClose(upstream, url, err),
      });
    } catch (err) {
      // A plan's URL that cannot be used: that candidate failed; the plan goes on.
      this.#lastError = { code: (err as { code?: string }).code ?? 'ERR_RELAY_BAD_URL', message: (err as Error).message, at: this.#now() };
      this.#plan.ended?.(url, err as RelayError, false);
      this.#connect();
      return;
    }
    this.#upstream = upstream;
    this.#mediaSeen = false;
    upstream.start().catch(() => undefined); // onClose has it
  }

  #onMedia(upstream: Upstream, type: 8 | 9, timestamp: number, payload: Uint8Array): void {
    if (this.#upstream !== upstream || this.#state === 'stopped' || this.#state === 'idle') return;
    if (this.#publisher === undefined && !this.#publish(upstream)) return;
    const publisher = this.#publisher!;
    try {
      if (type === 8) publisher.audio(timestamp, payload);
      else publisher.video(timestamp, payload);
    } catch (err) {
      // A malformed sequence header is dropped by the hub; the stream goes on.
      if (!(err instanceof HubError) || err.code !== HubErrorCode.badSequenceHeader) throw err;
      this.#opts.log.warn({ stream: streamKeyToString(this.key), err: err.message }, 'pull: upstream sent a bad sequence header');
    }
  }

  #publish(upstream: Upstream): boolean {
    try {
      this.#publisher = this.hub.publish(
        this.key,
        { protocol: 'pull', remoteAddress: hostOf(this.#url) },
        { onEvict: (reason) => this.#onEvict(reason) },
      );
    } catch (err) {
      this.#lastError = { code: (err as { code?: string }).code ?? 'ERR_HUB', message: (err as Error).message, at: this.#now() };
      this.#opts.log.warn({ stream: streamKeyToString(this.key), err: (err as Error).message }, 'pull: cannot publish');
      void upstream.close();
      return false;
    }
    this.#state = 'pulling';
    this.#connectedSince = this.#now();
    this.#backoff.reset();
    this.#mediaSeen = true;
    this.#plan.connected?.(this.#url);
    if (this.#metadata !== undefined) this.#publisher.data('onMetaData', this.#metadata);
    this.#opts.log.info({ stream: streamKeyToString(this.key), url: this.#url }, 'pull: publishing');
    return true;
  }

  #onEvict(reason: PublisherEndReason): void {
    this.#publisher = undefined;
    // Kicked through the API: the upstream is still there, so reconnect; otherwise the stream is not ours.
    if (reason === PublisherEndReason.kicked) void this.#upstream?.close().then(() => undefined);
    else void this.#stop('stopped');
  }

  #endPublisher(): void {
    const publisher = this.#publisher;
    this.#publisher = undefined;
    publisher?.end();
  }

  #onClose(upstream: Upstream, url: string, err: RelayError | undefined): void {
    if (this.#upstream !== upstream) return;
    this.#bytesDone += upstream.bytesReceived;
    this.#upstream = undefined;
    this.#connectedSince = undefined;
    this.#endPublisher();
    if (err !== undefined) this.#lastError = { code: err.code, message: err.message, at: this.#now() };
    this.#plan.ended?.(url, err, this.#mediaSeen);
    if (this.#state === 'stopped' || this.#state === 'idle' || this.hub.closed) {
      if (this.hub.closed) this.#state = 'stopped';
      return;
    }
    this.#opts.log.warn({ stream: streamKeyToString(this.key), url, err: err?.message, code: err?.code }, 'pull: upstream lost, reconnecting');
    this.#connect();
  }

  /** An on-demand pull nobody watches any more: stop until the next viewer (state idle). */
  idle(): Promise<void> {
    return this.#stop('idle');
  }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
