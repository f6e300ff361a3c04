import { checkAccess, verifySignedStream, type AccessContext, type AccessStatus } from '@flvcast/access';
import type { ResolvedRtmpOptions } from './options.js';

export type PublishDecision =
  | { allowed: true; expiresAtMs: number | undefined }
  | { allowed: false; status: AccessStatus; reason: string; error?: unknown };

/** onStatus codes of a refused publish: level 'error' makes encoders abort and print the description. */
export const REFUSAL_STATUS: Record<AccessStatus, string> = {
  401: 'NetStream.Publish.Unauthorized',
  403: 'NetStream.Publish.Forbidden',
};

/** The access checks of one publish, in order: signed URL, then the `onPublish` hook. */
export async function checkPublish(ctx: AccessContext, stream: string, options: ResolvedRtmpOptions): Promise<PublishDecision> {
  let expiresAtMs: number | undefined;
  if (options.signedUrls !== undefined) {
    const check = verifySignedStream({ secret: options.signedUrls.secret, action: 'publish', stream, query: ctx.query, ip: ctx.ip, now: Math.floor(Date.now() / 1000) });
    if (!check.ok) return { allowed: false, status: check.status, reason: check.reason };
    if (options.signedUrls.kickOnExpiry) expiresAtMs = check.expiresAt * 1000;
  }
  if (options.onPublish !== undefined) {
    const decision = await checkAccess(options.onPublish, ctx, options.accessTimeoutMs);
    if (!decision.allowed) return decision;
  }
  return { allowed: true, expiresAtMs };
}
