import { admit, followGrant, normalizeIp, parseQuery, type AccessContext, type AccessGrant, type AccessStatus } from '@flvcast/access';
import { Transform, pipeline, type Readable } from 'node:stream';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { ResolvedVodOptions } from './options.js';
import { vodAccessName } from './vod-stream-name.js';

/** The access protocol name of VOD requests, as hooks and HTTP callbacks see it. */
export const VOD_PROTOCOL = 'http-vod';

export type VodDecision = { readonly allowed: true; readonly grant: AccessGrant } | { readonly allowed: false; readonly status: AccessStatus; readonly reason: string };

/** Whether any access check is configured (none: requests skip admission entirely). */
export const vodGuarded = (options: ResolvedVodOptions): boolean => options.onPlay !== undefined || options.signedUrls !== undefined || options.onStop !== undefined;

/**
 * The live viewers' admission pipeline (signed URL, then the `onPlay` hook, bounded) for a VOD file, named
 * as `vodAccessName` says. A refusal is logged once, here, and told to `onDeny`.
 */
export async function checkVodPlay(request: FastifyRequest, path: string, options: ResolvedVodOptions, log: FastifyBaseLogger): Promise<VodDecision> {
  const ctx: AccessContext = {
    action: 'play',
    protocol: VOD_PROTOCOL,
    clientId: request.id,
    ip: normalizeIp(request.ip),
    ...vodAccessName(path),
    query: parseQuery(request.query),
    headers: request.headers,
  };
  const admission = await admit(ctx, { signedUrls: options.signedUrls, hook: options.onPlay, hookTimeoutMs: options.accessTimeoutMs });
  if (admission.allowed) return admission;
  options.onDeny?.({ action: 'play', protocol: VOD_PROTOCOL, remoteAddress: request.ip, stream: `${ctx.app}/${ctx.stream}`, reason: admission.reason });
  const fields = { ip: request.ip, path, status: admission.status, reason: admission.reason, ...(admission.error === undefined ? {} : { err: admission.error }) };
  if (admission.error === undefined) log.info(fields, 'vod: request refused');
  else log.warn(fields, 'vod: request refused: access check failed');
  return { allowed: false, status: admission.status, reason: admission.reason };
}

/**
 * Follows an admitted response: cut when its signed URL expires (a long download), `onStop` told once it
 * ends, with the bytes of the body that went out and whether it ran to its end. Returns the body to send
 * (counted on its way out).
 */
export function followVodResponse(grant: AccessGrant, reply: FastifyReply, body: Readable, options: ResolvedVodOptions, log: FastifyBaseLogger): Readable {
  let bytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  // An error of the file stream reaches the counted one, which Fastify is sending: it ends the response.
  pipeline(body, counted, () => {});
  const follower = followGrant(grant, {
    kick: () => {
      log.info({ path: `${grant.ctx.app}/${grant.ctx.stream}` }, 'vod: signed URL expired, response cut');
      reply.raw.destroy();
    },
    onEnd: options.onStop,
    onEndError: (err) => log.warn({ err }, 'vod: onStop hook failed'),
  });
  reply.raw.once('close', () => follower.end(bytes, reply.raw.writableFinished ? 'finished' : 'left'));
  return counted;
}
