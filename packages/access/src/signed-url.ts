import { createHmac, timingSafeEqual } from 'node:crypto';
import { normalizeIp, type AccessAction, type AccessStatus } from './access-context.js';

/** Query parameter names of a signed URL. */
export const SIGNED_URL_PARAMS = { expires: 'expires', token: 'token', ip: 'ip' } as const;

/** Shorter secrets are refused: an HMAC key is only as strong as it is unguessable. */
export const MIN_SECRET_LENGTH = 16;

export interface SignStreamOptions {
  secret: string;
  /** A play token can't publish and a publish token can't play: the action is part of what is signed. */
  action: AccessAction;
  /** `app/stream`, or `vhost/app/stream` when the server mounts vhosts. */
  stream: string;
  /** Unix time in seconds after which the token is refused (and, with kickOnExpiry, the client cut). */
  expiresAt: number;
  /** Binds the token to one client address. */
  ip?: string;
}

/** The query parameters that make a URL for `stream` valid until `expiresAt`: `expires`, `token` (+ `ip`). */
export function signStream(opts: SignStreamOptions): Record<string, string> {
  const expires = String(Math.floor(opts.expiresAt));
  const ip = opts.ip === undefined || opts.ip === '' ? undefined : normalizeIp(opts.ip);
  const token = mac(opts.secret, opts.action, opts.stream, expires, ip ?? '').toString('base64url');
  return ip === undefined ? { expires, token } : { expires, token, ip };
}

export interface VerifyStreamOptions {
  secret: string;
  action: AccessAction;
  stream: string;
  query: Readonly<Record<string, string>>;
  /** The client's address, checked when the token is bound to one. */
  ip: string;
  /** Unix time in seconds. */
  now: number;
}

export type SignedUrlCheck =
  | { readonly ok: true; readonly expiresAt: number }
  | { readonly ok: false; readonly status: AccessStatus; readonly reason: string };

/** Checks a signed URL's query in constant time. Missing, malformed, forged and expired tokens are 401. */
export function verifySignedStream(opts: VerifyStreamOptions): SignedUrlCheck {
  const { query } = opts;
  const expires = query[SIGNED_URL_PARAMS.expires];
  const token = query[SIGNED_URL_PARAMS.token];
  if (token === undefined || expires === undefined) return { ok: false, status: 401, reason: 'signed URL required (expires and token)' };
  if (!/^\d{1,12}$/.test(expires)) return { ok: false, status: 401, reason: 'malformed expires' };
  const boundIp = query[SIGNED_URL_PARAMS.ip];
  // Node's base64url decoder skips characters outside the alphabet and ignores the last character's spare
  // bits, so many strings decode to the signature we issued. Only the one we issued is accepted.
  const given = Buffer.from(token, 'base64url');
  if (given.toString('base64url') !== token) return { ok: false, status: 401, reason: 'invalid token' };
  const expected = mac(opts.secret, opts.action, opts.stream, expires, boundIp === undefined ? '' : normalizeIp(boundIp));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, status: 401, reason: 'invalid token' };
  const expiresAt = Number(expires);
  if (expiresAt <= opts.now) return { ok: false, status: 401, reason: 'token expired' };
  // The signature covers the bound address, so only the check against the client is left.
  if (boundIp !== undefined && normalizeIp(boundIp) !== normalizeIp(opts.ip)) return { ok: false, status: 403, reason: 'token bound to another address' };
  return { ok: true, expiresAt };
}

function mac(secret: string, action: AccessAction, stream: string, expires: string, ip: string): Buffer {
  // Newline-separated fields: none of them may contain one (names are validated, numbers are digits).
  return createHmac('sha256', secret).update(`flvcast-v1\n${action}\n${stream}\n${expires}\n${ip}`).digest();
}
