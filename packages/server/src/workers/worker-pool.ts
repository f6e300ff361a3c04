import cluster, { type Worker } from 'node:cluster';
import { Backoff } from '@flvcast/relay';
import type { FastifyBaseLogger } from 'fastify';
import { WORKER_ENV, fromWorker, type FromWorker, type ToWorker, type WorkerHandoff } from './worker-messages.js';
import type { WorkerStats } from './worker-stats.js';

export interface WorkerPoolOptions {
  count: number;
  handoff: (slot: number) => WorkerHandoff;
  stats: WorkerStats;
  log: FastifyBaseLogger;
  /** A worker asks for the primary's stream list (its dashboard). */
  onStreamsRequest: (slot: number, id: number) => void;
  /** First wait before a dead worker is forked again; it doubles while workers keep dying, up to restartMaxMs. */
  restartMinMs?: number;
  restartMaxMs?: number;
  /** A worker that served this long before dying restarts after restartMinMs again. */
  stableMs?: number;
}

interface Slot {
  readonly id: number;
  worker: Worker | undefined;
  /** When its current process became ready (undefined until then). */
  readyAt: number | undefined;
  /** When it last died, for the log line of its return. */
  diedAt: number | undefined;
  readonly backoff: Backoff;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The primary's worker processes (node:cluster): forks one per slot, each sharing the public HTTP port;
 * restarts one that dies, after a back-off that grows while they keep dying (a crashing worker cannot
 * fork-bomb the machine); on drain, asks each to finish and waits for their exits.
 */
export class WorkerPool {
  readonly #opts: Required<WorkerPoolOptions>;
  readonly #slots: Slot[] = [];
  #draining = false;
  #drained: (() => void) | undefined;

  constructor(opts: WorkerPoolOptions) {
    this.#opts = { restartMinMs: 200, restartMaxMs: 30_000, stableMs: 30_000, ...opts };
    for (let id = 1; id <= opts.count; id++) {
      this.#slots.push({ id, worker: undefined, readyAt: undefined, diedAt: undefined, backoff: new Backoff(this.#opts.restartMinMs, this.#opts.restartMaxMs), timer: undefined });
    }
  }

  /**
   * Forks every worker; resolves with the HTTP addresses the first one bound once all of them serve.
   * A worker that exits before it ever served fails the start (a port in use, a bad certificate): the
   * same error would come back at every restart.
   */
  start(): Promise<Array<{ address: string; port: number }>> {
    return new Promise((resolve, reject) => {
      let waiting = this.#slots.length;
      let first: Array<{ address: string; port: number }> | undefined;
      for (const slot of this.#slots) {
        this.#fork(slot, false, {
          ready: (http) => {
            first ??= http;
            if (--waiting === 0) resolve(first);
          },
          failed: reject,
        });
      }
    });
  }

  send(slot: number, message: ToWorker): void {
    const worker = this.#slots[slot - 1]?.worker;
    if (worker?.isConnected() === true) worker.send(message);
  }

  /** Tells every worker to drain (they close their viewers and exit); resolves when all have exited. */
  drain(): Promise<void> {
    this.#draining = true;
    this.#opts.stats.stopping();
    for (const slot of this.#slots) {
      clearTimeout(slot.timer);
      if (slot.worker?.isConnected() === true) slot.worker.send({ type: 'flvcast:drain' } satisfies ToWorker);
    }
    return new Promise((resolve) => {
      this.#drained = resolve;
      this.#checkDrained();
    });
  }

  /** Ends every worker now (the shutdown grace ran out). */
  kill(): void {
    this.#draining = true;
    for (const slot of this.#slots) {
      clearTimeout(slot.timer);
      slot.worker?.process.kill('SIGKILL');
    }
  }

  /** Pids of the live workers, by slot. */
  get pids(): number[] {
    return this.#slots.flatMap((s) => (s.worker?.process.pid === undefined ? [] : [s.worker.process.pid]));
  }

  #fork(slot: Slot, restart: boolean, startup?: { ready: (http: Array<{ address: string; port: number }>) => void; failed: (err: Error) => void }): void {
    const worker = cluster.fork({ [WORKER_ENV]: JSON.stringify(this.#opts.handoff(slot.id)) });
    slot.worker = worker;
    slot.readyAt = undefined;
    this.#opts.stats.started(slot.id, worker.process.pid ?? null, restart);
    const log = this.#opts.log.child({ worker: slot.id, pid: worker.process.pid });
    worker.on('message', (raw: unknown) => {
      const message = fromWorker(raw);
      if (message !== undefined) this.#message(slot, worker, message, log, startup);
    });
    // 'error' on a worker is an IPC failure; its exit follows and is handled there.
    worker.on('error', (err) => log.warn({ err }, 'workers: IPC channel error'));
    worker.once('exit', (code, signal) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      if (this.#draining) {
        this.#opts.stats.exited(slot.id, 'stopping');
        log.info({ code, signal }, 'workers: worker exited');
        this.#checkDrained();
        return;
      }
      if (slot.readyAt === undefined && startup !== undefined) {
        this.#opts.stats.exited(slot.id, 'stopping');
        startup.failed(new Error(`worker ${slot.id} exited before it served (code ${code}, signal ${signal}); its error is logged above`));
        return;
      }
      // A worker that had served a good while is no crash loop: it comes back at the shortest wait.
      if (slot.readyAt !== undefined && performance.now() - slot.readyAt >= this.#opts.stableMs) slot.backoff.reset();
      const inMs = slot.backoff.next();
      slot.diedAt = performance.now();
      this.#opts.stats.exited(slot.id, 'restarting');
      log.warn({ code, signal, restartInMs: inMs }, 'workers: worker died; its viewers can reconnect to the others, and it is restarted');
      slot.timer = setTimeout(() => {
        slot.timer = undefined;
        if (!this.#draining) this.#fork(slot, true);
      }, inMs);
    });
  }

  #message(slot: Slot, worker: Worker, message: FromWorker, log: FastifyBaseLogger, startup: { ready: (http: Array<{ address: string; port: number }>) => void } | undefined): void {
    if (slot.worker !== worker) return;
    switch (message.type) {
      case 'flvcast:ready':
        slot.readyAt = performance.now();
        this.#opts.stats.up(slot.id);
        if (slot.diedAt !== undefined) log.info({ sinceDeathMs: Math.round(slot.readyAt - slot.diedAt) }, 'workers: restarted worker serves again');
        startup?.ready(message.http);
        return;
      case 'flvcast:report':
        this.#opts.stats.report(slot.id, message.report);
        return;
      case 'flvcast:streams?':
        this.#opts.onStreamsRequest(slot.id, message.id);
        return;
    }
  }

  #checkDrained(): void {
    if (this.#drained !== undefined && this.#slots.every((s) => s.worker === undefined)) this.#drained();
  }
}
