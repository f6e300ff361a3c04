import type { IncomingHttpHeaders } from 'node:http';

/** What a client asks to do: send a stream in, or watch one. */
export type AccessAction = 'publish' | 'play';

/** Everything known about a client when it asks to publish or play, before any media byte moves. */
export interface AccessContext {
  readonly action: AccessAction;
  /** 'rtmp', 'http-flv', 'ws-flv'. */
  readonly protocol: string;
  /** The connection's id in the server's logs (RTMP connection id, HTTP request id). */
  readonly clientId: string;
  /** The client's address as the socket sees it (an IPv4-mapped IPv6 address is given as IPv4). */
  readonly ip: string;
  /** '' when the mount (HTTP) or the publish query (RTMP `?vhost=`) names none. */
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
  /** Query parameters of the URL (HTTP/WS) or of the stream name and tcUrl (RTMP); tokens ride here. */
  readonly query: Readonly<Record<string, string>>;
  /** Request headers (HTTP-FLV and WS-FLV). */
  readonly headers?: IncomingHttpHeaders;
  /** The RTMP connect command's tcUrl. */
  readonly tcUrl?: string;
}

/**
 * 401: credentials missing or invalid (bad, expired token); 403: the client is known but may not; 409: the
 * name is in use elsewhere (a cluster's other origin holds the stream): RTMP's NetStream.Publish.BadName, as
 * for a key busy here.
 */
export type AccessStatus = 401 | 403 | 409;

/** A hook's way of saying no without throwing. */
export interface AccessRefusal {
  readonly status: AccessStatus;
  readonly reason: string;
}

/**
 * A hook's way of saying yes with more to do: a publish allowed this way is also forwarded (pushed) to these
 * `rtmp[s]://` URLs by @flvcast/fastify-relay (SRS's dynamic forward, decided by the app). Ignored for plays.
 */
export interface AccessAllowance {
  readonly forward: readonly string[];
}

/**
 * What an access hook returns: nothing or `true` allows; an AccessAllowance allows with forward URLs;
 * `false` refuses with 403; an AccessRefusal refuses with its status. Throwing refuses too (an
 * AccessDeniedError with its status, anything else with 403 and an error log line).
 */
export type AccessVerdict = void | boolean | AccessRefusal | AccessAllowance;

export type AccessHook = (ctx: AccessContext) => AccessVerdict | Promise<AccessVerdict>;

/** A viewer left or a publisher stopped: the context it was admitted with, plus how it went. */
export interface AccessEndContext extends AccessContext {
  /** Bytes sent to the viewer, or received from the publisher. */
  readonly bytes: number;
  /** Why it ended, e.g. 'left', 'unpublished', 'kicked', 'token-expired', 'disconnected'. */
  readonly reason: string;
}

/** Notification after the fact; its result and errors never affect the connection (errors are logged). */
export type AccessEndHook = (ctx: AccessEndContext) => void | Promise<void>;

/** Drops the IPv4-mapped IPv6 prefix, so rules and tokens see `1.2.3.4` whatever the listening socket. */
export function normalizeIp(ip: string): string {
  return /^::ffff:\d{1,3}(?:\.\d{1,3}){3}$/i.test(ip) ? ip.slice(7) : ip;
}
