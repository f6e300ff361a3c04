import { createHash, timingSafeEqual } from 'node:crypto';
import { normalizeIp } from '@flvcast/access';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Who may call an ops route: a bearer token (from anywhere) and/or clients allowed without one. */
export interface ResolvedAccess {
  token: string | undefined;
  allowWithoutToken: (ip: string) => boolean;
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms: a client on this very machine. */
export function isLoopback(ip: string): boolean {
  return ip === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(normalizeIp(ip));
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * An onRequest hook. A request that presents a token must present the right one (401 otherwise); one
 * without a token passes only if its address is allowed: else 401 when a token would help, 403 when none
 * is configured (nothing the client sends can help).
 */
export function accessGuard(access: ResolvedAccess) {
  // Digests have one length, so the comparison takes the same time whatever the candidate's length.
  const expected = access.token === undefined ? undefined : digest(access.token);
  // Returning the reply after sending tells Fastify the request is answered (an async hook's early response).
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const header = request.headers.authorization;
    if (expected !== undefined && header !== undefined) {
      const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
      if (match !== null && timingSafeEqual(digest(match[1]!), expected)) return undefined;
      return deny(reply, 401, 'invalid bearer token');
    }
    if (access.allowWithoutToken(request.ip)) return undefined;
    if (expected !== undefined) return deny(reply, 401, 'a bearer token is required');
    return deny(reply, 403, `not allowed from ${request.ip} (configure a token to allow remote clients)`);
  };
}

function deny(reply: FastifyReply, code: 401 | 403, message: string): FastifyReply {
  if (code === 401) reply.header('www-authenticate', 'Bearer realm="flvcast"');
  return reply.code(code).send({ statusCode: code, error: code === 401 ? 'Unauthorized' : 'Forbidden', message });
}
