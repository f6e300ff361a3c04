/**
 * Every child process the benchmark starts (servers, ffmpeg, viewer workers) is registered here so that
 * nothing outlives the run: on normal exit, on an uncaught error and on SIGINT/SIGTERM all are killed.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const children = new Set<ChildProcess>();
const cleanups = new Set<() => void>();

export function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function spawnTracked(bin: string, args: string[], opts: SpawnOptions): ChildProcess {
  return track(spawn(bin, args, opts));
}

/** SIGTERM, then SIGKILL after `graceMs` if it has not exited. Resolves when it has exited. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Run `fn` (synchronous: it may run in the 'exit' handler) after the children are killed, unless the
 * returned function removed it first. For what a child leaves behind, e.g. nginx's temporary directory.
 */
export function onCleanup(fn: () => void): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

export function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const fn of cleanups) {
    try {
      fn();
    } catch {
      // best effort: the process is on its way out
    }
  }
  cleanups.clear();
}

let installed = false;

/** Kill every tracked child when this process exits or is interrupted. */
export function installExitHandlers(): void {
  if (installed) return;
  installed = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping every child process`);
      killAll();
      process.exit(130);
    });
  }
}
