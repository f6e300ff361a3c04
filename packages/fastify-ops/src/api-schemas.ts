/**
 * JSON schemas of the API: Fastify validates params with them and serializes responses through them (so a
 * field missing here never reaches a client), and they document the API for tools that read route schemas.
 */

const NAME_PATTERN = '^[A-Za-z0-9_.-]{1,128}$';
const name = { type: 'string', pattern: NAME_PATTERN } as const;
const counts = { type: 'object', additionalProperties: { type: 'integer' } } as const;
const nullable = <T extends object>(schema: T) => ({ anyOf: [schema, { type: 'null' }] }) as const;

export const errorSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
  },
  required: ['statusCode', 'error', 'message'],
} as const;

export const streamSummarySchema = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'app/stream, or vhost/app/stream; also its path under /streams/' },
    vhost: { type: 'string' },
    app: { type: 'string' },
    stream: { type: 'string' },
    publishing: { type: 'boolean', description: 'false while viewers wait for a dropped publisher' },
    publisher: nullable({
      type: 'object',
      properties: { id: { type: 'string' }, protocol: { type: 'string' }, remoteAddress: { type: ['string', 'null'] } },
      required: ['id', 'protocol', 'remoteAddress'],
    }),
    uptimeMs: { type: 'integer', description: 'since the current publisher began' },
    video: nullable({
      type: 'object',
      properties: { codec: { type: 'string' }, width: { type: ['integer', 'null'] }, height: { type: ['integer', 'null'] }, fps: { type: 'number' } },
      required: ['codec', 'width', 'height', 'fps'],
    }),
    audio: nullable({
      type: 'object',
      properties: { codec: { type: 'string' }, sampleRate: { type: ['integer', 'null'] }, channels: { type: ['integer', 'null'] } },
      required: ['codec', 'sampleRate', 'channels'],
    }),
    ingestKbps: { type: 'number', description: 'ingest bitrate over the last couple of seconds' },
    gopMs: { type: 'integer', description: 'media time between the last two keyframes' },
    bytesIn: { type: 'integer' },
    viewers: {
      type: 'object',
      properties: { total: { type: 'integer' }, byProtocol: counts, byFormat: counts },
      required: ['total', 'byProtocol', 'byFormat'],
    },
    droppedTags: { type: 'integer', description: 'tags dropped for slow viewers (current viewers)' },
  },
  required: ['name', 'vhost', 'app', 'stream', 'publishing', 'publisher', 'uptimeMs', 'video', 'audio', 'ingestKbps', 'gopMs', 'bytesIn', 'viewers', 'droppedTags'],
} as const;

export const clientSummarySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    role: { type: 'string', enum: ['publisher', 'viewer'] },
    internal: { type: 'boolean', description: 'a relay rather than a person: a forward, or a worker process pulling the stream; not counted as a viewer' },
    protocol: { type: 'string' },
    format: { type: ['string', 'null'], description: "the viewer's container ('flv', 'aac', 'mp3', …); null for publishers" },
    ip: { type: ['string', 'null'] },
    stream: { type: 'string' },
    bytes: { type: 'integer', description: 'received (publisher) or sent (viewer)' },
    lag: {
      type: 'object',
      description: 'what the server holds back for a viewer that is behind',
      properties: { bytes: { type: 'integer' }, ms: { type: 'integer' } },
      required: ['bytes', 'ms'],
    },
    droppedTags: { type: 'integer' },
    skips: { type: 'integer', description: 'times the backlog was cut back to a keyframe' },
    since: { type: 'string', format: 'date-time' },
    connectedMs: { type: 'integer' },
    firstFrameMs: { type: ['integer', 'null'] },
  },
  required: ['id', 'role', 'internal', 'protocol', 'format', 'ip', 'stream', 'bytes', 'lag', 'droppedTags', 'skips', 'since', 'connectedMs', 'firstFrameMs'],
} as const;

export const summarySchema = {
  type: 'object',
  properties: {
    process: {
      type: 'object',
      properties: {
        pid: { type: 'integer' },
        uptimeSeconds: { type: 'number' },
        cpu: {
          type: 'object',
          properties: {
            percent: { type: 'number', description: 'since the previous summary request (100 = one core)' },
            userSeconds: { type: 'number' },
            systemSeconds: { type: 'number' },
          },
          required: ['percent', 'userSeconds', 'systemSeconds'],
        },
        memory: {
          type: 'object',
          properties: { rss: { type: 'integer' }, heapUsed: { type: 'integer' }, heapTotal: { type: 'integer' }, external: { type: 'integer' } },
          required: ['rss', 'heapUsed', 'heapTotal', 'external'],
        },
      },
      required: ['pid', 'uptimeSeconds', 'cpu', 'memory'],
    },
    totals: {
      type: 'object',
      properties: {
        streams: { type: 'integer' },
        publishers: { type: 'integer' },
        viewers: { type: 'integer' },
        viewersByProtocol: counts,
        viewersByFormat: counts,
        bytesIn: { type: 'integer', description: 'media bytes received since start' },
        bytesOut: { type: 'integer', description: 'bytes sent to viewers since start' },
        droppedTags: { type: 'integer', description: 'tags dropped for slow viewers since start' },
      },
      required: ['streams', 'publishers', 'viewers', 'viewersByProtocol', 'viewersByFormat', 'bytesIn', 'bytesOut', 'droppedTags'],
    },
  },
  required: ['process', 'totals'],
} as const;

export const streamParamsSchema = {
  type: 'object',
  properties: { vhost: name, app: name, stream: name },
  required: ['app', 'stream'],
} as const;

/** The params of a route whose path ends in `:id`, the id matching `pattern`. */
const idParams = <const P extends string>(pattern: P) => ({ type: 'object', properties: { id: { type: 'string', pattern } }, required: ['id'] }) as const;

export const clientParamsSchema = idParams('^[a-z0-9]{1,16}$');

export const clientsQuerySchema = {
  type: 'object',
  properties: { stream: { type: 'string', description: 'only the clients of this stream (its name)' } },
  additionalProperties: false,
} as const;

export const streamStoppedSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    publisher: { type: ['string', 'null'], description: 'id of the publisher that was stopped' },
    viewers: { type: 'integer', description: 'viewers that were ended with it' },
  },
  required: ['name', 'publisher', 'viewers'],
} as const;

export const clientKickedSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, role: { type: 'string', enum: ['publisher', 'viewer'] }, stream: { type: 'string' } },
  required: ['id', 'role', 'stream'],
} as const;

const lastErrorSchema = nullable({
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
  required: ['code', 'message', 'at'],
});

export const forwardStatusSchema = {
  type: 'object',
  properties: {
    stream: { type: 'string' },
    url: { type: 'string', description: 'the destination, tokens and credentials cut out' },
    state: { type: 'string', enum: ['connecting', 'forwarding', 'waiting', 'stopped'] },
    connectedSince: { type: ['string', 'null'], format: 'date-time', description: 'since the current connection publishes' },
    bytes: { type: 'integer', description: 'bytes written to the destination, every connection together' },
    drops: { type: 'integer', description: 'frames dropped from its queue because the destination fell behind while connected (what is published while it reconnects is not counted: see reconnects)' },
    skips: { type: 'integer', description: 'times the backlog was cut back to a keyframe' },
    reconnects: { type: 'integer' },
    queuedBytes: { type: 'integer', description: 'backlog in the hub now' },
    socketBufferedBytes: { type: 'integer', description: 'bytes in the socket not yet sent' },
    lastError: lastErrorSchema,
  },
  required: ['stream', 'url', 'state', 'connectedSince', 'bytes', 'drops', 'skips', 'reconnects', 'queuedBytes', 'socketBufferedBytes', 'lastError'],
} as const;

export const pullStatusSchema = {
  type: 'object',
  properties: {
    stream: { type: 'string' },
    url: { type: 'string' },
    onDemand: { type: 'boolean' },
    state: { type: 'string', enum: ['connecting', 'pulling', 'waiting', 'idle', 'stopped'] },
    connectedSince: { type: ['string', 'null'], format: 'date-time' },
    bytes: { type: 'integer', description: 'bytes read from the upstream, every connection together' },
    reconnects: { type: 'integer' },
    lastError: lastErrorSchema,
  },
  required: ['stream', 'url', 'onDemand', 'state', 'connectedSince', 'bytes', 'reconnects', 'lastError'],
} as const;

export const workerSummarySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer', description: 'the slot, 1…workers, kept across restarts' },
    pid: { type: ['integer', 'null'], description: 'null while the worker is being restarted' },
    state: { type: 'string', enum: ['starting', 'up', 'restarting', 'stopping'] },
    viewers: { type: 'integer' },
    pulls: {
      type: 'array',
      description: 'streams it pulls from the primary now (one connection each)',
      items: { type: 'object', properties: { stream: { type: 'string' }, state: { type: 'string' } }, required: ['stream', 'state'] },
    },
    uptimeMs: { type: 'integer' },
    restarts: { type: 'integer' },
    cpu: { type: 'object', properties: { userSeconds: { type: 'number' }, systemSeconds: { type: 'number' } }, required: ['userSeconds', 'systemSeconds'] },
    rssBytes: { type: 'integer' },
    reportAgeMs: { type: ['integer', 'null'] },
  },
  required: ['id', 'pid', 'state', 'viewers', 'pulls', 'uptimeMs', 'restarts', 'cpu', 'rssBytes', 'reportAgeMs'],
} as const;

export const recordingSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'stable and URL-safe (the relative path, base64url): DELETE /recordings/:id' },
    path: { type: 'string', description: 'relative to vodDir' },
    url: { type: 'string', description: 'its VOD URL on the public listener, from the origin (<vodMount>/<path>)' },
    stream: { type: 'string', description: 'the live stream it probably recorded (app/stream), guessed from its path' },
    start: { type: 'string', format: 'date-time', description: 'a [timestamp] in its name, else its last change minus its duration' },
    durationMs: { type: 'integer' },
    bytes: { type: 'integer' },
    seekable: { type: 'boolean', description: 'its onMetaData has a keyframes index (players seek with Range)' },
  },
  required: ['id', 'path', 'url', 'stream', 'start', 'durationMs', 'bytes', 'seekable'],
} as const;

export const recordingParamsSchema = idParams('^[A-Za-z0-9_-]{1,1400}$');

const denied = { 401: errorSchema, 403: errorSchema } as const;
const notFound = { 400: errorSchema, 404: errorSchema } as const;

/** Route schemas, by route: what each takes and answers. */
export const apiRouteSchemas = {
  listStreams: {
    summary: 'Live streams',
    response: { 200: { type: 'object', properties: { streams: { type: 'array', items: streamSummarySchema } }, required: ['streams'] }, ...denied },
  },
  getStream: { summary: 'One stream, by its name as path', params: streamParamsSchema, response: { 200: streamSummarySchema, ...denied, ...notFound } },
  stopStream: {
    summary: 'Stop a stream: evict its publisher (its connection closes) and end its viewers',
    params: streamParamsSchema,
    response: { 200: streamStoppedSchema, ...denied, ...notFound },
  },
  listClients: {
    summary: 'Connections: publishers and viewers',
    querystring: clientsQuerySchema,
    response: { 200: { type: 'object', properties: { clients: { type: 'array', items: clientSummarySchema } }, required: ['clients'] }, ...denied, 400: errorSchema },
  },
  getClient: { summary: 'One connection', params: clientParamsSchema, response: { 200: clientSummarySchema, ...denied, ...notFound } },
  kickClient: {
    summary: 'Disconnect a viewer or a publisher',
    params: clientParamsSchema,
    response: { 200: clientKickedSchema, ...denied, ...notFound },
  },
  summary: { summary: 'Process CPU and memory, totals since start', response: { 200: summarySchema, ...denied } },
  listForwards: {
    summary: 'Forwards (one per stream and destination): state, bytes, drops, reconnects, last error; empty without @flvcast/fastify-relay',
    response: { 200: { type: 'object', properties: { forwards: { type: 'array', items: forwardStatusSchema } }, required: ['forwards'] }, ...denied },
  },
  listWorkers: {
    summary: 'Worker processes serving the HTTP port (--workers): pid, state, viewers, pulls, uptime, restarts; empty for a single process',
    response: { 200: { type: 'object', properties: { workers: { type: 'array', items: workerSummarySchema } }, required: ['workers'] }, ...denied },
  },
  listPulls: {
    summary: 'Pull sources: state, bytes, reconnects, last error; empty without @flvcast/fastify-relay',
    response: { 200: { type: 'object', properties: { pulls: { type: 'array', items: pullStatusSchema } }, required: ['pulls'] }, ...denied },
  },
  listRecordings: {
    summary: 'Recordings: the *.flv files under vodDir (newest first), as the VOD routes serve them; empty without @flvcast/fastify-vod or vodDir',
    response: { 200: { type: 'object', properties: { recordings: { type: 'array', items: recordingSchema } }, required: ['recordings'] }, ...denied },
  },
  deleteRecording: {
    summary: 'Delete a recording file (204); 404 when there is none (or VOD is off)',
    params: recordingParamsSchema,
    response: { 204: { type: 'null', description: 'deleted' }, ...denied, ...notFound },
  },
} as const;

/** The metrics route: text exposition format on 200 (not JSON, so no response schema for it). */
export const metricsRouteSchema = {
  summary: 'Prometheus metrics (text exposition format)',
  response: denied,
} as const;
