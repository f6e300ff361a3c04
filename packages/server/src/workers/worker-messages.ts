import type { StreamSummary } from '@flvcast/hub';
import type { RemoteTraffic, RemoteViewers } from '@flvcast/fastify-ops';

/** The environment variable that makes a forked process a worker (JSON `WorkerHandoff`). */
export const WORKER_ENV = 'FLVCAST_INTERNAL_WORKER';

/** At most this many streams in one report or one stream list: IPC messages stay bounded. */
export const MAX_STREAMS_PER_MESSAGE = 1000;

/** What a worker is told at fork, in its environment. */
export interface WorkerHandoff {
  /** 1…workers, kept across restarts. */
  slot: number;
  /** The primary's feed: `http://127.0.0.1:port/<secret>`. */
  origin: string;
  /** How long the primary's own resolver may take (its on-demand pulls, origins): the worker waits longer. */
  primaryWaitMs: number;
  /** Where the primary's RTMP ingest listens, for the dashboard's publish URLs. */
  rtmp: Array<{ host: string; port: number }>;
}

/** A worker's state as it reports it every second and on change. */
export interface WorkerReport {
  /** Viewers by stream name (the busiest MAX_STREAMS_PER_MESSAGE). */
  streams: Array<[string, RemoteViewers]>;
  viewers: number;
  pulls: Array<{ stream: string; state: string }>;
  traffic: RemoteTraffic;
  cpu: { userSeconds: number; systemSeconds: number };
  rssBytes: number;
}

/** Worker → primary. Every message is tagged `flvcast:`; others (an app's own) are left alone. */
export type FromWorker =
  | { type: 'flvcast:ready'; http: Array<{ address: string; port: number }> }
  | { type: 'flvcast:report'; report: WorkerReport }
  | { type: 'flvcast:streams?'; id: number };

/** Primary → worker. */
export type ToWorker = { type: 'flvcast:streams'; id: number; streams: StreamSummary[] } | { type: 'flvcast:drain' };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A worker's message, or undefined for anything else on the channel. */
export function fromWorker(message: unknown): FromWorker | undefined {
  if (!isObject(message) || typeof message.type !== 'string' || !message.type.startsWith('flvcast:')) return undefined;
  switch (message.type) {
    case 'flvcast:ready':
      return Array.isArray(message.http) ? (message as FromWorker) : undefined;
    case 'flvcast:report':
      return isObject(message.report) && Array.isArray(message.report.streams) && Array.isArray(message.report.pulls) ? (message as FromWorker) : undefined;
    case 'flvcast:streams?':
      return Number.isInteger(message.id) ? (message as FromWorker) : undefined;
    default:
      return undefined;
  }
}

/** The primary's message, or undefined for anything else. */
export function toWorker(message: unknown): ToWorker | undefined {
  if (!isObject(message)) return undefined;
  if (message.type === 'flvcast:drain') return { type: 'flvcast:drain' };
  if (message.type === 'flvcast:streams' && Number.isInteger(message.id) && Array.isArray(message.streams)) return message as ToWorker;
  return undefined;
}

/** The handoff from the environment; undefined when this process is not a flvcast worker. */
export function workerHandoff(env: Record<string, string | undefined>): WorkerHandoff | undefined {
  const text = env[WORKER_ENV];
  if (text === undefined || text === '') return undefined;
  const parsed = JSON.parse(text) as WorkerHandoff;
  if (!Number.isInteger(parsed.slot) || typeof parsed.origin !== 'string') throw new Error(`${WORKER_ENV} is not a worker handoff`);
  return parsed;
}
