import type { AccessContext, AccessHook, AccessStatus } from './access-context.js';
import { AccessDeniedError } from './access-denied-error.js';

export type AccessDecision =
  | {
      readonly allowed: true;
      /** Forward URLs the hook asked for (an AccessAllowance); absent otherwise. */
      readonly forward?: readonly string[];
    }
  | {
      readonly allowed: false;
      readonly status: AccessStatus;
      readonly reason: string;
      /** Set when the hook failed (threw something other than AccessDeniedError, or timed out). */
      readonly error?: unknown;
    };

const ALLOWED: AccessDecision = { allowed: true };

/**
 * Runs one access hook, bounded by `timeoutMs`. Never throws and never hangs: a hook that throws, rejects
 * or does not settle in time is a refusal (403), so a broken auth service can't open the doors or hold
 * a connection forever.
 */
export async function checkAccess(hook: AccessHook, ctx: AccessContext, timeoutMs: number): Promise<AccessDecision> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const verdict = await Promise.race([
      Promise.resolve().then(() => hook(ctx)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AccessTimeoutError(timeoutMs)), timeoutMs);
      }),
    ]);
    if (verdict === undefined || verdict === true) return ALLOWED;
    if (verdict === false) return { allowed: false, status: 403, reason: 'forbidden' };
    if (verdict !== null && typeof verdict === 'object' && 'status' in verdict && (verdict.status === 401 || verdict.status === 403 || verdict.status === 409)) {
      return { allowed: false, status: verdict.status, reason: String(verdict.reason ?? 'forbidden') };
    }
    if (verdict !== null && typeof verdict === 'object' && !('status' in verdict) && isUrlList((verdict as { forward?: unknown }).forward)) {
      return { allowed: true, forward: [...(verdict as { forward: readonly string[] }).forward] };
    }
    // Anything else is a hook bug: refuse rather than guess.
    return { allowed: false, status: 403, reason: 'access check failed', error: new TypeError(`access hook returned ${JSON.stringify(verdict)}`) };
  } catch (err) {
    if (err instanceof AccessDeniedError) return { allowed: false, status: err.status, reason: err.message };
    return { allowed: false, status: 403, reason: err instanceof AccessTimeoutError ? 'access check timed out' : 'access check failed', error: err };
  } finally {
    clearTimeout(timer);
  }
}

const isUrlList = (v: unknown): v is readonly string[] => Array.isArray(v) && v.every((u) => typeof u === 'string');

class AccessTimeoutError extends Error {
  override readonly name = 'AccessTimeoutError';
  readonly code = 'ERR_FLVCAST_ACCESS_TIMEOUT';

  constructor(ms: number) {
    super(`access hook did not settle within ${ms} ms`);
  }
}
