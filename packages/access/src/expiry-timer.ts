/** setTimeout's largest delay; longer waits are done in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Calls `onExpire` at `expiresAtMs` (wall clock, ms). Returns the function that cancels it. The timer is
 * unref'd: a pending expiry never keeps the process alive on its own.
 */
export function scheduleExpiry(expiresAtMs: number, onExpire: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    const remaining = expiresAtMs - Date.now();
    if (remaining <= 0) {
      timer = undefined;
      onExpire();
      return;
    }
    timer = setTimeout(arm, Math.min(remaining, MAX_DELAY_MS));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
