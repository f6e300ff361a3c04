import { checkAccess, normalizeIp, parseQuery, scheduleExpiry, verifySignedStream, type AccessContext, type AccessStatus } from '@flvcast/access';
import { streamKeyToString, type StreamKey } from '@flvcast/hub';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { ResolvedHttpFlvOptions } from './options.js';

/** A viewer let in: the context it was judged on, and when its signed URL runs out (ms), if it does. */
export interface PlayGrant {
  readonly ctx: AccessContext;
  readonly expiresAtMs: number | undefined;
}

export type PlayDecision =
  | { allowed: true; grant: PlayGrant }
  /** `handshake`: refuse a WS upgrade with HTTP (not a close code), so a foreign page never gets an open socket. */
  | { allowed: false; status: AccessStatus; reason: string; handshake?: boolean };

/**
 * The access checks of one play request, in order: WS Origin allow-list, signed URL, `onPlay` hook.
 * Every refusal is reported once: a `deny` hub event and one log line naming the client (the request's
 * only line: see request-log.ts).
 */
export async function checkPlay(request: FastifyRequest, key: StreamKey, options: ResolvedHttpFlvOptions, log: FastifyBaseLogger): Promise<PlayDecision> {
  const ws = request.ws === true;
  const protocol = ws ? 'ws-flv' : 'http-flv';
  const stream = streamKeyToString(key);
  const deny = (status: AccessStatus, reason: string, err?: unknown, handshake?: boolean): PlayDecision => {
    options.hub.events.emit('deny', { action: 'play', protocol, remoteAddress: request.ip, stream, reason });
    const fields = { req: request, protocol, ip: request.ip, stream, status, reason, ...(err === undefined ? {} : { err }) };
    if (err === undefined) log.info(fields, 'flv: play refused');
    else log.warn(fields, 'flv: play refused: access check failed');
    return { allowed: false, status, reason, ...(handshake ? { handshake } : {}) };
  };

  const origin = request.headers.origin;
  if (ws && options.wsAllowedOrigins !== undefined && origin !== undefined && !options.wsAllowedOrigins.has(origin.toLowerCase())) {
    return deny(403, `origin ${origin} not allowed`, undefined, true);
  }
  const ctx: AccessContext = {
    action: 'play',
    protocol,
    clientId: request.id,
    ip: normalizeIp(request.ip),
    ...key,
    query: parseQuery(request.query),
    headers: request.headers,
  };
  let expiresAtMs: number | undefined;
  if (options.signedUrls !== undefined) {
    const check = verifySignedStream({ secret: options.signedUrls.secret, action: 'play', stream, query: ctx.query, ip: ctx.ip, now: Math.floor(Date.now() / 1000) });
    if (!check.ok) return deny(check.status, check.reason);
    if (options.signedUrls.kickOnExpiry) expiresAtMs = check.expiresAt * 1000;
  }
  if (options.onPlay !== undefined) {
    const decision = await checkAccess(options.onPlay, ctx, options.accessTimeoutMs);
    if (!decision.allowed) return deny(decision.status, decision.reason, decision.error);
  }
  return { allowed: true, grant: { ctx, expiresAtMs } };
}

/**
 * Follows an admitted viewer: cuts it when its signed URL expires (`kick`), and tells `onStop` once it is
 * gone. Returns what the viewer's close handler calls, with the reason it ended.
 */
export function followViewer(
  grant: PlayGrant,
  viewer: { readonly bytesSent: number },
  options: ResolvedHttpFlvOptions,
  log: FastifyBaseLogger,
  kick: () => void,
): (reason: string) => void {
  const cancel = grant.expiresAtMs === undefined ? undefined : scheduleExpiry(grant.expiresAtMs, () => {
    log.info({ reason: 'token-expired' }, 'flv: signed URL expired, disconnecting viewer');
    kick();
  });
  let done = false;
  return (reason) => {
    if (done) return;
    done = true;
    cancel?.();
    if (options.onStop === undefined) return;
    // A notification: its failure is logged and changes nothing for anyone.
    Promise.resolve()
      .then(() => options.onStop!({ ...grant.ctx, bytes: viewer.bytesSent, reason }))
      .catch((err: unknown) => log.warn({ err }, 'flv: onStop hook failed'));
  };
}
