import { HubError, HubErrorCode } from './hub-error.js';
import { HubEvents } from './hub-events.js';
import { validateHubOptions, type HubOptions, type HubOptionsInput } from './hub-options.js';
import { LiveStream } from './live-stream.js';
import { Publisher, PublisherEndReason, type PublisherHandlers, type PublisherInfo } from './publisher.js';
import { invalidKeyPart, streamKeyToString, type StreamKey } from './stream-key.js';
import type { ResolveRequest, ResolverOptions, StreamResolver } from './stream-resolver.js';
import type { Format } from '@flvcast/media';
import { EndReason } from './end-reason.js';
import { Subscriber, type SinkOrFactory, type SubscriberInfo, type SubscriberLimits } from './subscriber.js';
import { ViewerLimits } from './viewer-limits.js';

/** A resolver with its bounds checked (see setResolver). */
interface Resolver {
  resolve: StreamResolver;
  timeoutMs: number;
  maxPending: number;
}

/**
 * The stream registry: one per server (reached through the `streams` Fastify decorator), never a module
 * singleton. Streams exist while something publishes to them, watches them, or waits for their publisher
 * to return; asking for an unknown stream creates nothing.
 */
export class Hub {
  readonly options: HubOptions;
  /** Publish/play/stop, first frames, and the access denials and limit hits the plugins report. */
  readonly events = new HubEvents();
  /** Viewer slots of every protocol against maxViewers, maxViewersPerIp and maxViewersPerStream. */
  readonly viewers: ViewerLimits;
  #streams = new Map<string, LiveStream>();
  #nextId = 0;
  #closed = false;
  #resolver: Resolver | undefined;
  /** Names being resolved, each shared by every request asking for it meanwhile. */
  #resolving = new Map<string, Promise<LiveStream | undefined>>();

  constructor(options: HubOptionsInput = {}) {
    this.options = validateHubOptions(options);
    this.viewers = new ViewerLimits(this.options);
  }

  get size(): number {
    return this.#streams.size;
  }

  /** Every stream the hub carries (published, or waiting for its publisher to return). */
  list(): IterableIterator<LiveStream> {
    return this.#streams.values();
  }

  /** @deprecated use list() (`app.streams.streams()` read twice); kept for one release. */
  streams(): IterableIterator<LiveStream> {
    return this.list();
  }

  get(key: StreamKey): LiveStream | undefined {
    return this.#streams.get(streamKeyToString(key));
  }

  /**
   * Sets (or, with undefined, removes) the resolver asked for streams nobody publishes yet; see find().
   * Throws HubError ERR_HUB_BAD_OPTION on bad bounds.
   */
  setResolver(resolve: StreamResolver | undefined, options: ResolverOptions = {}): void {
    if (resolve === undefined) {
      this.#resolver = undefined;
      return;
    }
    const { timeoutMs = 5000, maxPending = 100 } = options;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) throw new HubError(HubErrorCode.badOption, `option "resolveTimeoutMs" must be an integer from 1 to 600000, got ${timeoutMs}`, 'resolveTimeoutMs');
    if (!Number.isInteger(maxPending) || maxPending < 1 || maxPending > 100_000) throw new HubError(HubErrorCode.badOption, `option "maxResolving" must be an integer from 1 to 100000, got ${maxPending}`, 'maxResolving');
    this.#resolver = { resolve, timeoutMs, maxPending };
  }

  /** The resolver set with setResolver and its bounds, so another may wrap it (a relay's on-demand pulls first, then it). */
  get resolver(): { readonly resolve: StreamResolver; readonly timeoutMs: number; readonly maxPending: number } | undefined {
    return this.#resolver;
  }

  /** Names being resolved now. */
  get resolving(): number {
    return this.#resolving.size;
  }

  /**
   * The live stream `key`; when there is none and a resolver is set, whatever the resolver brings within
   * its timeout (requests for the same name meanwhile share one resolution). Never waits longer than the
   * timeout; undefined means "no such stream" (404, StreamNotFound). `request` goes to the resolver (the
   * first request's, when several share one resolution).
   */
  async find(key: StreamKey, request: ResolveRequest = { query: '' }): Promise<LiveStream | undefined> {
    const existing = this.get(key);
    const resolver = this.#resolver;
    if (existing !== undefined || resolver === undefined || this.#closed || invalidKeyPart(key) !== undefined) return existing;
    const name = streamKeyToString(key);
    let pending = this.#resolving.get(name);
    if (pending === undefined) {
      if (this.#resolving.size >= resolver.maxPending) {
        this.events.emit('limit', { limit: 'maxResolving', protocol: 'hub' });
        return undefined;
      }
      pending = this.#resolve(key, name, resolver, request);
      this.#resolving.set(name, pending);
      void pending.then(() => this.#resolving.delete(name));
    }
    return pending;
  }

  async #resolve(key: StreamKey, name: string, resolver: Resolver, request: ResolveRequest): Promise<LiveStream | undefined> {
    const started = this.options.now();
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let offPublish: (() => void) | undefined;
    let error: unknown;
    // Whichever comes first: the stream is published, or the time is up. The resolver settling early
    // (it started a pull that publishes a moment later) does not end the wait.
    const published = new Promise<void>((resolve) => {
      offPublish = this.events.on('publish', ({ stream }) => {
        if (stream.name === name) resolve();
      });
      timer = setTimeout(resolve, resolver.timeoutMs);
    });
    const asked = Promise.resolve()
      .then(() => resolver.resolve(key, controller.signal, request))
      .then(
        () => undefined,
        (err: unknown) => {
          error = err;
        },
      );
    await Promise.race([published, asked.then(() => (this.get(key) !== undefined || error !== undefined ? undefined : published))]);
    clearTimeout(timer);
    offPublish?.();
    controller.abort();
    const stream = this.get(key);
    this.events.emit('resolve', { stream: name, found: stream !== undefined, ms: this.options.now() - started, ...(error === undefined ? {} : { error }) });
    return stream;
  }

  /**
   * Starts publishing `key`. A busy key is taken over (publishTakeover) or refused with ERR_HUB_STREAM_BUSY;
   * a new key beyond `maxStreams` is refused with ERR_HUB_TOO_MANY_STREAMS.
   * Viewers left waiting by a previous publisher continue with this one.
   */
  publish(key: StreamKey, info: PublisherInfo, handlers: PublisherHandlers = {}): Publisher {
    this.#checkKey(key);
    const name = streamKeyToString(key);
    let stream = this.#streams.get(name);
    if (stream?.publisher !== undefined) {
      if (!this.options.publishTakeover) throw new HubError(HubErrorCode.streamBusy, `stream ${name} is already being published`);
      stream.publisher.evict(PublisherEndReason.takenOver);
      stream = this.#streams.get(name); // eviction may have released the entry
    }
    if (stream === undefined) {
      if (this.#streams.size >= this.options.maxStreams) {
        throw new HubError(HubErrorCode.tooManyStreams, `this server carries its maximum of ${this.options.maxStreams} streams (maxStreams)`);
      }
      stream = new LiveStream(key, this.options, {
        events: this.events,
        release: (s) => {
          if (this.#streams.get(s.name) === s) this.#streams.delete(s.name);
        },
      });
      this.#streams.set(name, stream);
    }
    const publisher = new Publisher(this.#newId(), info, stream, handlers, this.options.now());
    stream.attachPublisher(publisher);
    return publisher;
  }

  /**
   * Attaches a viewer of `format` (e.g. `flvFormat` from @flvcast/mux) to a live stream, or returns
   * undefined (and creates nothing) when there is none. `sink` may be a factory, so a transport gets its
   * subscriber in the same step. `limits` overrides the hub's queue bounds for this one (internal
   * subscribers: a recorder may buffer more than a viewer).
   */
  subscribe(key: StreamKey, format: Format, sink: SinkOrFactory, info: SubscriberInfo, limits?: Partial<Omit<SubscriberLimits, 'now'>>): Subscriber | undefined {
    if (this.#closed || invalidKeyPart(key) !== undefined) return undefined;
    const stream = this.#streams.get(streamKeyToString(key));
    if (stream === undefined) return undefined;
    // An internal subscriber (a recorder, say) may be held to other queue bounds than viewers.
    const own = limits === undefined ? this.options : { ...this.options, ...limits, now: this.options.now };
    const sub = new Subscriber(this.#newId(), info, sink, stream.outputFor(format), stream, own);
    stream.addSubscriber(sub);
    return sub;
  }

  /** Ends everything: viewers get `closed`, publishers are evicted. The hub accepts nothing afterwards. */
  close(): void {
    this.#closed = true;
    for (const stream of [...this.#streams.values()]) stream.close(EndReason.closed);
    this.#streams.clear();
  }

  get closed(): boolean {
    return this.#closed;
  }

  #checkKey(key: StreamKey): void {
    if (this.#closed) throw new HubError(HubErrorCode.closed, 'the hub is closed');
    const part = invalidKeyPart(key);
    if (part !== undefined) {
      throw new HubError(HubErrorCode.badStreamName, `invalid ${part} name ${JSON.stringify(key[part])}: use letters, digits, _ - . (no "..")`);
    }
  }

  #newId(): string {
    return (++this.#nextId).toString(36);
  }
}
