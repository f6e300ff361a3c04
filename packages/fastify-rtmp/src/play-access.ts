import { admit, type AccessContext, type AccessStatus, type Admission } from '@flvcast/access';
import type { ResolvedRtmpOptions } from './options.js';

/**
 * What a refused player is told: NetStream.Play.Failed whatever the cause (librtmp and ffmpeg both stop on
 * it; librtmp ignores error codes it does not know), the cause in the description.
 */
export const PLAY_REFUSAL: Record<AccessStatus, string> = {
  401: 'unauthorized',
  403: 'forbidden',
  409: 'conflict',
};

/** True when plays are checked at all (otherwise they are let in without a grant to follow). */
export function playGuarded(options: ResolvedRtmpOptions): boolean {
  return options.playSignedUrls !== undefined || options.onPlay !== undefined || options.onStop !== undefined;
}

/** The admission pipeline of @flvcast/access for one RTMP play: signed URL, IP rules, `onPlay` hook. */
export function checkPlay(ctx: AccessContext, options: ResolvedRtmpOptions): Promise<Admission> {
  return admit(ctx, { signedUrls: options.playSignedUrls, hook: options.onPlay, hookTimeoutMs: options.accessTimeoutMs });
}
