import type { LimitHit } from '@flvcast/limits';
import type { LiveStream } from './live-stream.js';
import type { Publisher } from './publisher.js';
import type { EndReason } from './end-reason.js';
import type { Subscriber } from './subscriber.js';

/** A client was refused before any media byte moved (auth hook, signed URL, IP list, callback). */
export interface AccessDenial {
  readonly action: 'publish' | 'play';
  readonly protocol: string;
  readonly remoteAddress?: string;
  /** `vhost/app/stream` as asked for, when the request got that far. */
  readonly stream?: string;
  readonly reason: string;
}

// The limit-hit record lives with the limit reporting (@flvcast/limits); the hub carries the event.
export type { LimitHit };

/** What happens in a hub, for observers such as the metrics and API plugins. */
export interface HubEventMap {
  publish: { stream: LiveStream; publisher: Publisher };
  unpublish: { stream: LiveStream; publisher: Publisher };
  play: { stream: LiveStream; subscriber: Subscriber };
  /** `left`: the viewer went away on its own; otherwise why it was ended. */
  stop: { stream: LiveStream; subscriber: Subscriber; reason: EndReason };
  /** The viewer got its first decodable frame, `ms` after it subscribed. */
  firstFrame: { stream: LiveStream; subscriber: Subscriber; ms: number };
  deny: AccessDenial;
  limit: LimitHit;
  /** A resolver was asked for a stream nobody published: whether it came, how long it took, what failed. */
  resolve: { stream: string; found: boolean; ms: number; error?: unknown };
  /** A recorder (DVR) opened a file for the stream: `path` is where it will be once finished (it is written as `path` + `.tmp`). */
  recordStart: RecordEvent;
  /** A recording file was finished: indexed, renamed to `path`. */
  recordEnd: RecordEvent & { readonly bytes: number; readonly durationMs: number; readonly droppedBytes: number };
  /** A recording stopped on a write error (disk full, not writable): its `.tmp` stays for the repair at the next start. */
  recordError: RecordEvent & { readonly code: string; readonly message: string };
}

/** Which recording a record event is about. */
export interface RecordEvent {
  /** `vhost/app/stream` or `app/stream`. */
  readonly stream: string;
  readonly path: string;
}

type Listener<T> = (event: T) => void;

/**
 * A small typed event channel owned by one hub. The plugins that share the hub report through it, so an
 * observer (metrics) needs no reference to them. Listeners run synchronously and must not throw.
 */
export class HubEvents {
  #listeners: { [K in keyof HubEventMap]?: Listener<HubEventMap[K]>[] } = {};

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof HubEventMap>(name: K, listener: Listener<HubEventMap[K]>): () => void {
    const list = (this.#listeners[name] ??= []) as Listener<HubEventMap[K]>[];
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  emit<K extends keyof HubEventMap>(name: K, event: HubEventMap[K]): void {
    const list = this.#listeners[name] as Listener<HubEventMap[K]>[] | undefined;
    if (list === undefined) return;
    for (const listener of list.slice()) listener(event);
  }
}
