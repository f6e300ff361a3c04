import { HubError, HubErrorCode } from './hub-error.js';
import { HubEvents } from './hub-events.js';
import { validateHubOptions, type HubOptions, type HubOptionsInput } from './hub-options.js';
import { LiveStream } from './live-stream.js';
import { Publisher, PublisherEndReason, type PublisherHandlers, type PublisherInfo } from './publisher.js';
import { invalidKeyPart, streamKeyToString, type StreamKey } from './stream-key.js';
import { Subscriber, SubscriberEndReason, type SubscriberInfo, type SubscriberSink } from './subscriber.js';

/**
 * The stream registry: one per server (reached through the `streams` Fastify decorator), never a module
 * singleton. Streams exist while something publishes to them, watches them, or waits for their publisher
 * to return; asking for an unknown stream creates nothing.
 */
export class Hub {
  readonly options: HubOptions;
  /** Publish/play/stop, first frames, and the access denials and limit hits the plugins report. */
  readonly events = new HubEvents();
  #streams = new Map<string, LiveStream>();
  #nextId = 0;
  #closed = false;

  constructor(options: HubOptionsInput = {}) {
    this.options = validateHubOptions(options);
  }

  get size(): number {
    return this.#streams.size;
  }

  streams(): IterableIterator<LiveStream> {
    return this.#streams.values();
  }

  get(key: StreamKey): LiveStream | undefined {
    return this.#streams.get(streamKeyToString(key));
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

  /** Attaches a viewer to a live stream, or returns undefined (and creates nothing) when there is none. */
  subscribe(key: StreamKey, sink: SubscriberSink, info: SubscriberInfo): Subscriber | undefined {
    if (this.#closed || invalidKeyPart(key) !== undefined) return undefined;
    const stream = this.#streams.get(streamKeyToString(key));
    if (stream === undefined) return undefined;
    const sub = new Subscriber(this.#newId(), info, sink, stream, this.options);
    stream.addSubscriber(sub);
    return sub;
  }

  /** Ends everything: viewers get `closed`, publishers are evicted. The hub accepts nothing afterwards. */
  close(): void {
    this.#closed = true;
    for (const stream of [...this.#streams.values()]) stream.close(SubscriberEndReason.closed);
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
