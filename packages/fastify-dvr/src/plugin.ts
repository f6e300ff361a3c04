import { DvrRecorder, dvrRoot, repairRecordings, type ActiveRecording, type DvrTotals, type FinishedRecording } from '@flvcast/dvr';
import { requireHub } from '@flvcast/fastify-hub';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { onDvrCallback } from './on-dvr-callback.js';
import { validateDvrOptions, type DvrPluginOptions } from './options.js';

/** What the plugin decorates as `fastify.dvr`. */
export interface DvrStatus {
  /** The files being recorded now: `{ stream, path, startedAt, bytes, durationMs }`. */
  list(): ActiveRecording[];
  /** Running totals (the metrics read them): active, bytes written, files finished, failures, dropped bytes. */
  totals(): DvrTotals;
  /** The directory every recording lies below (the static prefix of dvrPath): what `--vod-dir` serves. */
  readonly root: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    dvr: DvrStatus;
  }
}

async function dvr(fastify: FastifyInstance, opts: DvrPluginOptions): Promise<void> {
  const options = validateDvrOptions(opts);
  const hub = requireHub(fastify, '@flvcast/fastify-dvr');
  const log = fastify.log.child({ plugin: 'dvr' });
  const root = dvrRoot(options.dvrPath);
  // Before anything records: every .tmp found is then a dead recorder's.
  if (options.dvrRepair) {
    const { repaired, failed } = await repairRecordings(root, log);
    if (repaired.length + failed.length > 0) log.info({ root, repaired: repaired.length, failed: failed.length }, 'dvr: unfinished recordings repaired');
  }
  const callback = options.onDvrUrl.length === 0 ? undefined : onDvrCallback(options.onDvrUrl, options.onDvrTimeoutMs, log.child({ plugin: 'http-callback' }));
  const hook = options.onDvr;
  const onFinished =
    callback === undefined && hook === undefined
      ? undefined
      : async (info: FinishedRecording): Promise<void> => {
          await Promise.all([callback?.(info), hook?.(info)]);
        };
  const recorder = new DvrRecorder(hub, {
    apply: options.dvrApply,
    plan: options.dvrPlan,
    segmentMs: options.dvrSegmentSeconds * 1000,
    path: options.dvrPath,
    maxQueueBytes: options.dvrMaxQueueBytes,
    waitKeyframe: options.dvrWaitKeyframe,
    log,
    onFinished,
    ...(options.dvrIndexCapacity === undefined ? {} : { indexCapacity: options.dvrIndexCapacity }),
  });
  fastify.decorate('dvr', { list: () => recorder.list(), totals: () => recorder.totals(), root } satisfies DvrStatus);
  // Files are finished (indexed, renamed) before the hub closes its streams.
  fastify.addHook('preClose', async () => {
    await recorder.close();
  });
}

/**
 * Records the streams published on the hub of @flvcast/fastify-hub whose names match `dvrApply` as
 * seekable FLV files (docs/recording.md). Active recordings and totals are decorated as `fastify.dvr`.
 */
export const fastifyDvr = fp(dvr, { fastify: '5.x', name: '@flvcast/fastify-dvr' });
