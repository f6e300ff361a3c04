import { decodeScriptData, FlvDemuxer } from '@flvcast/flv';
import { EndReason, streamKeyToString, type HubEndReason, type Hub, type StreamKey, type Subscriber, type SubscriberSink } from '@flvcast/hub';
import { flvFormat } from '@flvcast/mux';
import { Backoff } from './backoff.js';
import type { RelayError } from './relay-error.js';
import type { RelayLog } from './relay-log.js';
import { RtmpClient, type RtmpClientOptions } from './rtmp-client.js';
import { parseRtmpUrl, withQueryParam, type RtmpUrl } from './rtmp-url.js';

/** What a forward is doing. */
export type ForwardState = 'connecting' | 'forwarding' | 'waiting' | 'stopped';

/** One destination of one stream, as the API and metrics show it. */
export interface ForwardStatus {
  readonly stream: string;
  /** The destination, token-free form is the caller's business (the URL as configured). */
  readonly url: string;
  readonly state: ForwardState;
  /** Wall clock (ms) since the current connection publishes; undefined when not forwarding. */
  readonly connectedSince: number | undefined;
  /** Bytes written to the destination's socket, all connections together. */
  readonly bytes: number;
  /**
   * Frames dropped from its queue while connected (the destination fell behind: cut back to a keyframe). What
   * is published while it reconnects never reached its queue and is not counted here (each reconnect starts
   * again from the GOP cache; `reconnects` counts them).
   */
  readonly drops: number;
  /** Times it was cut back to a keyframe. */
  readonly skips: number;
  /** Connections after the first. */
  readonly reconnects: number;
  /** Bytes queued for it now: in the hub (its subscriber) and in the socket. */
  readonly queuedBytes: number;
  readonly socketBufferedBytes: number;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | undefined;
}

export interface ForwardOptions {
  /** The destination, `rtmp[s]://host[:port]/app[/stream]`; without a stream part the source's name is used. */
  url: string;
  /** Servers the stream crossed before us (PublisherInfo.hops); the forward announces `hops + 1`. */
  hops: number;
  /** Queue bounds of the forward's hub subscriber (as a slow viewer's: past them it skips to a keyframe). */
  limits: { maxQueueBytes: number; maxQueueMs: number; stallTimeoutMs: number };
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Client timeouts and buffer bounds (RtmpClientOptions). */
  client: Pick<RtmpClientOptions, 'connectTimeoutMs' | 'handshakeTimeoutMs' | 'startTimeoutMs' | 'highWaterBytes' | 'tls'>;
  log: RelayLog;
  /** Wall clock for `connectedSince` and errors. Default Date.now. */
  now?: () => number;
  /** Told once, when the forward stops for good. */
  onStopped?: () => void;
}

/** The property of the connect command and the stream-name parameter that carry the hop count. */
export const HOPS_PARAM = 'flvcastHops';

/**
 * Pushes one stream to one RTMP destination. It watches the stream as an internal hub subscriber of the
 * FLV format: the packets are the ones HTTP-FLV viewers share, and its queue is bounded like a slow
 * viewer's (past `maxQueueBytes`/`maxQueueMs` the backlog is cut to the next keyframe and the drops are
 * counted; one that takes nothing for `stallTimeoutMs` is ended). The FLV bytes are demuxed back into tags
 * and published with an RtmpClient, which is asked for room first: while the destination's socket holds
 * `highWaterBytes` the subscriber is told to wait, so a destination that does not read costs at most that
 * plus the hub queue, and never holds up the stream or other destinations.
 *
 * It reconnects with capped exponential back-off (a fresh start from the GOP cache each time) and stops
 * when the stream ends: once the publisher is gone and the hub's reconnect grace window is over (a
 * publisher that returns within the window is forwarded on the same connection), or on `stop()`.
 */
export class Forward {
  readonly url: string;
  readonly #target: RtmpUrl;
  readonly #streamName: string;
  readonly #backoff: Backoff;
  readonly #now: () => number;
  readonly #log: RelayLog;
  #state: ForwardState = 'connecting';
  #client: RtmpClient | undefined;
  #subscriber: Subscriber | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #connectedSince: number | undefined;
  #connections = 0;
  #bytesDone = 0;
  #dropsDone = 0;
  #skipsDone = 0;
  #lastError: ForwardStatus['lastError'];

  constructor(
    private readonly hub: Hub,
    readonly key: StreamKey,
    private readonly opts: ForwardOptions,
  ) {
    this.url = opts.url;
    this.#target = parseRtmpUrl(opts.url);
    const base = this.#target.stream ?? (this.#target.query === '' ? key.stream : `${key.stream}?${this.#target.query}`);
    this.#streamName = withQueryParam(base, HOPS_PARAM, String(opts.hops + 1));
    this.#backoff = new Backoff(opts.reconnectMinMs, opts.reconnectMaxMs);
    this.#now = opts.now ?? Date.now;
    this.#log = opts.log;
  }

  get state(): ForwardState {
    return this.#state;
  }

  /** The stream name published at the destination (with its `flvcastHops`). */
  get streamName(): string {
    return this.#streamName;
  }

  status(): ForwardStatus {
    const sub = this.#subscriber;
    return {
      stream: streamKeyToString(this.key),
      url: this.url,
      state: this.#state,
      connectedSince: this.#connectedSince,
      bytes: this.#bytesDone + (this.#client?.bytesSent ?? 0),
      drops: this.#dropsDone + (sub?.droppedTags ?? 0),
      skips: this.#skipsDone + (sub?.skips ?? 0),
      reconnects: Math.max(0, this.#connections - 1),
      queuedBytes: sub?.queuedBytes ?? 0,
      socketBufferedBytes: this.#client?.bufferedBytes ?? 0,
      lastError: this.#lastError,
    };
  }

  start(): void {
    if (this.#state === 'stopped' || this.#client !== undefined) return;
    this.#connect();
  }

  /** Stops for good: unsubscribes, and leaves the destination politely (unpublish, then FIN). */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#stopped();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#unsubscribe();
    const client = this.#client;
    if (client !== undefined) await client.close();
  }

  #connect(): void {
    this.#state = 'connecting';
    this.#connections++;
    const client = new RtmpClient(
      { url: this.#target, mode: 'publish', streamName: this.#streamName, connectProperties: { [HOPS_PARAM]: this.opts.hops + 1 }, ...this.opts.client },
      {
        onDrain: () => this.#subscriber?.resume(),
        onClose: (err) => this.#onClientClose(client, err),
      },
    );
    this.#client = client;
    client.start().then(
      () => this.#onPublishing(client),
      () => undefined, // onClose has it
    );
  }

  #onPublishing(client: RtmpClient): void {
    if (this.#state === 'stopped' || this.#client !== client) return;
    const demuxer = new FlvDemuxer();
    const sink: SubscriberSink = {
      write: (chunks) => {
        for (const chunk of chunks) {
          for (const tag of demuxer.push(chunk)) {
            if (tag.type === 9) client.sendVideo(tag.timestamp, tag.payload);
            else if (tag.type === 8) client.sendAudio(tag.timestamp, tag.payload);
            else if (tag.type === 18) {
              try {
                const { name, value } = decodeScriptData(tag.payload);
                if (name === 'onMetaData') client.sendMetadata(value);
              } catch {
                // script data we cannot read is not worth the connection
              }
            }
          }
        }
        return client.writable;
      },
      end: (reason) => this.#onSubscriberEnd(client, reason),
    };
    const sub = this.hub.subscribe(this.key, flvFormat, sink, { protocol: 'rtmp-forward', remoteAddress: `${this.#target.host}:${this.#target.port}`, internal: true }, this.opts.limits);
    if (sub === undefined) {
      // The stream went while we connected.
      void this.stop();
      return;
    }
    this.#subscriber = sub;
    this.#state = 'forwarding';
    this.#connectedSince = this.#now();
    this.#backoff.reset();
    this.#log.info({ stream: streamKeyToString(this.key), url: this.url, name: this.#streamName }, 'forward: publishing');
  }

  /** The hub ended the forward's subscriber. */
  #onSubscriberEnd(client: RtmpClient, reason: HubEndReason): void {
    this.#keepCounts();
    this.#subscriber = undefined;
    if (reason === EndReason.stalled) {
      // The destination took nothing for stallTimeoutMs: drop the connection and start again.
      this.#lastError = { code: 'stalled', message: 'the destination read nothing for stallTimeoutMs', at: this.#now() };
      this.#log.warn({ stream: streamKeyToString(this.key), url: this.url }, 'forward: destination stalled, reconnecting');
      client.destroy();
      return;
    }
    // unpublished (grace window over), closed (server), kicked: the stream is over for this forward.
    this.#log.info({ stream: streamKeyToString(this.key), url: this.url, reason }, 'forward: stream ended, stopping');
    void this.stop();
  }

  #onClientClose(client: RtmpClient, err: RelayError | undefined): void {
    if (this.#client !== client) return;
    this.#bytesDone += client.bytesSent;
    this.#client = undefined;
    this.#connectedSince = undefined;
    this.#unsubscribe();
    if (this.#state === 'stopped') return;
    if (err !== undefined) this.#lastError = { code: err.code, message: err.message, at: this.#now() };
    if (this.hub.get(this.key) === undefined) return this.#stopped();
    const wait = this.#backoff.next();
    this.#state = 'waiting';
    this.#log.warn({ stream: streamKeyToString(this.key), url: this.url, err: err?.message, code: err?.code, retryInMs: wait }, 'forward: connection lost, reconnecting');
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#state !== 'waiting') return;
      if (this.hub.get(this.key) === undefined) return this.#stopped();
      this.#connect();
    }, wait);
  }

  #stopped(): void {
    this.#state = 'stopped';
    this.#connectedSince = undefined;
    this.opts.onStopped?.();
  }

  #unsubscribe(): void {
    const sub = this.#subscriber;
    if (sub === undefined) return;
    this.#keepCounts();
    this.#subscriber = undefined;
    sub.close();
  }

  #keepCounts(): void {
    const sub = this.#subscriber;
    if (sub === undefined) return;
    this.#dropsDone += sub.droppedTags;
    this.#skipsDone += sub.skips;
  }
}
