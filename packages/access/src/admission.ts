import type { AccessContext, AccessEndHook, AccessHook, AccessStatus } from './access-context.js';
import { checkAccess } from './check-access.js';
import { EndReasonTokenExpired } from './end-reason.js';
import { scheduleExpiry, systemExpiryClock, type ExpiryClock } from './expiry-timer.js';
import type { IpFilter } from './ip-rules.js';
import { verifySignedStream } from './signed-url.js';
import type { ResolvedSignedUrls } from './signed-urls-options.js';

/**
 * What a client must pass to publish or play, whatever the protocol. The checks run in this order and
 * the first refusal ends them: the cheap local ones first, the app's hook (maybe a network call) last.
 */
export interface AdmissionPolicy {
  /** 1. A signed URL (`expires`, `token`, maybe `ip` in the query), when set: the plugins' resolved `signedUrls`. */
  readonly signedUrls?: ResolvedSignedUrls | undefined;
  /** 2. Address allow/deny lists, compiled once by `ipFilter()`. */
  readonly ipRules?: IpFilter | undefined;
  /** 3. The app's hook (`onPlay`, `onPublish`, SRS-style HTTP callbacks), bounded by `hookTimeoutMs`. */
  readonly hook?: AccessHook | undefined;
  readonly hookTimeoutMs: number;
  /** Wall clock, ms, for the signed URL's expiry; tests inject their own. Default Date.now. */
  readonly now?: () => number;
}

/** Which check refused. */
export type AdmissionStep = 'signed-url' | 'ip-rules' | 'hook';

/** A client let in: the context it was judged on, and when its signed URL runs out, if it is to be cut then. */
export interface AccessGrant {
  readonly ctx: AccessContext;
  /** Wall clock, ms; undefined when nothing expires (no signed URL, or `kickOnExpiry` off). */
  readonly expiresAtMs: number | undefined;
  /** Forward URLs the hook gave a publish (AccessAllowance); the ingest passes them on as `PublisherInfo.forward`. */
  readonly forward?: readonly string[];
}

export type Admission =
  | { readonly allowed: true; readonly grant: AccessGrant }
  | {
      readonly allowed: false;
      /** 401: credentials missing or invalid (no, bad or expired token); 403: the client may not. */
      readonly status: AccessStatus;
      /** Said to the client (HTTP body, WS close reason, RTMP status description) and logged. */
      readonly reason: string;
      readonly step: AdmissionStep;
      /** Set when the hook failed (threw something other than AccessDeniedError, or timed out): worth a warn line. */
      readonly error?: unknown;
    };

/** The name a signed URL is signed for: `app/stream`, or `vhost/app/stream` when there is a vhost. */
export function signedStreamName(ctx: Pick<AccessContext, 'vhost' | 'app' | 'stream'>): string {
  return ctx.vhost === '' ? `${ctx.app}/${ctx.stream}` : `${ctx.vhost}/${ctx.app}/${ctx.stream}`;
}

/**
 * The admission pipeline every protocol runs before any media byte moves: signed URL, then IP rules, then
 * the hook. Never throws and never hangs (the hook is bounded). Protocol matters (WS Origin, RTMP status
 * names, logging, hub events) stay with the caller.
 */
export async function admit(ctx: AccessContext, policy: AdmissionPolicy): Promise<Admission> {
  let expiresAtMs: number | undefined;
  if (policy.signedUrls !== undefined) {
    const now = Math.floor((policy.now ?? Date.now)() / 1000);
    const check = verifySignedStream({ secret: policy.signedUrls.secret, action: ctx.action, stream: signedStreamName(ctx), query: ctx.query, ip: ctx.ip, now });
    if (!check.ok) return { allowed: false, status: check.status, reason: check.reason, step: 'signed-url' };
    if (policy.signedUrls.kickOnExpiry) expiresAtMs = check.expiresAt * 1000;
  }
  const refusal = policy.ipRules?.(ctx.ip);
  if (refusal !== undefined) return { allowed: false, status: refusal.status, reason: refusal.reason, step: 'ip-rules' };
  let forward: readonly string[] | undefined;
  if (policy.hook !== undefined) {
    const decision = await checkAccess(policy.hook, ctx, policy.hookTimeoutMs);
    if (!decision.allowed) {
      return { allowed: false, status: decision.status, reason: decision.reason, step: 'hook', ...(decision.error === undefined ? {} : { error: decision.error }) };
    }
    forward = decision.forward;
  }
  return { allowed: true, grant: { ctx, expiresAtMs, ...(forward === undefined || ctx.action !== 'publish' ? {} : { forward }) } };
}

export interface FollowGrantOptions {
  /** The grant's signed URL ran out: cut the client (and log why). Called at most once, never after end(). */
  kick(): void;
  /** Told once the client is gone (`onStop`, `onUnpublish`): a notification, its result ignored. */
  onEnd?: AccessEndHook | undefined;
  /** onEnd threw or rejected (log it: it changes nothing for anyone). */
  onEndError?: (err: unknown) => void;
  /** Wall clock and timers of the expiry; tests inject their own. */
  clock?: ExpiryClock;
}

/** An admitted client being followed; see followGrant. */
export interface GrantFollower {
  /** True once the grant expired and the client was kicked for it. */
  readonly expired: boolean;
  /**
   * The client is gone: stops the expiry timer and tells onEnd, once (later calls do nothing), with the
   * bytes it moved and why it ended: `token-expired` once it was kicked for expiry, else `reason`.
   */
  end(bytes: number, reason: string): void;
}

/**
 * Follows an admitted client until it leaves: kicks it when its signed URL expires (when the grant says
 * so), and tells the end hook once it is gone. `kick` never runs inside this call, even for a grant that
 * is already past its expiry: it runs a microtask later, once the caller holds the follower.
 */
export function followGrant(grant: AccessGrant, opts: FollowGrantOptions): GrantFollower {
  let expired = false;
  let ended = false;
  let cancel: (() => void) | undefined;
  const expire = (): void => {
    if (ended || expired) return;
    expired = true;
    opts.kick();
  };
  if (grant.expiresAtMs !== undefined) {
    let following = false;
    cancel = scheduleExpiry(grant.expiresAtMs, () => (following ? expire() : queueMicrotask(expire)), opts.clock ?? systemExpiryClock);
    following = true;
  }
  return {
    get expired() {
      return expired;
    },
    end(bytes, reason) {
      if (ended) return;
      ended = true;
      cancel?.();
      const onEnd = opts.onEnd;
      if (onEnd === undefined) return;
      const ctx = { ...grant.ctx, bytes, reason: expired ? EndReasonTokenExpired : reason };
      Promise.resolve()
        .then(() => onEnd(ctx))
        .catch((err: unknown) => opts.onEndError?.(err));
    },
  };
}
