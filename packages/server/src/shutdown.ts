import type { FastifyBaseLogger } from 'fastify';

export interface ShutdownOptions {
  log: FastifyBaseLogger;
  /** Longest the graceful close may take; then the exit is forced (code 1). */
  graceMs: number;
  /** The graceful close. */
  close: () => Promise<void>;
  /** Called just before a forced exit (a primary kills its workers). */
  force?: () => void;
  /** The signals that start it (a worker leaves SIGINT, which a terminal sends the whole group, to its primary). */
  signals?: readonly NodeJS.Signals[];
}

/**
 * Graceful shutdown on SIGTERM/SIGINT: close within the grace, then exit 0; an error or the grace running
 * out exits 1 (never hang); a second signal exits at once. Returns the trigger, for other reasons to stop
 * (a worker told to drain, or orphaned).
 */
export function gracefulShutdown(opts: ShutdownOptions): (reason: string) => void {
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) {
      // A second signal (Ctrl-C twice): the operator doesn't want to wait.
      opts.log.warn({ signal }, 'second signal, exiting now');
      opts.force?.();
      process.exit(1);
    }
    closing = true;
    const started = performance.now();
    opts.log.info({ signal, graceMs: opts.graceMs }, 'shutting down');
    // Never hang on shutdown: a hard limit behind the graceful close.
    setTimeout(() => {
      opts.log.warn({ graceMs: opts.graceMs }, 'shutdown grace expired, forcing exit');
      opts.force?.();
      process.exit(1);
    }, opts.graceMs).unref();
    opts.close().then(
      () => {
        opts.log.info({ ms: Math.round(performance.now() - started) }, 'shut down cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        opts.log.error({ err }, 'error while closing');
        opts.force?.();
        process.exit(1);
      },
    );
  };
  for (const signal of opts.signals ?? ['SIGINT', 'SIGTERM']) process.on(signal, () => shutdown(signal));
  return shutdown;
}
