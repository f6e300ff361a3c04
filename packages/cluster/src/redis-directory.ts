import { streamKeyToString, type StreamKey } from '@flvcast/hub';
import { originProblem } from '@flvcast/relay';
import { Redis } from 'ioredis';
import { ClusterError, ClusterErrorCode } from './cluster-error.js';
import type { ClusterLog } from './cluster-log.js';
import { DEFAULT_KEY_PREFIX, originKey, streamEntryKey } from './directory-keys.js';
import { CLAIM_SCRIPT, FORGET_SCRIPT, REFRESH_SCRIPT, RELEASE_SCRIPT } from './directory-scripts.js';
import type { OriginDirectory } from './origin-directory.js';
import { encodeOriginRecord } from './origin-record.js';
import { pullUrl } from './pull-url.js';
import { decodeStreamEntry, encodeStreamEntry } from './stream-entry.js';

/** What an origin carries, written into its heartbeat key and its stream entries. */
export interface OriginLoad {
  readonly streams: number;
  readonly viewers: number;
}

/** The answer to a claim: ours now, another origin's (named), or Redis could not be asked. */
export type ClaimResult = { readonly status: 'claimed' } | { readonly status: 'busy'; readonly holder: string } | { readonly status: 'unavailable' };

export interface RedisDirectoryOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  readonly url: string;
  /** This origin's id in the cluster: unique per process. */
  readonly id: string;
  /**
   * The base URL others pull this origin's streams from: `http(s)://host:port[/prefix]` or `rtmp(s)://host:port`;
   * a function when it is known only once the server listens (read at each write).
   */
  readonly advertise: string | (() => string);
  /** The origin's HTTP mounts are `[vhost]/[app]/[stream].flv`: a vhost goes in the pull URL's path, not its query. */
  readonly vhostInPath?: boolean;
  /** How long an entry outlives its origin's last heartbeat; heartbeats come every third of it. Default 10000. */
  readonly ttlMs?: number;
  /** What every key starts with. Default `flvcast:`. */
  readonly prefix?: string;
  /** A claim overwrites another origin's entry instead of being refused. Default false. */
  readonly takeover?: boolean;
  /** Longest any Redis command may take (a hung Redis must not hold a viewer or an encoder). Default min(1000, ttlMs / 3). */
  readonly commandTimeoutMs?: number;
  /** This origin's load, read at each heartbeat. Default none (zeros). */
  readonly load?: () => OriginLoad;
  readonly log: ClusterLog;
  /** Wall clock, ms. */
  readonly now?: () => number;
}

const NO_LOAD: OriginLoad = { streams: 0, viewers: 0 };

/** The part of a pull URL that names the stream (an edge adds its viewer's query). */
const withoutQuery = (url: string): string => url.split('?', 1)[0] ?? url;

/**
 * The Redis stream directory of a cluster (docs/cluster.md). As an origin: it claims the streams published
 * here (`SET NX` with a TTL, or a plain SET with takeover), refreshes them and its own heartbeat key every
 * third of the TTL, releases them on unpublish, and registers them again when Redis comes back. As an edge
 * (OriginDirectory): it says where a stream it does not have is held, and forgets entries whose origin died.
 *
 * Redis unreachable never holds anyone up: commands are not queued while disconnected and each is bounded
 * by commandTimeoutMs, so lookups answer [] and claims 'unavailable' at once; one warn line per outage, one
 * info line when Redis is back. Every write that depends on what is there is a Lua script (compare-and-set).
 */
export class RedisDirectory implements OriginDirectory {
  readonly id: string;
  readonly ttlMs: number;
  readonly prefix: string;
  readonly #opts: RedisDirectoryOptions;
  readonly #redis: Redis;
  readonly #now: () => number;
  readonly #startedAt: number;
  /** Streams this origin holds (or would, once Redis answers), by `vhost/app/stream`. */
  readonly #held = new Map<string, { key: StreamKey; since: number }>();
  /** failed() checks under way, by stream key: one at a time per stream however many pulls fail. */
  readonly #forgetting = new Set<string>();
  readonly #timer: NodeJS.Timeout;
  /** undefined until the first connection; then whether Redis answered last. */
  #up: boolean | undefined;
  #beating: Promise<void> | undefined;
  #beatAgain = false;
  #closed = false;

  constructor(opts: RedisDirectoryOptions) {
    const ttlMs = opts.ttlMs ?? 10_000;
    if (!Number.isInteger(ttlMs) || ttlMs < 300 || ttlMs > 600_000) throw new ClusterError(ClusterErrorCode.badOption, `ttlMs: expected an integer from 300 to 600000, got ${ttlMs}`, 'ttlMs');
    if (!/^rediss?:\/\/\S+$/i.test(opts.url)) throw new ClusterError(ClusterErrorCode.badOption, `url: expected redis://host:port or rediss://host:port, got ${JSON.stringify(opts.url)}`, 'url');
    if (opts.id === '' || /\s/.test(opts.id)) throw new ClusterError(ClusterErrorCode.badOption, `id: expected a non-empty name without spaces, got ${JSON.stringify(opts.id)}`, 'id');
    const problem = typeof opts.advertise === 'string' ? originProblem(opts.advertise) : undefined;
    if (problem !== undefined) throw new ClusterError(ClusterErrorCode.badOption, `advertise: ${problem}`, 'advertise');
    const commandTimeoutMs = opts.commandTimeoutMs ?? Math.min(1000, Math.floor(ttlMs / 3));
    this.id = opts.id;
    this.ttlMs = ttlMs;
    this.prefix = opts.prefix ?? DEFAULT_KEY_PREFIX;
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#startedAt = this.#now();
    this.#redis = new Redis(opts.url, {
      // Nothing waits for a connection: while Redis is away every command fails at once (no unbounded queue).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: commandTimeoutMs,
      connectTimeout: Math.max(commandTimeoutMs, Math.min(ttlMs, 5000)),
      // Reconnect forever, at most every 2 s: the re-registration waits on it.
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
      connectionName: `flvcast:${opts.id}`,
    });
    this.#redis.on('ready', () => {
      this.#markUp();
      this.#beat();
    });
    this.#redis.on('error', (err: Error) => this.#markDown(err));
    this.#redis.on('close', () => this.#markDown(new Error('connection closed')));
    this.#timer = setInterval(() => this.#beat(), Math.max(100, Math.floor(ttlMs / 3)));
    this.#timer.unref();
  }

  /** Whether Redis answered the last command (false while it is unreachable, undefined before the first connection). */
  get available(): boolean | undefined {
    return this.#up;
  }

  /** True while this origin holds `key` (claimed, or let through while Redis was away). */
  holds(key: StreamKey): boolean {
    return this.#held.has(streamKeyToString(key));
  }

  /** The streams this origin holds. */
  heldKeys(): StreamKey[] {
    return [...this.#held.values()].map((h) => h.key);
  }

  // --- edge side --------------------------------------------------------------------------------

  async lookup(key: StreamKey, signal: AbortSignal): Promise<readonly string[]> {
    if (this.#closed || signal.aborted) return [];
    const value = await this.#run(() => this.#redis.get(streamEntryKey(this.prefix, key)), signal);
    const entry = decodeStreamEntry(value);
    // Our own entry: we have the stream (or just lost it); pulling from ourselves would loop.
    return entry === undefined || entry.origin === this.id ? [] : [entry.url];
  }

  failed(key: StreamKey, url: string): void {
    const name = streamEntryKey(this.prefix, key);
    if (this.#closed || this.#forgetting.has(name)) return;
    this.#forgetting.add(name);
    void this.#forget(key, name, url).finally(() => this.#forgetting.delete(name));
  }

  async #forget(key: StreamKey, name: string, url: string): Promise<void> {
    const value = await this.#run(() => this.#redis.get(name));
    const entry = decodeStreamEntry(value);
    if (entry === undefined || entry.origin === this.id || withoutQuery(entry.url) !== withoutQuery(url)) return;
    const removed = await this.#run(() => this.#redis.eval(FORGET_SCRIPT, 2, name, originKey(this.prefix, entry.origin), value!));
    if (removed === 1) this.#opts.log.info({ stream: streamKeyToString(key), origin: entry.origin }, 'cluster: removed the directory entry of an origin that is gone');
  }

  // --- origin side ------------------------------------------------------------------------------

  /**
   * Claims `key` for this origin before its publish is let in. 'busy' names the holder; 'unavailable' (Redis
   * away) lets the caller serve the stream anyway, and it is registered when Redis is back.
   */
  async claim(key: StreamKey): Promise<ClaimResult> {
    if (this.#closed) return { status: 'unavailable' };
    const name = streamEntryKey(this.prefix, key);
    const since = this.#now();
    const value = this.#entryValue(key, since);
    const ttl = String(this.ttlMs);
    const answer = this.#opts.takeover === true
      ? await this.#run(() => this.#redis.set(name, value, 'PX', ttl).then(() => null))
      : await this.#run(() => this.#redis.eval(CLAIM_SCRIPT, 1, name, value, ttl, this.id));
    if (typeof answer === 'string') return { status: 'busy', holder: decodeStreamEntry(answer)?.origin ?? 'unknown' };
    this.#held.set(streamKeyToString(key), { key, since });
    return answer === null ? { status: 'claimed' } : { status: 'unavailable' };
  }

  /** This origin stopped holding `key`: its entry goes (only if it is still ours). Resolves true if deleted. */
  async release(key: StreamKey): Promise<boolean> {
    if (!this.#held.delete(streamKeyToString(key)) || this.#closed) return false;
    // Redis away: the entry expires by itself within ttlMs.
    return (await this.#run(() => this.#redis.eval(RELEASE_SCRIPT, 1, streamEntryKey(this.prefix, key), this.id))) === 1;
  }

  /**
   * Stops the heartbeat and closes the connection. With `release` (default) this origin's entries and
   * heartbeat key go first (a graceful stop: others may claim the names at once); a failure there is
   * ignored (they expire by TTL).
   */
  async close({ release = true }: { release?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#beating;
    if (release && this.#redis.status === 'ready') {
      const pipeline = this.#redis.pipeline();
      for (const { key } of this.#held.values()) pipeline.eval(RELEASE_SCRIPT, 1, streamEntryKey(this.prefix, key), this.id);
      pipeline.del(originKey(this.prefix, this.id));
      await pipeline.exec().catch(() => undefined);
    }
    this.#held.clear();
    // QUIT waits for the replies; a Redis that does not answer is cut.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#redis.quit().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
    this.#redis.disconnect();
  }

  // --- internals --------------------------------------------------------------------------------

  #entryValue(key: StreamKey, since: number): string {
    const load = (this.#opts.load ?? (() => NO_LOAD))();
    return encodeStreamEntry({ url: pullUrl(this.#advertise(), key, this.#opts.vhostInPath), origin: this.id, load: load.viewers, since });
  }

  #advertise(): string {
    return typeof this.#opts.advertise === 'string' ? this.#opts.advertise : this.#opts.advertise();
  }

  /** One heartbeat now (or right after the one under way): our origin key, then every stream we hold. */
  #beat(): void {
    if (this.#closed) return;
    if (this.#beating !== undefined) {
      this.#beatAgain = true;
      return;
    }
    this.#beating = this.#heartbeat().finally(() => {
      this.#beating = undefined;
      if (this.#beatAgain) {
        this.#beatAgain = false;
        this.#beat();
      }
    });
  }

  async #heartbeat(): Promise<void> {
    if (this.#redis.status !== 'ready') return;
    const load = (this.#opts.load ?? (() => NO_LOAD))();
    const ttl = String(this.ttlMs);
    const held = [...this.#held.entries()];
    const pipeline = this.#redis.pipeline();
    pipeline.set(originKey(this.prefix, this.id), encodeOriginRecord({ id: this.id, url: this.#advertise(), load, startedAt: this.#startedAt }), 'PX', ttl);
    for (const [, { key, since }] of held) pipeline.eval(REFRESH_SCRIPT, 1, streamEntryKey(this.prefix, key), this.#entryValue(key, since), ttl, this.id);
    const results = await this.#run(() => pipeline.exec());
    if (results === undefined || results === null) return;
    held.forEach(([name, h], i) => {
      const [err, answer] = results[i + 1] ?? [];
      if (err !== null && err !== undefined) return void this.#markDown(err);
      if (typeof answer !== 'string' || this.#held.get(name) !== h) return;
      // Another origin has the name now (it took over, or claimed it while Redis had forgotten ours): not fought over.
      this.#held.delete(name);
      this.#opts.log.warn({ stream: name, holder: decodeStreamEntry(answer)?.origin ?? 'unknown' }, 'cluster: another origin holds this stream in the directory now; it is served here but no longer advertised');
    });
  }

  /** A Redis command, bounded (commandTimeout, and `signal` when given); undefined when it failed. */
  async #run<T>(command: () => Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
    let onAbort: (() => void) | undefined;
    const aborted = signal === undefined ? undefined : new Promise<undefined>((resolve) => signal.addEventListener('abort', (onAbort = () => resolve(undefined)), { once: true }));
    try {
      // A command that throws instead of rejecting is a failure like any other.
      const answer = new Promise<T>((resolve) => resolve(command())).then(
        (value) => {
          if (this.#markUp()) this.#beat();
          return value;
        },
        (err: unknown) => {
          this.#markDown(err);
          return undefined;
        },
      );
      return await (aborted === undefined ? answer : Promise.race([answer, aborted]));
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Redis answered; true when it had been away (the caller registers everything again). */
  #markUp(): boolean {
    const wasDown = this.#up === false;
    this.#up = true;
    if (wasDown && !this.#closed) this.#opts.log.info({ held: this.#held.size }, 'cluster: Redis is reachable again; registering this origin and its streams');
    return wasDown;
  }

  #markDown(err: unknown): void {
    if (this.#up === false || this.#closed) return;
    this.#up = false;
    this.#opts.log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'cluster: Redis unreachable; edges use their static origins, this origin keeps serving its streams and registers them when Redis is back',
    );
  }
}
