import { admit, normalizeIp, splitQuery, type AccessAction, type AccessContext, type AccessStatus, type Admission } from '@flvcast/access';
import type { StreamKey } from '@flvcast/hub';
import type { ResolvedRtmpOptions } from './options.js';

/** onStatus codes of a refused publish: level 'error' makes encoders abort and print the description. */
export const REFUSAL_STATUS: Record<AccessStatus, string> = {
  401: 'NetStream.Publish.Unauthorized',
  403: 'NetStream.Publish.Forbidden',
  // The name is held elsewhere: what a key busy here gets too.
  409: 'NetStream.Publish.BadName',
};

/** The publish a client asked for: what the connection knows of it. */
export interface PublishRequest {
  readonly clientId: string;
  readonly remoteAddress: string;
  /** From the connect command. */
  readonly app: string;
  readonly tcUrl: string | undefined;
  /** The publish name without its query, and that query's parameters. */
  readonly name: string;
  readonly query: Readonly<Record<string, string>>;
  /** Default publish; a play is judged the same way (`rtmp`/`rtmps` as its protocol). */
  readonly action?: AccessAction;
  readonly protocol?: string;
}

/**
 * The stream key and access context of a publish (or a play). The vhost comes from the name's query (`cam1?vhost=v`);
 * tokens may also ride the tcUrl (OBS users put them in the server URL), and the name's parameters win.
 */
export function publishContext(req: PublishRequest): { key: StreamKey; ctx: AccessContext } {
  const key: StreamKey = { vhost: req.query.vhost ?? '', app: req.app, stream: req.name };
  const ctx: AccessContext = {
    action: req.action ?? 'publish',
    protocol: req.protocol ?? 'rtmp',
    clientId: req.clientId,
    ip: normalizeIp(req.remoteAddress),
    ...key,
    query: { ...(req.tcUrl === undefined ? {} : splitQuery(req.tcUrl).query), ...req.query },
    ...(req.tcUrl === undefined ? {} : { tcUrl: req.tcUrl }),
  };
  return { key, ctx };
}

/** True when publishes are checked at all (otherwise they are let in without a grant to follow). */
export function publishGuarded(options: ResolvedRtmpOptions): boolean {
  return options.signedUrls !== undefined || options.onPublish !== undefined;
}

/** The admission pipeline of @flvcast/access for one publish: signed URL, IP rules, `onPublish` hook. */
export function checkPublish(ctx: AccessContext, options: ResolvedRtmpOptions): Promise<Admission> {
  return admit(ctx, { signedUrls: options.signedUrls, hook: options.onPublish, hookTimeoutMs: options.accessTimeoutMs });
}
