import cors from '@fastify/cors';
import websocket from '@fastify/websocket';
import { fastifyHub } from '@flvcast/fastify-hub';
import { EndReason, invalidKeyPart, streamKeyToString, type LiveStream, type StreamKey, type Subscriber, type ViewerLimit, type ViewerLimits } from '@flvcast/hub';
import type { Format } from '@flvcast/media';
import { LimitReporter, isLogCode, type LogCode } from '@flvcast/limits';
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { FrameCache, LAST_HTTP_CHUNK, httpChunk, wsBinaryFrame } from './frame-cache.js';
import { FST_FLVCAST_INVALID_OPTION } from './errors.js';
import { validateOptions, type HttpFlvPluginOptions, type ResolvedHttpFlvOptions, type ServedMount } from './options.js';
import { checkPlay, followViewer, type PlayGrant } from './play-access.js';
import { flvRequestLog, quietRouteLevel } from './request-log.js';
import { TransportSink, type TransportTarget } from './transport-sink.js';
import { closeWs } from './ws-close.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** @deprecated the hub's `streams.viewers` (every protocol's viewers, RTMP players included). */
    flvViewers: ViewerLimits;
  }
}

/**
 * What the FLV routes know of one request between its checks and its handler: private to the plugin (a
 * WeakMap, not decorations on every request of the app), gone with the request.
 */
interface FlvRequestState {
  /** The stream, once it is known to exist and the viewer may watch it. */
  key?: StreamKey;
  /** Access control let this viewer in on these terms. */
  grant?: PlayGrant;
  /** Why the request gets no stream; WS refusals carry the close code, and `logged` when a line said so already. */
  refusal?: { reason: string; logged: boolean; wsCode?: number };
}

/** Headers of every live response; the content type is the mount's container's. */
const LIVE_HEADERS = {
  'cache-control': 'no-cache, no-store',
  pragma: 'no-cache',
  expires: '-1',
  // nginx (and proxies that follow it) would buffer the endless body and add ~40 ms to every frame.
  'x-accel-buffering': 'no',
} as const;

/**
 * Longest a request waits to learn whether its format can serve a stream that was just published (codecs not
 * known yet) before it is served like any viewer of a stream not yet settled.
 */
const DECIDE_WAIT_MS = 5000;

/** WS close code for a format that cannot serve the stream: 4000 + HTTP 415, as the other refusals. */
const WS_UNSUPPORTED = 4415;

async function httpFlv(fastify: FastifyInstance, opts: HttpFlvPluginOptions): Promise<void> {
  const validated = validateOptions(opts);
  for (const line of validated.deprecations) fastify.log.warn(line);
  // The hub is the hub plugin's; registering this plugin alone registers that one too (with these options).
  if (!fastify.hasDecorator('streams')) await fastify.register(fastifyHub, { hub: validated.hub });
  else if (opts.hub !== undefined && opts.hub !== fastify.streams) throw new FST_FLVCAST_INVALID_OPTION('hub', 'this app already has a hub (fastify.streams): pass that one or none');
  const hub = fastify.streams;
  const options: ResolvedHttpFlvOptions = { ...validated, hub };
  // The hub counts viewers of every protocol (RTMP players too) against the maxViewers* limits.
  const viewers = hub.viewers;
  fastify.decorate('flvViewers', viewers);
  const reporter = new LimitReporter(hub.events);
  const protocols = new Set(options.mounts.flatMap((m) => [m.output.protocols.http, m.output.protocols.ws]));
  // A viewer cut for accepting nothing is a limit hit too (the hub decides; we report it with the client).
  const offStop = hub.events.on('stop', ({ stream, subscriber, reason }) => {
    const { protocol, remoteAddress } = subscriber.info;
    if (reason !== 'stalled' || !protocols.has(protocol)) return;
    const fields = { stream: stream.name, client: subscriber.id };
    reporter.limit(fastify.log, { limit: 'stallTimeoutMs', protocol, remoteAddress }, 'ERR_FLV_VIEWER_STALLED', fields, `flv: viewer accepted nothing for ${hub.options.stallTimeoutMs} ms (stallTimeoutMs), disconnected`);
  });
  // A hub passed in may outlive this app.
  fastify.addHook('onClose', async () => offStop());

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
          if (isLogCode(code) && code.startsWith('WS_ERR_')) reporter.warn(request.log, code, request.ip, {}, `ws: closing connection: ${err.message}`);
          else request.log.error({ err }, 'ws: handler error');
          socket.terminate();
        },
      });
    }
    const requests = new WeakMap<FastifyRequest, FlvRequestState>();
    const log = fastify.log;
    // Framing caches are per transport, shared by every mount: a frame's bytes are one format's anyway.
    const httpFrames = new FrameCache(httpChunk);
    const wsFrames = new FrameCache(wsBinaryFrame);
    const logLevel = quietRouteLevel(log);
    // Every mount alike: GET, HEAD and WS, the same checks, limits and logs; only the container differs.
    for (const served of options.mounts) {
      const checkStream = makePreHandler(options, served, viewers, reporter, requests, log);
      scope.route({
        method: 'GET',
        url: served.mount.url,
        exposeHeadRoute: false,
        ...(logLevel === undefined ? {} : { logLevel }),
        preHandler: checkStream,
        handler: (request, reply) => serveHttp(request, reply, requests.get(request) ?? {}, options, served, httpFrames, log),
        ...(options.websocket ? { wsHandler: (socket: WebSocket, request: FastifyRequest) => serveWs(socket, request, requests.get(request) ?? {}, options, served, wsFrames, log) } : {}),
      });
      scope.route({
        method: 'HEAD',
        url: served.mount.url,
        ...(logLevel === undefined ? {} : { logLevel }),
        preHandler: checkStream,
        handler: (_request, reply) => reply.code(200).headers({ 'content-type': served.output.contentType, ...LIVE_HEADERS }).send(),
      });
    }
    const urls = new Set(options.mounts.map((m) => m.mount.url));
    // Live requests answered without a stream (HEAD, refusals, 404, 415): one line each. (Viewers log when
    // they leave; a hijacked response never gets here.)
    scope.addHook('onResponse', async (request, reply) => {
      if (!urls.has(request.routeOptions.url ?? '')) return;
      const refusal = requests.get(request)?.refusal;
      if (refusal?.logged === true) return;
      const fields = { req: request, status: reply.statusCode, ms: Math.round(reply.elapsedTime), ...(refusal === undefined ? {} : { reason: refusal.reason }) };
      flvRequestLog(log, request).info(fields, 'flv: request answered');
    });
  });
}

/** What a viewer refused by each limit gets: HTTP status, WS close code, log code. */
const REFUSALS: Record<ViewerLimit, { status: 429 | 503; wsCode: number; code: LogCode }> = {
  maxViewers: { status: 503, wsCode: 4503, code: 'ERR_FLV_TOO_MANY_VIEWERS' },
  maxViewersPerStream: { status: 503, wsCode: 4503, code: 'ERR_FLV_TOO_MANY_VIEWERS_PER_STREAM' },
  maxViewersPerIp: { status: 429, wsCode: 4429, code: 'ERR_FLV_TOO_MANY_VIEWERS_PER_IP' },
};

/**
 * 400 for a bad name, then access control (before any body byte, and before revealing whether the stream
 * exists), then 404 at once for a stream nobody publishes (never hang on a stream that doesn't exist), then
 * 415 when the mount's container cannot carry the stream's codecs. A GET past those checks takes a viewer
 * slot (or is refused, before any body byte) until its connection closes.
 */
function makePreHandler(options: ResolvedHttpFlvOptions, served: ServedMount, viewers: ViewerLimits, reporter: LimitReporter, requests: WeakMap<FastifyRequest, FlvRequestState>, log: FastifyBaseLogger) {
  const { mount, output } = served;
  const guarded = options.onPlay !== undefined || options.signedUrls !== undefined || options.wsAllowedOrigins !== undefined || options.onStop !== undefined;
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const state: FlvRequestState = {};
    requests.set(request, state);
    const key = mount.key(request.params as Record<string, string>);
    const bad = invalidKeyPart(key);
    if (bad !== undefined) {
      state.refusal = { reason: `invalid ${bad} name`, logged: false };
      await reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `invalid ${bad} name: use letters, digits, _ - . (no "..")` });
      return;
    }
    if (guarded) {
      const decision = await checkPlay(request, key, options, output.protocols, flvRequestLog(log, request));
      if (clientGone(request)) {
        // It left while the hook ran: nothing to answer, nothing to serve.
        reply.hijack();
        return;
      }
      if (!decision.allowed) {
        // Logged once already, where it was decided.
        state.refusal = { reason: decision.reason, logged: true };
        if (request.ws && decision.handshake !== true) {
          // Browsers can't read an upgrade's HTTP status; a close code they can (4401/4403).
          state.refusal.wsCode = 4000 + decision.status;
          return;
        }
        const error = { 401: 'Unauthorized', 403: 'Forbidden', 409: 'Conflict' }[decision.status];
        await reply.code(decision.status).send({ statusCode: decision.status, error, message: decision.reason });
        return;
      }
      state.grant = decision.grant;
    }
    // A stream nobody publishes may still be resolved (an edge pulling from its origin), for a bounded time.
    let stream = options.hub.get(key);
    if (stream === undefined) {
      const url = request.raw.url ?? '';
      const at = url.indexOf('?');
      stream = await options.hub.find(key, { query: at < 0 ? '' : url.slice(at + 1) });
      if (clientGone(request)) {
        reply.hijack();
        return;
      }
    }
    if (stream === undefined) {
      state.refusal = { reason: 'no such stream', logged: false };
      await reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no live stream ${streamKeyToString(key)}` });
      return;
    }
    const unsupported = await formatProblem(request, stream, output.format);
    if (unsupported === false) {
      reply.hijack();
      return;
    }
    if (unsupported !== undefined) {
      if (request.ws === true) {
        state.refusal = { reason: unsupported, logged: false, wsCode: WS_UNSUPPORTED };
        return;
      }
      state.refusal = { reason: unsupported, logged: false };
      await reply.code(415).send({ statusCode: 415, error: 'Unsupported Media Type', message: `stream ${stream.name}: ${unsupported}` });
      return;
    }
    // Internal subscribers (another process's relay) are not viewers: no slot, no viewer limit.
    if (request.method === 'GET' && !options.internal) {
      const name = streamKeyToString(key);
      const slot = viewers.acquire(request.ip, name);
      if (typeof slot === 'string') {
        const refusal = REFUSALS[slot];
        const message = slot === 'maxViewersPerIp'
          ? `too many viewers from your address (maxViewersPerIp is ${options.hub.options[slot]})`
          : slot === 'maxViewersPerStream'
            ? `stream ${name} has its maximum of ${options.hub.options[slot]} viewers (maxViewersPerStream)`
            : `this server has its maximum of ${options.hub.options[slot]} viewers (maxViewers)`;
        const protocol = request.ws === true ? output.protocols.ws : output.protocols.http;
        reporter.limit(request.log, { limit: slot, protocol, remoteAddress: request.ip }, refusal.code, { stream: name }, `flv: viewer refused: ${message}`);
        if (request.ws === true) {
          // Browsers can't read an HTTP status on a failed upgrade, but they can read a close code.
          // (A close reason is at most 123 bytes: the limit's name, not the stream's.)
          state.refusal = { reason: `${slot} (${options.hub.options[slot]}) reached`, logged: false, wsCode: refusal.wsCode };
          return;
        }
        state.refusal = { reason: slot, logged: false };
        await reply
          .code(refusal.status)
          .header('retry-after', '10')
          .send({ statusCode: refusal.status, error: refusal.status === 429 ? 'Too Many Requests' : 'Service Unavailable', message });
        return;
      }
      // The slot lives as long as the viewer's connection (HTTP/1 socket, HTTP/2 stream, WS socket).
      reply.raw.once('close', slot.release);
    }
    state.key = key;
  };
}

/**
 * Why `format` cannot serve `stream` (the 415 message), undefined when it can, false when the client left
 * meanwhile. Codecs not known yet (a stream just published) are waited for, up to DECIDE_WAIT_MS or the
 * client leaving, so the answer still comes before any body byte; past that the viewer is served.
 */
async function formatProblem(request: FastifyRequest, stream: LiveStream, format: Format): Promise<string | undefined | false> {
  if (format.unsupported === undefined && format.audioOnly !== true) return undefined;
  let verdict = stream.unsupported(format);
  if (verdict === null) {
    const raw = request.raw as FastifyRequest['raw'] & { stream?: NodeJS.EventEmitter };
    const peer: NodeJS.EventEmitter = raw.stream ?? raw.socket;
    const controller = new AbortController();
    const abort = () => controller.abort();
    const timer = setTimeout(abort, DECIDE_WAIT_MS);
    peer.once('close', abort);
    try {
      await stream.whenDecided(format, controller.signal);
    } finally {
      clearTimeout(timer);
      peer.off('close', abort);
    }
    if (clientGone(request)) return false;
    verdict = stream.unsupported(format);
  }
  return verdict ?? undefined;
}

function serveHttp(request: FastifyRequest, reply: FastifyReply, state: FlvRequestState, options: ResolvedHttpFlvOptions, served: ServedMount, frames: FrameCache, base: FastifyBaseLogger): void {
  const key = state.key!;
  // The response is ours from here: headers (CORS included) go out now, tags follow as they arrive.
  // A Range header on a live URL is ignored: always 200 and the stream from now.
  reply.hijack();
  const headers = { ...(reply.getHeaders() as OutgoingHttpHeaders), 'content-type': served.output.contentType, ...LIVE_HEADERS };
  const raw = request.raw;
  // HTTP/1.1: straight to the socket, with chunk framing shared by all viewers (the hot path). HTTP/1.0 and
  // HTTP/2: through Node's response, which frames (or doesn't) as the protocol needs.
  const fast = raw.httpVersion === '1.1';
  const socket = raw.socket;
  const target: TransportTarget = fast ? socket : (reply.raw as unknown as TransportTarget);
  // The end of the body: the last chunk on the raw socket, or the response's own end.
  const finish = fast ? () => void socket.end(LAST_HTTP_CHUNK) : () => void reply.raw.end();
  if (fast) socket.write(responseHead(headers));
  else {
    reply.raw.writeHead(200, headers);
    reply.raw.flushHeaders();
  }
  // The viewer's stream (header, metadata, configuration, cached GOP) starts as it subscribes.
  const protocol = served.output.protocols.http;
  // Another server pulling (an edge, a worker): one connection feeding many viewers, whose own server merges
  // their writes. Merging here too would only add a window of latency to every one of them.
  const relay = options.internal || isRelayPull(request.headers['user-agent']);
  const sub = options.hub.subscribe(key, served.output.format, (subscriber) => new TransportSink(subscriber, target, {
    frames: fast ? frames : undefined,
    highWaterMark: options.highWaterMarkBytes,
    finish,
  }), { protocol, remoteAddress: request.ip, internal: options.internal, demand: options.internal }, relay ? { mergeWriteMs: 0 } : undefined);
  if (sub === undefined) {
    // The stream ended between the existence check and now: an empty stream, ended at once.
    finish();
    return;
  }
  const log = flvRequestLog(base, request, { stream: streamKeyToString(key), client: sub.id });
  log.debug({ protocol, ip: request.ip }, 'flv: viewer joined');
  const gone = followGrant(state, sub, options, log);
  // HTTP/2 streams end with their response; HTTP/1.1 fast-path viewers with their socket.
  (fast ? socket : reply.raw).once('close', () => {
    const reason = sub.endReason ?? EndReason.left;
    log.info({ req: request, protocol, ip: request.ip, ms: Math.round(reply.elapsedTime), bytes: sub.bytesSent, dropped: sub.droppedTags, reason }, 'flv: viewer left');
    gone?.(reason);
  });
}

/** A viewer let in on a signed URL or an onStop hook: cut it when the URL expires, tell onStop when it goes. */
function followGrant(state: FlvRequestState, sub: Subscriber, options: ResolvedHttpFlvOptions, log: FastifyBaseLogger): ((reason: string) => void) | undefined {
  if (state.grant === undefined) return undefined;
  return followViewer(state.grant, sub, options, log, () => sub.end(EndReason.tokenExpired));
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

function serveWs(socket: WebSocket, request: FastifyRequest, state: FlvRequestState, options: ResolvedHttpFlvOptions, served: ServedMount, frames: FrameCache, base: FastifyBaseLogger): void {
  const started = performance.now();
  const protocol = served.output.protocols.ws;
  const refusal = state.refusal;
  if (refusal?.wsCode !== undefined) {
    // Access refusals were logged when they were decided (play-access); limit refusals are logged here.
    const reason = closeReason(refusal.reason);
    if (!refusal.logged) flvRequestLog(base, request).info({ req: request, protocol, ip: request.ip, code: refusal.wsCode, reason }, 'flv: request answered');
    socket.close(refusal.wsCode, reason);
    // A peer that never answers the close frame must not keep the socket for ws's 30 s close timeout.
    const timer = setTimeout(() => socket.terminate(), 2_000);
    socket.once('close', () => clearTimeout(timer));
    return;
  }
  const key = state.key;
  if (key === undefined) {
    flvRequestLog(base, request).info({ req: request, protocol, ip: request.ip, code: 4404, reason: 'no such stream' }, 'flv: request answered');
    socket.close(4404, 'no such stream');
    return;
  }
  // Whole frames go straight to the upgraded TCP socket under `ws`, so they never interleave with the
  // frames `ws` itself sends (pongs, the close frame).
  const sub = options.hub.subscribe(key, served.output.format, (subscriber) => new TransportSink(subscriber, request.raw.socket, {
    frames,
    highWaterMark: options.highWaterMarkBytes,
    finish: (reason) => closeWs(socket, reason),
    open: () => socket.readyState === socket.OPEN,
  }), { protocol, remoteAddress: request.ip, internal: options.internal, demand: options.internal });
  if (sub === undefined) {
    socket.close(4404, 'no such stream');
    return;
  }
  const log = flvRequestLog(base, request, { stream: streamKeyToString(key), client: sub.id });
  log.debug({ protocol, ip: request.ip }, 'flv: viewer joined');
  const gone = followGrant(state, sub, options, log);
  // Viewers only read; anything they send is ignored (mpegts.js sends nothing).
  socket.on('close', (code) => {
    sub.close();
    const reason = sub.endReason ?? EndReason.left;
    log.info({ req: request, protocol, ip: request.ip, ms: Math.round(performance.now() - started), bytes: sub.bytesSent, dropped: sub.droppedTags, reason, code }, 'flv: viewer left');
    gone?.(reason);
  });
}

export const fastifyHttpFlv = fp(httpFlv, { fastify: '5.x', name: '@flvcast/fastify-http-flv' });

/** flvcast's own pull client (`@flvcast/relay` HttpFlvClient) says so in its User-Agent. */
function isRelayPull(userAgent: string | undefined): boolean {
  return userAgent !== undefined && /^flvcast-pull(\/|$)/.test(userAgent);
}
