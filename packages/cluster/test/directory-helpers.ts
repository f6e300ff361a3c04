import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { startRedis, type RunningRedis } from '@flvcast/test-fixtures';
import { Redis } from 'ioredis';
import { RedisDirectory, type ClusterLog, type RedisDirectoryOptions } from '../src/index.js';

export interface LogLine {
  level: 'info' | 'warn' | 'debug';
  fields: Record<string, unknown>;
  message: string;
}

/** A logger that keeps its lines, to count the once-per-outage ones. */
export function recordingLog(): { log: ClusterLog; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, fields, message });
  return { log: { info: at('info'), warn: at('warn'), debug: at('debug') }, lines };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 10 ms until it gives a value; throws naming `what` after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A key prefix of its own for each test, so tests sharing a Redis never see each other's keys. */
export const testPrefix = (): string => `t${randomBytes(4).toString('hex')}:`;

/** A directory on `url`, its advertised base naming its id (`http://<id>.test:8080`), connected before it is returned. */
export async function connectedDirectory(url: string, id: string, prefix: string, opts: Partial<RedisDirectoryOptions> = {}): Promise<RedisDirectory> {
  const directory = new RedisDirectory({ url, id, prefix, advertise: `http://${id}.test:8080`, log: recordingLog().log, ...opts });
  await waitFor(`${id} connected`, () => directory.available === true);
  return directory;
}

export const cam = (stream: string) => ({ vhost: '', app: 'live', stream });

/** One redis-server for a test file (started before its tests, stopped after), and a client to look at it. */
export function fileRedis(skip: string | false): { readonly redis: RunningRedis; readonly admin: Redis } {
  let running: RunningRedis | undefined;
  let client: Redis | undefined;
  before(async () => {
    if (skip !== false) return;
    running = await startRedis();
    client = new Redis(running.url);
  });
  after(async () => {
    client?.disconnect();
    await running?.stop();
  });
  return {
    get redis() {
      return running!;
    },
    get admin() {
      return client!;
    },
  };
}

/** A redis-server of the test's own (to stop and restart), stopped after it. */
export async function ownRedis(t: { after(fn: () => unknown): void }): Promise<RunningRedis> {
  const redis = await startRedis();
  t.after(() => redis.stop());
  return redis;
}

/** connectedDirectory with its log lines kept. */
export async function loggedDirectory(url: string, id: string, prefix: string, opts: Partial<RedisDirectoryOptions> = {}): Promise<{ directory: RedisDirectory; lines: LogLine[] }> {
  const { log, lines } = recordingLog();
  return { directory: await connectedDirectory(url, id, prefix, { ...opts, log }), lines };
}
