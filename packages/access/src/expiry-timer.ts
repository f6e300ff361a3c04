/** setTimeout's largest delay; longer waits are done in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** The wall clock and timers an expiry runs on; tests inject their own. */
export interface ExpiryClock {
  /** Wall clock, ms (Date.now()). */
  now(): number;
  /** Calls `fn` after `ms`; returns what clearTimer() takes. */
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** Date.now() and unref'd timers: a pending expiry never keeps the process alive on its own. */
export const systemExpiryClock: ExpiryClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Calls `onExpire` at `expiresAtMs` (wall clock, ms): at once when that is past. Returns the function that
 * cancels it.
 */
export function scheduleExpiry(expiresAtMs: number, onExpire: () => void, clock: ExpiryClock = systemExpiryClock): () => void {
  let timer: unknown;
  const arm = (): void => {
    const remaining = expiresAtMs - clock.now();
    if (remaining <= 0) {
      timer = undefined;
      onExpire();
      return;
    }
    timer = clock.setTimer(arm, Math.min(remaining, MAX_DELAY_MS));
  };
  arm();
  return () => {
    if (timer !== undefined) clock.clearTimer(timer);
    timer = undefined;
  };
}
