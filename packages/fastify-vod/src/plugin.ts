import cors from '@fastify/cors';
import send from '@fastify/send';
import { open } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { confinedFile } from './confined-file.js';
import { NotFlvError, VodFileFacts } from './file-facts.js';
import { validateVodOptions, type ResolvedVodOptions, type VodPluginOptions } from './options.js';
import { RecordingsCatalog, emptyCatalog, type VodCatalog } from './recordings-catalog.js';
import { parseStartQuery, resolveStart } from './start-position.js';
import { startBody, startStream } from './start-response.js';
import { checkVodPlay, followVodResponse, vodGuarded } from './vod-access.js';
import { parseVodPath } from './vod-path.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The recordings under the VOD directory (empty without one): `list()`, `remove(id)`. */
    vod: VodCatalog;
  }
}

const FLV_TYPE = 'video/x-flv';

/** Headers a page's player must read to seek with Range (CORS hides all but a few otherwise). */
const EXPOSED = ['Content-Type', 'Content-Length', 'Content-Range', 'Accept-Ranges', 'ETag', 'Last-Modified', 'Date'];

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error' };

function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ statusCode: status, error: STATUS_TEXT[status] ?? 'Error', message });
}

async function vod(fastify: FastifyInstance, opts: VodPluginOptions): Promise<void> {
  const options = validateVodOptions(opts);
  const log = fastify.log.child({ plugin: 'vod' });
  if (options.vodDir === '') {
    fastify.decorate('vod', emptyCatalog);
    return;
  }
  const facts = new VodFileFacts(options.vodIndexCacheEntries);
  const catalog = new RecordingsCatalog({ dir: options.vodDir, mount: options.vodMount, facts, log });
  fastify.decorate('vod', { list: () => catalog.list(), remove: (id: string) => catalog.remove(id) });

  // Own context with the mount as prefix: CORS (and its OPTIONS route) stays on these routes.
  await fastify.register(
    async (scope) => {
      if (options.crossdomain) {
        await scope.register(cors, { origin: '*', methods: ['GET', 'HEAD', 'OPTIONS'], exposedHeaders: EXPOSED, maxAge: 86400 });
      }
      const handler = (request: FastifyRequest, reply: FastifyReply) => serveFile(request, reply, options, facts, log);
      scope.route({ method: ['GET', 'HEAD'], url: '/*', handler });
    },
    { prefix: options.vodMount },
  );

  if (options.vodFeed) {
    // What the VOD routes serve anyway, listed for the dashboard: no more than a public GET could find.
    fastify.get(`${options.vodMount}.json`, async (_request, reply) => {
      if (options.crossdomain) reply.header('access-control-allow-origin', '*');
      reply.header('cache-control', 'no-store');
      return { recordings: await catalog.list() };
    });
  }
}

/**
 * One VOD request: the path checked without the disk (400/404), access (401/403), the file found and
 * confined (404/403), then the whole file through @fastify/send (Range, ETag, Last-Modified, 416) or, for
 * `?start=`/`?starttime=`, the re-headed tail (400 when the offset is no keyframe of the file).
 */
async function serveFile(request: FastifyRequest, reply: FastifyReply, options: ResolvedVodOptions, facts: VodFileFacts, log: FastifyBaseLogger): Promise<FastifyReply> {
  const url = request.raw.url ?? '';
  const q = url.indexOf('?');
  const rawPath = (q < 0 ? url : url.slice(0, q)).slice(options.vodMount.length);
  const parsed = parseVodPath(rawPath);
  if (!parsed.ok) return refuse(reply, parsed.status, parsed.reason);
  const start = parseStartQuery(request.query as Record<string, unknown>);
  if (start.kind === 'invalid') return refuse(reply, 400, start.reason);

  const grant = vodGuarded(options) ? await checkVodPlay(request, parsed.path, options, log) : undefined;
  if (grant !== undefined && !grant.allowed) return refuse(reply, grant.status, grant.reason);
  const found = await confinedFile(options.vodDir, parsed.segments);
  if (!found.ok) {
    if (found.status === 403) log.warn({ ip: request.ip, path: parsed.path }, `vod: refused: ${found.reason}`);
    return refuse(reply, found.status, found.status === 404 ? `no recording ${parsed.path}` : found.reason);
  }
  const follow = (body: Readable): Readable => (grant === undefined ? body : followVodResponse(grant.grant, reply, body, options, log));

  if (start.kind === 'file') {
    const sent = await send(request.raw, `/${encodeURIComponent(basename(found.file))}`, {
      root: dirname(found.file),
      index: false,
      dotfiles: 'deny',
      // Recordings are rewritten in place at most once (the DVR's index): revalidate every time.
      maxAge: 0,
    });
    reply.code(sent.statusCode).headers(sent.headers);
    if (sent.statusCode === 200 || sent.statusCode === 206) reply.header('content-type', FLV_TYPE);
    return reply.send(sent.statusCode < 300 && request.method === 'GET' ? follow(sent.stream) : sent.stream);
  }

  const version = { file: found.file, size: found.stat.size, mtimeMs: found.stat.mtimeMs };
  let index;
  try {
    index = await facts.index(version);
  } catch (err) {
    if (err instanceof NotFlvError) return refuse(reply, 400, `${parsed.path} is not an FLV file: it cannot be started at an offset`);
    throw err;
  }
  const at = resolveStart(start, index.keyframes);
  if (!at.ok) return refuse(reply, 400, at.reason);
  const handle = await open(found.file, 'r');
  let handed = false;
  try {
    const body = await startBody(handle, index, at.offset, version.size);
    reply.code(200).headers({ 'content-type': FLV_TYPE, 'content-length': String(body.length), 'cache-control': 'no-cache', 'accept-ranges': 'none' });
    if (request.method === 'HEAD') return reply.send();
    handed = true;
    return reply.send(follow(startStream(handle, body, version.size)));
  } finally {
    if (!handed) await handle.close();
  }
}

/** FLV files below a directory, served with Range and `?start=`/`?starttime=` seeking, and their catalog (`fastify.vod`). */
export const fastifyVod = fp(vod, { fastify: '5.x', name: '@flvcast/fastify-vod' });
