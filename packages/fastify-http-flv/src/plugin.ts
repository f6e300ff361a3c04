import cors from '@fastify/cors';
import websocket from '@fastify/websocket';
import { LimitReporter, invalidKeyPart, streamKeyToString, type Hub, type StreamKey } from '@flvcast/hub';
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { FrameCache, LAST_HTTP_CHUNK, httpChunk, wsBinaryFrame } from './frame-cache.js';
import { HttpFlvSink } from './http-flv-sink.js';
import { validateOptions, type HttpFlvPluginOptions, type ResolvedHttpFlvOptions } from './options.js';
import { checkPlay, followViewer, type PlayGrant } from './play-access.js';
import { flvRequestLog, quietRouteLevel } from './request-log.js';
import { SocketSink } from './socket-sink.js';
import { closeWs } from './ws-close.js';
import { ViewerLimits, type ViewerLimit } from './viewer-limits.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The stream registry shared by the HTTP-FLV/WS-FLV routes and the RTMP ingest. */
    streams: Hub;
    /** FLV viewers counted against the maxViewers* limits (HTTP and WS). */
    flvViewers: ViewerLimits;
  }
  interface FastifyRequest {
    /** Set by the FLV routes' preHandler once the stream is known to exist. */
    flvStreamKey?: StreamKey;
    /** Set by the preHandler when access control let this viewer in. */
    flvGrant?: PlayGrant;
    /** Set by the preHandler on a refused WS upgrade: the socket is opened only to be closed with 4401/4403. */
    flvDenial?: { status: 401 | 403; reason: string };
    /** Set by the preHandler when a viewer limit refuses a WS upgrade: the WS handler closes with it. */
    flvRefusal?: { code: number; reason: string };
  }
}

const FLV_HEADERS = {
  'content-type': 'video/x-flv',
  'cache-control': 'no-cache, no-store',
  pragma: 'no-cache',
  expires: '-1',
  // nginx (and proxies that follow it) would buffer the endless body and add ~40 ms to every frame.
  'x-accel-buffering': 'no',
} as const;

async function httpFlv(fastify: FastifyInstance, opts: HttpFlvPluginOptions): Promise<void> {
  const options = validateOptions(opts);
  for (const line of options.deprecations) fastify.log.warn(line);
  const hub = options.hub;
  fastify.decorate('streams', hub);
  fastify.decorateRequest('flvStreamKey', undefined);
  fastify.decorateRequest('flvGrant', undefined);
  fastify.decorateRequest('flvDenial', undefined);
  fastify.decorateRequest('flvRefusal', undefined);
  const viewers = new ViewerLimits(options);
  fastify.decorate('flvViewers', viewers);
  const reporter = new LimitReporter(hub.events);
  // A viewer cut for accepting nothing is a limit hit too (the hub decides; we report it with the client).
  const offStop = hub.events.on('stop', ({ stream, subscriber, reason }) => {
    const { protocol, remoteAddress } = subscriber.info;
    if (reason !== 'stalled' || (protocol !== 'http-flv' && protocol !== 'ws-flv')) return;
    const fields = { stream: stream.name, client: subscriber.id };
    reporter.limit(fastify.log, { limit: 'stallTimeoutMs', protocol, remoteAddress }, 'ERR_FLV_VIEWER_STALLED', fields, `flv: viewer accepted nothing for ${hub.options.stallTimeoutMs} ms (stallTimeoutMs), disconnected`);
  });
  // A hub passed in may outlive this app.
  fastify.addHook('onClose', async () => offStop());

  // Long-lived viewers would keep close() waiting: end them before the server stops accepting.
  fastify.addHook('preClose', (done) => {
    hub.close();
    done();
  });

  // Routes live in their own context so CORS and WebSocket handling stay scoped to them.
  await fastify.register(async (scope) => {
    if (options.crossdomain) {
      await scope.register(cors, {
        origin: '*',
        methods: ['GET', 'HEAD', 'OPTIONS'],
        // No fixed list: a preflight is allowed the headers it asks for (mpegts.js `headers`, X-Auth-Token,
        // X-Requested-With...). With `*` and no credentials that exposes nothing a plain GET could not get.
        exposedHeaders: ['Content-Type', 'Content-Length', 'Server', 'Date'],
        maxAge: 86400,
      });
    }
    if (options.websocket && !scope.hasDecorator('websocketServer')) {
      await scope.register(websocket, {
        options: { maxPayload: 64 * 1024, perMessageDeflate: false },
        // A viewer sending bad frames is the client's fault: one throttled warn line with ws's code, not an
        // error with a stack per connection (a flood). Anything else is ours and stays an error.
        errorHandler: (err, socket, request) => {
          const code = (err as { code?: unknown }).code;
          if (typeof code === 'string' && code.startsWith('WS_ERR_')) reporter.warn(request.log, code, request.ip, {}, `ws: closing connection: ${err.message}`);
          else request.log.error({ err }, 'ws: handler error');
          socket.terminate();
        },
      });
    }
    const refusals = new WeakMap<FastifyRequest, Refusal>();
    const log = fastify.log;
    const checkStream = makePreHandler(options, viewers, reporter, refusals, log);
    const httpFrames = new FrameCache(httpChunk);
    const wsFrames = new FrameCache(wsBinaryFrame);
    const logLevel = quietRouteLevel(log);
    scope.route({
      method: 'GET',
      url: options.mount.url,
      exposeHeadRoute: false,
      ...(logLevel === undefined ? {} : { logLevel }),
      preHandler: checkStream,
      handler: (request, reply) => serveHttp(request, reply, options, httpFrames, log),
      ...(options.websocket ? { wsHandler: (socket: WebSocket, request: FastifyRequest) => serveWs(socket, request, options, wsFrames, log) } : {}),
    });
    scope.route({
      method: 'HEAD',
      url: options.mount.url,
      ...(logLevel === undefined ? {} : { logLevel }),
      preHandler: checkStream,
      handler: (_request, reply) => reply.code(200).headers(FLV_HEADERS).send(),
    });
    // FLV requests answered without a stream (HEAD, refusals, 404): one line each. (Viewers log when they
    // leave; a hijacked response never gets here.)
    scope.addHook('onResponse', async (request, reply) => {
      if (request.routeOptions.url !== options.mount.url) return;
      const refusal = refusals.get(request);
      if (refusal?.logged === true) return;
      const fields = { req: request, status: reply.statusCode, ms: Math.round(reply.elapsedTime), ...(refusal === undefined ? {} : { reason: refusal.reason }) };
      flvRequestLog(log, request).info(fields, 'flv: request answered');
    });
  });
}

/** Why a request got no stream, and whether a line saying so was logged already (access refusals). */
interface Refusal {
  reason: string;
  logged: boolean;
}

/** What a viewer refused by each limit gets: HTTP status, WS close code, log code. */
const REFUSALS: Record<ViewerLimit, { status: 429 | 503; wsCode: number; code: string }> = {
  maxViewers: { status: 503, wsCode: 4503, code: 'ERR_FLV_TOO_MANY_VIEWERS' },
  maxViewersPerStream: { status: 503, wsCode: 4503, code: 'ERR_FLV_TOO_MANY_VIEWERS_PER_STREAM' },
  maxViewersPerIp: { status: 429, wsCode: 4429, code: 'ERR_FLV_TOO_MANY_VIEWERS_PER_IP' },
};

/**
 * 400 for a bad name, then access control (before any FLV byte, and before revealing whether the stream
 * exists), then 404 at once for a stream nobody publishes: never hang on a stream that doesn't exist.
 * A GET past those checks takes a viewer slot (or is refused, before any FLV byte) until its connection closes.
 */
function makePreHandler(options: ResolvedHttpFlvOptions, viewers: ViewerLimits, reporter: LimitReporter, refusals: WeakMap<FastifyRequest, Refusal>, log: FastifyBaseLogger) {
  const guarded = options.onPlay !== undefined || options.signedUrls !== undefined || options.wsAllowedOrigins !== undefined || options.onStop !== undefined;
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const key = options.mount.key(request.params as Record<string, string>);
    const bad = invalidKeyPart(key);
    if (bad !== undefined) {
      refusals.set(request, { reason: `invalid ${bad} name`, logged: false });
      await reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `invalid ${bad} name: use letters, digits, _ - . (no "..")` });
      return;
    }
    if (guarded) {
      const decision = await checkPlay(request, key, options, flvRequestLog(log, request));
      if (clientGone(request)) {
        // It left while the hook ran: nothing to answer, nothing to serve.
        reply.hijack();
        return;
      }
      if (!decision.allowed) {
        if (request.ws && decision.handshake !== true) {
          // Browsers can't read an upgrade's HTTP status; a close code they can (4401/4403).
          request.flvDenial = { status: decision.status, reason: decision.reason };
          return;
        }
        const error = decision.status === 401 ? 'Unauthorized' : 'Forbidden';
        refusals.set(request, { reason: decision.reason, logged: true });
        await reply.code(decision.status).send({ statusCode: decision.status, error, message: decision.reason });
        return;
      }
      request.flvGrant = decision.grant;
    }
    if (options.hub.get(key) === undefined) {
      refusals.set(request, { reason: 'no such stream', logged: false });
      await reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no live stream ${streamKeyToString(key)}` });
      return;
    }
    if (request.method === 'GET') {
      const name = streamKeyToString(key);
      const slot = viewers.acquire(request.ip, name);
      if (typeof slot === 'string') {
        const refusal = REFUSALS[slot];
        const message = slot === 'maxViewersPerIp'
          ? `too many viewers from your address (maxViewersPerIp is ${options[slot]})`
          : slot === 'maxViewersPerStream'
            ? `stream ${name} has its maximum of ${options[slot]} viewers (maxViewersPerStream)`
            : `this server has its maximum of ${options[slot]} viewers (maxViewers)`;
        const protocol = request.ws === true ? 'ws-flv' : 'http-flv';
        reporter.limit(request.log, { limit: slot, protocol, remoteAddress: request.ip }, refusal.code, { stream: name }, `flv: viewer refused: ${message}`);
        if (request.ws === true) {
          // Browsers can't read an HTTP status on a failed upgrade, but they can read a close code.
          // (A close reason is at most 123 bytes: the limit's name, not the stream's.)
          request.flvRefusal = { code: refusal.wsCode, reason: `${slot} (${options[slot]}) reached` };
          return;
        }
        refusals.set(request, { reason: slot, logged: false });
        await reply
          .code(refusal.status)
          .header('retry-after', '10')
          .send({ statusCode: refusal.status, error: refusal.status === 429 ? 'Too Many Requests' : 'Service Unavailable', message });
        return;
      }
      // The slot lives as long as the viewer's connection (HTTP/1 socket, HTTP/2 stream, WS socket).
      reply.raw.once('close', slot.release);
    }
    request.flvStreamKey = key;
  };
}

function serveHttp(request: FastifyRequest, reply: FastifyReply, options: ResolvedHttpFlvOptions, frames: FrameCache, base: FastifyBaseLogger): void {
  const key = request.flvStreamKey!;
  // The response is ours from here: headers (CORS included) go out now, tags follow as they arrive.
  // A Range header on a live URL is ignored: always 200 and the stream from now.
  reply.hijack();
  const headers = { ...(reply.getHeaders() as OutgoingHttpHeaders), ...FLV_HEADERS };
  const raw = request.raw;
  let sink: HttpFlvSink | SocketSink;
  if (raw.httpVersion === '1.1') {
    // HTTP/1.1: straight to the socket, with chunk framing shared by all viewers (the hot path).
    const socket = raw.socket;
    sink = new SocketSink(socket, { frames, highWaterMark: options.highWaterMarkBytes, finish: () => socket.end(LAST_HTTP_CHUNK) });
    raw.socket.write(responseHead(headers));
  } else {
    // HTTP/1.0 and HTTP/2: through Node's response, which frames (or doesn't) as the protocol needs.
    reply.raw.writeHead(200, headers);
    reply.raw.flushHeaders();
    sink = new HttpFlvSink(reply.raw, options.highWaterMarkBytes);
  }
  const sub = options.hub.subscribe(key, sink, { protocol: 'http-flv', remoteAddress: request.ip });
  if (sub === undefined) {
    // The stream ended between the existence check and now: an empty stream, ended at once.
    sink.end('unpublished');
    return;
  }
  sink.subscriber = sub;
  const log = flvRequestLog(base, request, { stream: streamKeyToString(key), client: sub.id });
  log.debug({ protocol: 'http-flv', ip: request.ip }, 'flv: viewer joined');
  let expired = false;
  const gone = request.flvGrant === undefined ? undefined : followViewer(request.flvGrant, sub, options, log, () => {
    expired = true;
    sub.end('kicked');
  });
  // HTTP/2 streams end with their response; HTTP/1.1 fast-path viewers with their socket.
  (sink instanceof SocketSink ? raw.socket : reply.raw).once('close', () => {
    const reason = expired ? 'token-expired' : (sink.endReason ?? 'viewer left');
    log.info({ req: request, protocol: 'http-flv', ip: request.ip, ms: Math.round(reply.elapsedTime), bytes: sub.bytesSent, dropped: sub.droppedTags, reason }, 'flv: viewer left');
    gone?.(expired ? 'token-expired' : (sink.endReason ?? 'left'));
  });
}

/** A WebSocket close reason holds at most 123 bytes. */
function closeReason(text: string): string {
  let r = text;
  while (Buffer.byteLength(r) > 123) r = r.slice(0, -1);
  return r;
}

/** The client disconnected (HTTP/1 socket, or HTTP/2 stream). */
function clientGone(request: FastifyRequest): boolean {
  const raw = request.raw as FastifyRequest['raw'] & { stream?: { destroyed: boolean } };
  return raw.stream !== undefined ? raw.stream.destroyed : raw.socket.destroyed;
}

/** Status line and headers of an endless chunked HTTP/1.1 response; the connection closes when it ends. */
function responseHead(headers: OutgoingHttpHeaders): string {
  let head = 'HTTP/1.1 200 OK\r\n';
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === 'content-length' || name === 'connection' || name === 'transfer-encoding') continue;
    for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${v}\r\n`;
  }
  return `${head}date: ${new Date().toUTCString()}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n`;
}

function serveWs(socket: WebSocket, request: FastifyRequest, options: ResolvedHttpFlvOptions, frames: FrameCache, base: FastifyBaseLogger): void {
  const started = performance.now();
  const refusal = request.flvDenial === undefined ? request.flvRefusal : { code: 4000 + request.flvDenial.status, reason: closeReason(request.flvDenial.reason) };
  if (refusal !== undefined) {
    // Access refusals were logged when they were decided (play-access); limit refusals are logged here.
    if (request.flvDenial === undefined) flvRequestLog(base, request).info({ req: request, protocol: 'ws-flv', ip: request.ip, code: refusal.code, reason: refusal.reason }, 'flv: request answered');
    socket.close(refusal.code, refusal.reason);
    // A peer that never answers the close frame must not keep the socket for ws's 30 s close timeout.
    const timer = setTimeout(() => socket.terminate(), 2_000);
    socket.once('close', () => clearTimeout(timer));
    return;
  }
  const key = request.flvStreamKey;
  if (key === undefined) {
    flvRequestLog(base, request).info({ req: request, protocol: 'ws-flv', ip: request.ip, code: 4404, reason: 'no such stream' }, 'flv: request answered');
    socket.close(4404, 'no such stream');
    return;
  }
  // Whole frames go straight to the upgraded TCP socket under `ws`, so they never interleave with the
  // frames `ws` itself sends (pongs, the close frame).
  let expired = false;
  const sink = new SocketSink(request.raw.socket, {
    frames,
    highWaterMark: options.highWaterMarkBytes,
    finish: (reason) => (expired ? socket.close(4401, 'token expired') : closeWs(socket, reason)),
    open: () => socket.readyState === socket.OPEN,
  });
  const sub = options.hub.subscribe(key, sink, { protocol: 'ws-flv', remoteAddress: request.ip });
  if (sub === undefined) {
    socket.close(4404, 'no such stream');
    return;
  }
  sink.subscriber = sub;
  const log = flvRequestLog(base, request, { stream: streamKeyToString(key), client: sub.id });
  log.debug({ protocol: 'ws-flv', ip: request.ip }, 'flv: viewer joined');
  const gone = request.flvGrant === undefined ? undefined : followViewer(request.flvGrant, sub, options, log, () => {
    expired = true;
    sub.end('kicked');
  });
  // Viewers only read; anything they send is ignored (mpegts.js sends nothing).
  socket.on('close', (code) => {
    sub.close();
    const reason = expired ? 'token-expired' : (sink.endReason ?? 'viewer left');
    log.info({ req: request, protocol: 'ws-flv', ip: request.ip, ms: Math.round(performance.now() - started), bytes: sub.bytesSent, dropped: sub.droppedTags, reason, code }, 'flv: viewer left');
    gone?.(expired ? 'token-expired' : (sink.endReason ?? 'left'));
  });
}

export const fastifyHttpFlv = fp(httpFlv, { fastify: '5.x', name: '@flvcast/fastify-http-flv' });
