import type { StreamSummary } from '@flvcast/hub';
import type { FromWorker } from './worker-messages.js';

export interface PrimaryStreamListOptions {
  send: (message: FromWorker) => void;
  /** A list this fresh is served again (dashboards poll every 2 s; a thousand of them ask once). */
  maxAgeMs: number;
  /** The primary's answer must come within this; else the request fails (the page polls again). */
  timeoutMs: number;
}

/**
 * A worker's view of every live stream, asked of the primary over the IPC channel: the dashboard a worker
 * serves lists the primary's streams, not only those this worker pulls. Requests in flight are shared and
 * answers are kept `maxAgeMs`, so the channel carries at most one request per `maxAgeMs`.
 */
export class PrimaryStreamList {
  readonly #opts: PrimaryStreamListOptions;
  #nextId = 1;
  #pending: { id: number; promise: Promise<StreamSummary[]>; resolve: (list: StreamSummary[]) => void } | undefined;
  #cached: { list: StreamSummary[]; at: number } | undefined;

  constructor(opts: PrimaryStreamListOptions) {
    this.#opts = opts;
  }

  list(): Promise<StreamSummary[]> {
    const cached = this.#cached;
    if (cached !== undefined && performance.now() - cached.at < this.#opts.maxAgeMs) return Promise.resolve(cached.list);
    if (this.#pending !== undefined) return this.#pending.promise;
    const id = this.#nextId++;
    let resolve!: (list: StreamSummary[]) => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<StreamSummary[]>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const timer = setTimeout(() => {
      if (this.#pending?.id !== id) return;
      this.#pending = undefined;
      reject(new Error(`the primary did not send its stream list within ${this.#opts.timeoutMs} ms`));
    }, this.#opts.timeoutMs);
    this.#pending = {
      id,
      promise,
      resolve: (list) => {
        clearTimeout(timer);
        resolve(list);
      },
    };
    this.#opts.send({ type: 'flvcast:streams?', id });
    return promise;
  }

  /** The primary's answer to request `id`. */
  answer(id: number, streams: StreamSummary[]): void {
    const pending = this.#pending;
    if (pending?.id !== id) return;
    this.#pending = undefined;
    this.#cached = { list: streams, at: performance.now() };
    pending.resolve(streams);
  }
}
