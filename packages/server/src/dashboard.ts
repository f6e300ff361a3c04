import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { summarizeStream, type LiveStream, type StreamSummary } from '@flvcast/hub';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const require = createRequire(import.meta.url);
const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));

const version = (JSON.parse(readFileSync(here('../../package.json'), 'utf8')) as { version: string }).version;

/** How often the page polls the stream feed. */
export const DASHBOARD_POLL_MS = 2000;

export interface DashboardOptions {
  /** The media route templates (`[app]/[stream].flv`, `[app]/[stream].ts`…); the page builds play URLs from them. */
  mount: readonly string[];
  /** WS-FLV is served: the page offers it. */
  websocket: boolean;
  /** `Access-Control-Allow-Origin: *` on the page, its assets and its feed (the FLV routes follow the same switch). */
  crossdomain: boolean;
  /** The stream list when this process's hub does not hold every stream (a worker asks its primary). */
  streams?: () => Promise<StreamSummary[]>;
  /** Where RTMP ingest listens when it is another process's (a worker's primary). */
  rtmp?: ReadonlyArray<{ host: string; port: number }>;
  /**
   * The VOD plugin's public recordings feed (`/vod.json`: `{ recordings }`), for the page's Recordings view;
   * absent when VOD or its feed is off (then the page shows no recordings).
   */
  recordingsFeed?: string;
}

/** `GET /dashboard/config.json`: what the page needs besides the stream list. */
export interface DashboardConfig {
  version: string;
  /** The first `.flv` mount template without a leading slash (empty when none), resolved against the server's base URL. */
  flvPath: string;
  /** Every mount template by its extension (`flv`, `ts`, `aac`, `mp3`), the first of each, without a leading slash. */
  paths: Record<string, string>;
  websocket: boolean;
  /** Where the RTMP ingest listens (what `fastify.rtmp.addresses()` says), for the OBS/ffmpeg URLs. */
  rtmp: Array<{ host: string; port: number }>;
  pollMs: number;
  /** The recordings feed without its leading slash (`vod.json`), resolved like flvPath; '' when there is none. */
  recordingsFeed: string;
}

export interface DashboardAsset {
  /** URL path on the server. */
  path: string;
  /** Absolute file path. */
  file: string;
  contentType: string;
}

/**
 * The files of the web UI: static HTML/CSS from `web/`, the page script compiled by tsc into `dist/web/`,
 * and mpegts.js from its npm package (never a CDN). Exported so a test can serve the same page from
 * another origin.
 */
export function dashboardAssets(): DashboardAsset[] {
  const mpegts = require.resolve('mpegts.js');
  const js = 'text/javascript; charset=utf-8';
  return [
    { path: '/', file: here('../../web/index.html'), contentType: 'text/html; charset=utf-8' },
    { path: '/dashboard/style.css', file: here('../../web/style.css'), contentType: 'text/css; charset=utf-8' },
    { path: '/dashboard/app.js', file: here('../web/app.js'), contentType: js },
    { path: '/vendor/mpegts.js', file: mpegts, contentType: js },
    { path: '/vendor/mpegts.js.map', file: `${mpegts}.map`, contentType: 'application/json; charset=utf-8' },
  ];
}

/** Where the VOD plugin lists its recordings publicly (`/vod.json`), for the page; undefined when VOD or its feed is off. */
export function recordingsFeed(config: { readonly vodDir: string; readonly vodFeed: boolean; readonly vodMount: string }): string | undefined {
  return config.vodDir !== '' && config.vodFeed ? `${config.vodMount}.json` : undefined;
}

/** The public feed hides the publisher's IP address: the page is open to anyone who can reach the server. */
export function publicSummary(summary: StreamSummary): StreamSummary {
  return summary.publisher === null ? summary : { ...summary, publisher: { ...summary.publisher, remoteAddress: null } };
}

/** The dashboard's feed from a hub's streams: public summaries by name (`summarize` may add to each). */
export function publicStreamList(streams: Iterable<LiveStream>, now: number, summarize = summarizeStream): StreamSummary[] {
  const list: StreamSummary[] = [];
  for (const stream of streams) list.push(publicSummary(summarize(stream, now)));
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The web player and live dashboard: the page at `/`, its assets, and a public read-only feed of the
 * streams (`GET /dashboard/streams.json`, polled by the page) plus `GET /dashboard/config.json`.
 * Needs `fastify.streams` (from @flvcast/fastify-http-flv); uses `fastify.rtmp` when present.
 */
export async function dashboard(fastify: FastifyInstance, opts: DashboardOptions): Promise<void> {
  const cors = (reply: FastifyReply): void => {
    if (opts.crossdomain) reply.header('access-control-allow-origin', '*');
  };

  const assets = dashboardAssets();
  const missing = assets.filter((a) => !a.path.endsWith('.map') && !existsSync(a.file));
  if (missing.length > 0) {
    fastify.log.warn({ files: missing.map((a) => a.file) }, 'dashboard: files missing (run `npx -y pnpm@10 build`); the page will not work');
  }
  const cache = new Map<string, Promise<{ body: Buffer; etag: string }>>();
  const load = (asset: DashboardAsset) => {
    let entry = cache.get(asset.path);
    if (entry === undefined) {
      entry = readFile(asset.file).then((body) => ({ body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"` }));
      // A failed read is not cached: the file may appear after a build.
      entry.catch(() => cache.delete(asset.path));
      cache.set(asset.path, entry);
    }
    return entry;
  };

  for (const asset of assets) {
    fastify.get(asset.path, async (request: FastifyRequest, reply: FastifyReply) => {
      cors(reply);
      let loaded: { body: Buffer; etag: string };
      try {
        loaded = await load(asset);
      } catch {
        return reply.code(503).type('text/plain; charset=utf-8').send(`dashboard file missing: ${asset.path} (run \`npx -y pnpm@10 build\`)\n`);
      }
      // Revalidated on every load (small files, and the page must not run an old script after an upgrade).
      reply.header('cache-control', 'no-cache').header('etag', loaded.etag).header('x-content-type-options', 'nosniff');
      if (request.headers['if-none-match'] === loaded.etag) return reply.code(304).send();
      return reply.type(asset.contentType).send(loaded.body);
    });
  }

  fastify.get('/dashboard/streams.json', async (_request, reply) => {
    cors(reply);
    reply.header('cache-control', 'no-store');
    if (opts.streams !== undefined) return opts.streams();
    // The hub's own clock (performance.now() unless configured): uptimes are differences against it.
    return publicStreamList(fastify.streams.list(), fastify.streams.options.now());
  });

  const paths: Record<string, string> = {};
  for (const template of opts.mount) {
    const path = template.replace(/^\/+/, '');
    const ext = /\.([a-z0-9]+)$/.exec(path)?.[1];
    if (ext !== undefined) paths[ext] ??= path;
  }
  fastify.get('/dashboard/config.json', async (_request, reply) => {
    cors(reply);
    reply.header('cache-control', 'no-store');
    const rtmp = opts.rtmp !== undefined ? [...opts.rtmp] : fastify.hasDecorator('rtmp') ? fastify.rtmp.addresses().map((a) => ({ host: a.address, port: a.port })) : [];
    const config: DashboardConfig = {
      version,
      flvPath: paths.flv ?? '',
      paths,
      websocket: opts.websocket,
      rtmp,
      pollMs: DASHBOARD_POLL_MS,
      recordingsFeed: (opts.recordingsFeed ?? '').replace(/^\/+/, ''),
    };
    return config;
  });
}
