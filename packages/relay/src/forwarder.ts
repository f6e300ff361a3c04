import { streamKeyToString, type Hub, type LiveStream, type Publisher } from '@flvcast/hub';
import { Forward, type ForwardOptions, type ForwardStatus } from './forward.js';
import type { RelayLog } from './relay-log.js';
import { matchStream } from './stream-pattern.js';

/** A static forward rule: every stream whose name matches `match` is pushed to `url`. */
export interface ForwardRule {
  /** `app/stream` or `vhost/app/stream` pattern; `*` within a segment (`live/*`). */
  readonly match: string;
  /** `rtmp[s]://host[:port]/app[/stream]`; without a stream part the source's stream name is used. */
  readonly url: string;
}

/** What a dynamic forward source is told about a new publish (SRS's `on_forward` body has the same fields). */
export interface ForwardRequest {
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
  /** The publish name's query parameters. */
  readonly query: Readonly<Record<string, string>>;
  readonly protocol: string;
  readonly remoteAddress: string | undefined;
  readonly hops: number;
}

/** Asked at each publish for more destinations (the `on_forward` callback); errors are logged and mean none. */
export type ForwardLookup = (req: ForwardRequest) => readonly string[] | undefined | Promise<readonly string[] | undefined>;

export interface ForwarderOptions extends Omit<ForwardOptions, 'url' | 'hops' | 'log' | 'onStopped'> {
  rules: readonly ForwardRule[];
  /** Dynamic destinations, asked once per publish. */
  lookup?: ForwardLookup | undefined;
  /** Longest the lookup may take. */
  lookupTimeoutMs: number;
  log: RelayLog;
}

/**
 * Starts forwards for every publish (hub `publish` event) that a rule matches, that the lookup answers
 * with URLs, or whose publisher carries `info.forward` (a grant of the onPublish hook). One Forward per
 * (stream, URL): a publisher that comes back within the grace window keeps its running forwards.
 */
export class Forwarder {
  readonly #forwards = new Map<string, Forward>();
  readonly #off: () => void;
  #closed = false;

  constructor(
    private readonly hub: Hub,
    private readonly opts: ForwarderOptions,
  ) {
    this.#off = hub.events.on('publish', ({ stream, publisher }) => this.#onPublish(stream, publisher));
  }

  /** Every forward, running or waiting to reconnect. */
  list(): ForwardStatus[] {
    return [...this.#forwards.values()].map((f) => f.status());
  }

  /** Stops every forward (each leaves its destination politely). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#off();
    const all = [...this.#forwards.values()];
    this.#forwards.clear();
    await Promise.all(all.map((f) => f.stop()));
  }

  #onPublish(stream: LiveStream, publisher: Publisher): void {
    if (this.#closed) return;
    const urls = new Set(this.opts.rules.filter((r) => matchStream(r.match, stream.name)).map((r) => r.url));
    for (const url of publisher.info.forward ?? []) urls.add(url);
    for (const url of urls) this.#start(stream, publisher, url);
    const lookup = this.opts.lookup;
    if (lookup === undefined) return;
    const req: ForwardRequest = {
      ...stream.key,
      query: publisher.info.query ?? {},
      protocol: publisher.info.protocol,
      remoteAddress: publisher.info.remoteAddress,
      hops: publisher.info.hops ?? 0,
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.opts.lookupTimeoutMs} ms`)), this.opts.lookupTimeoutMs);
    });
    Promise.race([Promise.resolve().then(() => lookup(req)), timeout])
      .then((answer) => {
        if (answer === undefined) return;
        if (!Array.isArray(answer)) throw new Error('expected a list of URLs');
        for (const url of answer as unknown[]) {
          if (typeof url !== 'string') throw new Error('expected a list of URL strings');
          // The publisher may have gone (or been replaced) while we asked.
          if (stream.publisher === publisher) this.#start(stream, publisher, url);
        }
      })
      .catch((err: unknown) => this.opts.log.warn({ stream: stream.name, err: (err as Error).message }, 'forward: on_forward lookup failed; no dynamic destinations'))
      .finally(() => clearTimeout(timer));
  }

  #start(stream: LiveStream, publisher: Publisher, url: string): void {
    const id = `${stream.name}\n${url}`;
    const existing = this.#forwards.get(id);
    if (existing !== undefined && existing.state !== 'stopped') return;
    let forward: Forward | undefined;
    try {
      forward = new Forward(this.hub, stream.key, {
        ...this.opts,
        url,
        hops: publisher.info.hops ?? 0,
        // Forgotten once it stops for good, so the map holds only live forwards.
        onStopped: () => {
          if (this.#forwards.get(id) === forward) this.#forwards.delete(id);
        },
      });
    } catch (err) {
      this.opts.log.warn({ stream: stream.name, url, err: (err as Error).message }, 'forward: bad destination, skipped');
      return;
    }
    this.#forwards.set(id, forward);
    forward.start();
    this.opts.log.info({ stream: streamKeyToString(stream.key), url }, 'forward: started');
  }
}
