import { admit, EndReasonTokenExpired, followGrant, normalizeIp, parseQuery, type AccessContext, type AccessGrant, type AccessStatus } from '@flvcast/access';
import { streamKeyToString, type StreamKey } from '@flvcast/hub';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { ResolvedHttpFlvOptions } from './options.js';

/** A viewer let in: the context it was judged on, and when its signed URL runs out (ms), if it does. */
export type PlayGrant = AccessGrant;

export type PlayDecision =
  | { allowed: true; grant: PlayGrant }
  /** `handshake`: refuse a WS upgrade with HTTP (not a close code), so a foreign page never gets an open socket. */
  | { allowed: false; status: AccessStatus; reason: string; handshake?: boolean };

/**
 * The access checks of one play request: the WS Origin allow-list (HTTP-FLV's own, at the handshake), then
 * the admission pipeline of @flvcast/access (signed URL, IP rules, `onPlay` hook). Every refusal is
 * reported once: a `deny` hub event and one log line naming the client (the request's only line: see
 * request-log.ts).
 */
export async function checkPlay(request: FastifyRequest, key: StreamKey, options: ResolvedHttpFlvOptions, protocols: { readonly http: string; readonly ws: string }, log: FastifyBaseLogger): Promise<PlayDecision> {
  const ws = request.ws === true;
  // The mount's own names (`http-aac`…): a hook may admit a listener of the audio alone and not the video.
  const protocol = ws ? protocols.ws : protocols.http;
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
  const admission = await admit(ctx, { signedUrls: options.signedUrls, hook: options.onPlay, hookTimeoutMs: options.accessTimeoutMs });
  if (!admission.allowed) return deny(admission.status, admission.reason, admission.error);
  return { allowed: true, grant: admission.grant };
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
  const follower = followGrant(grant, {
    kick: () => {
      log.info({ reason: EndReasonTokenExpired }, 'flv: signed URL expired, disconnecting viewer');
      kick();
    },
    onEnd: options.onStop,
    onEndError: (err) => log.warn({ err }, 'flv: onStop hook failed'),
  });
  return (reason) => follower.end(viewer.bytesSent, reason);
}
